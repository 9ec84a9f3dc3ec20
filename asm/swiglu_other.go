//go:build !amd64 || purego

package asm

func swiglu(dst, gate, up []float32) { swigluGeneric(dst, gate, up) }

func swigluBackward(dgate, dup, dout, gate, up []float32) {
	swigluBackwardGeneric(dgate, dup, dout, gate, up)
}
