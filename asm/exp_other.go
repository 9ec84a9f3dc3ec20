//go:build !amd64 || purego

package asm

func exp(dst, x []float32) { expGeneric(dst, x) }
