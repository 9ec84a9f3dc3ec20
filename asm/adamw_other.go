//go:build !amd64 || purego

package asm

func adamw(p, g, m, v []float32, b1, c1, b2, c2, isb, eps, keep, step float32) {
	adamwGeneric(p, g, m, v, b1, c1, b2, c2, isb, eps, keep, step)
}
