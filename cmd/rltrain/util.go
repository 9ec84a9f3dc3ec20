package main

import (
	"math/rand/v2"

	"github.com/rltrain/rltrain/asm"
)

type rngT = rand.Rand

// newRngT returns the PCG generator for (seed, stream).
func newRngT(seed, stream uint64) *rngT { return rand.New(rand.NewPCG(seed, stream^0x6576616c)) }

// kernelPath names the SIMD path the kernels use.
func kernelPath() string { return asm.Path() }
