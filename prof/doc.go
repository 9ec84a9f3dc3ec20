// Package prof summarises a CPU profile written by `rltrain --cpuprofile`
// by phase. Every phase of a run runs under a pprof label (rl.Phase, with
// "phase" = tokenizer, sft, rollout, score, train, eval, checkpoint or log);
// Summarize splits the profile's CPU time by that label — samples without
// it count as "other" — and lists each phase's top functions by flat time
// (the function was running) and by cumulative time (the function was on
// the stack).
//
// Goroutines inherit labels only from the goroutine that starts them; the
// tensor worker pool's persistent goroutines take the labels of the phase
// that hands them work (tensor.Do), so their CPU time counts for it too.
//
// It reads profiles with github.com/google/pprof/profile, so it accepts
// anything `go tool pprof` reads (gzipped or not).
package prof
