//go:build !purego

package asm

// asmBuilt reports that the assembly kernels are compiled into this binary.
const asmBuilt = true
