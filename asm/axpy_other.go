//go:build !amd64 || purego

package asm

func axpy(alpha float32, x, y []float32) { axpyGeneric(alpha, x, y) }

func scale(alpha float32, x []float32) { scaleGeneric(alpha, x) }
