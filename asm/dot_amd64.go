//go:build !purego

package asm

// dotAVX512 returns the dot product of x and y; len(y) == len(x).
//
//	var s float32
//	for i, v := range x {
//		s += v * y[i]
//	}
//	return s
//
// Four zmm accumulators (64 floats per iteration), a masked tail.
//
//go:noescape
func dotAVX512(x, y []float32) float32

// dotAVX2 is dotAVX512 with four ymm accumulators and a VMASKMOVPS tail.
//
//go:noescape
func dotAVX2(x, y []float32) float32

func dot(x, y []float32) float32 {
	switch {
	case useAVX512:
		return dotAVX512(x, y)
	case useAVX2:
		return dotAVX2(x, y)
	}
	return dotGeneric(x, y)
}
