//go:build !amd64 || purego

package asm

func softmax(dst, x []float32) float32 { return softmaxGeneric(dst, x) }
