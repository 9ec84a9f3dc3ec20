//go:build !unix

package nn

// processCPUSeconds is unavailable here; benchmarks then skip the per-CPU
// metric.
func processCPUSeconds() float64 { return 0 }
