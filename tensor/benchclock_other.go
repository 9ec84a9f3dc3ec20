//go:build !linux

package tensor

// threadCPUSeconds has no per-thread CPU clock here: benchmarks time with
// the wall clock.
func threadCPUSeconds() (float64, bool) { return 0, false }
