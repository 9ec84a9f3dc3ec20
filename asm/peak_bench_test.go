package asm

import "testing"

// BenchmarkFMAPeak reports the measured FMA throughput of the current path.
func BenchmarkFMAPeak(b *testing.B) {
	flops := 0
	for b.Loop() {
		flops += FMAPeakLoop(1 << 16)
	}
	b.ReportMetric(float64(flops)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
