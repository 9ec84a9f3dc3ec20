package asm

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// PathGeneric names the pure-Go path, which every build has.
const PathGeneric = "generic"

// Paths lists every kernel path this CPU and build can run, best first,
// ending with PathGeneric; or, when RLTRAIN_TEST_PATHS is set, the paths it
// names (see testPaths).
func Paths() []string {
	if testPaths != nil {
		return append([]string(nil), testPaths...)
	}
	return append(Available(), PathGeneric)
}

// testPaths restricts Paths, and so every ForEachPath test and benchmark, to
// the comma-separated paths of RLTRAIN_TEST_PATHS. The emulated AVX-512 run
// (scripts/test-avx512-emu.sh) sets it to avx512: the other paths are tested
// natively, and emulation is several hundred times slower than the CPU. A
// path this CPU cannot run is a configuration error, reported at start-up,
// so that a restricted run can never pass by testing nothing.
var testPaths = parseTestPaths(os.Getenv("RLTRAIN_TEST_PATHS"))

func parseTestPaths(env string) []string {
	if env == "" {
		return nil
	}
	avail := append(Available(), PathGeneric)
	var out []string
	for _, p := range strings.Split(env, ",") {
		p = strings.TrimSpace(strings.ToLower(p))
		if !slices.Contains(avail, p) {
			fmt.Fprintf(os.Stderr, "rltrain: RLTRAIN_TEST_PATHS=%q: path %q is not available here (available: %s)\n",
				env, p, strings.Join(avail, ", "))
			os.Exit(2)
		}
		out = append(out, p)
	}
	return out
}

// ForEachPath runs f once per path of Paths, with the kernels switched to
// that path while f runs (better paths disabled through Disable), and
// restores the previous state afterwards. It is the one loop every kernel
// test and benchmark goes through, so that each assembly variant and the
// generic twin face the same checks:
//
//	asm.ForEachPath(func(path string) {
//		t.Run(path, func(t *testing.T) { … })
//	})
//
// Like Disable it is not safe while kernels run on other goroutines (run f's
// subtests serially, not with t.Parallel).
func ForEachPath(f func(path string)) {
	for _, p := range Paths() {
		restore := usePath(p)
		f(p)
		restore()
	}
}

// usePath switches the kernels to one path of Paths and returns the restore func.
func usePath(path string) (restore func()) {
	switch path {
	case FeatureAVX512:
		p2, p512 := useAVX2, useAVX512
		useAVX2, useAVX512 = hasAVX2, hasAVX512
		return func() { useAVX2, useAVX512 = p2, p512 }
	case FeatureAVX2:
		p2, p512 := useAVX2, useAVX512
		useAVX2, useAVX512 = hasAVX2, false
		return func() { useAVX2, useAVX512 = p2, p512 }
	case PathGeneric:
		return Disable("all")
	}
	panic("asm: unknown kernel path " + path)
}
