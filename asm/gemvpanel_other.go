//go:build !amd64 || purego

package asm

func gemvPanels(c, a, b []float32, k, kc int, acc bool) { gemvPanelsGeneric(c, a, b, k, kc, acc) }
