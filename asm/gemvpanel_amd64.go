//go:build !purego

package asm

// gemvPanelsAVX2 is gemvPanelsGeneric: len(c) a multiple of 16, len(a) ≥ k,
// len(b) ≥ len(c)·k, k, kc ≥ 1.
//
//go:noescape
func gemvPanelsAVX2(c, a, b []float32, k, kc int, acc bool)

func gemvPanels(c, a, b []float32, k, kc int, acc bool) {
	if useAVX2 || useAVX512 {
		gemvPanelsAVX2(c, a, b, k, kc, acc)
		return
	}
	gemvPanelsGeneric(c, a, b, k, kc, acc)
}
