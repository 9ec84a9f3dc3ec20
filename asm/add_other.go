//go:build !amd64 || purego

package asm

func add(dst, x, y []float32) { addGeneric(dst, x, y) }

func mul(dst, x, y []float32) { mulGeneric(dst, x, y) }
