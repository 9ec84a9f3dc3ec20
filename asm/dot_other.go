//go:build !amd64 || purego

package asm

func dot(x, y []float32) float32 { return dotGeneric(x, y) }
