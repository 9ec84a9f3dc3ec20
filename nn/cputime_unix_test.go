//go:build unix

package nn

import "syscall"

// processCPUSeconds is the user+system CPU time of this process so far, so
// that benchmarks can report throughput per CPU-second, which is far less
// sensitive than wall time to other jobs on a shared machine.
func processCPUSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
