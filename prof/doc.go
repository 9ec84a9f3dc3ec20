// Package prof summarises a CPU profile written by `rltrain --cpuprofile`
// by training phase. The trainer runs each phase of a step under a pprof
// label (runtime/pprof.Do with "phase" = rollout, score or train); Summarize
// splits the profile's CPU time by that label — samples without it count as
// "other" — and lists each phase's top functions by flat time (the function
// was running) and by cumulative time (the function was on the stack).
//
// Goroutines inherit labels only from the goroutine that starts them, so
// work handed to goroutines started outside a phase (a persistent worker
// pool) is counted as "other" even when a phase asked for it.
//
// It reads profiles with github.com/google/pprof/profile, so it accepts
// anything `go tool pprof` reads (gzipped or not).
package prof
