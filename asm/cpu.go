// Package asm holds rltrain's CPU kernels: SGEMM micro-kernels and the row
// kernels a transformer needs (dot, axpy, exp, softmax, RMSNorm, SwiGLU, …).
//
// Every kernel has a pure-Go twin named xxxGeneric that is always compiled,
// serves as the fallback on other architectures and under the purego build
// tag, and is the oracle the assembly is tested against.
//
// The instruction-set path is chosen once at init from the CPU's features
// (klauspost/cpuid). Tests switch paths off with Disable, which returns a
// restore function, and run a body once per available path (avx512, avx2,
// generic) with ForEachPath. For bug reports, the environment variable RLTRAIN_KERNELS
// forces a path at start-up:
//
//	RLTRAIN_KERNELS=generic   pure Go everywhere (same as RLTRAIN_PUREGO=1)
//	RLTRAIN_KERNELS=avx2      AVX2+FMA, never AVX-512
//	RLTRAIN_KERNELS=avx512    the default on CPUs that have it
package asm

import (
	"fmt"
	"os"
	"strings"

	"github.com/klauspost/cpuid/v2"
)

// Feature names accepted by Disable and RLTRAIN_KERNELS.
const (
	FeatureAVX512 = "avx512"
	FeatureAVX2   = "avx2"
)

var (
	// hasAVX2 / hasAVX512 are what the CPU (and the build) can do. The
	// AVX-512 row kernels build their tail masks with BZHI (BMI2), which
	// every AVX-512 CPU has.
	hasAVX2   = cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3) && asmBuilt
	hasAVX512 = cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512DQ, cpuid.AVX512BW, cpuid.AVX512VL, cpuid.BMI2) && hasAVX2

	// useAVX2 / useAVX512 are what the kernels dispatch on.
	useAVX2   = hasAVX2
	useAVX512 = hasAVX512
)

func init() {
	if os.Getenv("RLTRAIN_PUREGO") == "1" {
		useAVX2, useAVX512 = false, false
		return
	}
	switch strings.ToLower(os.Getenv("RLTRAIN_KERNELS")) {
	case "", FeatureAVX512:
	case FeatureAVX2:
		useAVX512 = false
	case "generic", "purego":
		useAVX2, useAVX512 = false, false
	default:
		fmt.Fprintf(os.Stderr, "rltrain: RLTRAIN_KERNELS=%q not understood (want generic, avx2 or avx512); using the default\n",
			os.Getenv("RLTRAIN_KERNELS"))
	}
}

// Path names the instruction-set path the kernels use now.
func Path() string {
	switch {
	case useAVX512:
		return FeatureAVX512
	case useAVX2:
		return FeatureAVX2
	}
	return "generic"
}

// Available lists the fast paths this CPU and build support, best first.
func Available() []string {
	var out []string
	if hasAVX512 {
		out = append(out, FeatureAVX512)
	}
	if hasAVX2 {
		out = append(out, FeatureAVX2)
	}
	return out
}

// Disable turns a fast path off (disabling avx2 disables avx512 too, since
// the AVX-512 kernels fall back through the AVX2 ones) and returns a function
// that restores the previous state. It is meant for tests and benchmarks and
// is not safe to call while kernels run on other goroutines.
func Disable(feature string) (restore func()) {
	p2, p512 := useAVX2, useAVX512
	switch feature {
	case FeatureAVX512:
		useAVX512 = false
	case FeatureAVX2:
		useAVX2, useAVX512 = false, false
	case "all":
		useAVX2, useAVX512 = false, false
	default:
		panic("asm: Disable: unknown feature " + feature)
	}
	return func() { useAVX2, useAVX512 = p2, p512 }
}

// CPUName is the processor's brand string, for benchmark reports.
func CPUName() string { return cpuid.CPU.BrandName }
