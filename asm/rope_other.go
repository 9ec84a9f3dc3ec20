//go:build !amd64 || purego

package asm

func rope(d1, d2, x1, x2, c, s []float32) { ropeGeneric(d1, d2, x1, x2, c, s) }
