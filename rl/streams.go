package rl

// Streams gives every sampled row its own random stream, derived from the
// row's identity — the run seed, the step and generation round, what is
// being sampled, and the row's global index — rather than drawn from one
// shared generator. A row's completion then depends on who it is, not on
// which other rows were sampled beside it, so a data-parallel run whose
// ranks each sample a shard of the batch samples exactly what one process
// would (docs/architecture.md).
type Streams struct {
	// Seed is the run's seed (TrainConfig.Seed).
	Seed uint64
	// Step is the training step (for evaluations, the step they follow).
	Step int
	// Round is the generation round within the step (dynamic sampling).
	Round int
	// Purpose separates the streams of evaluations from those of training
	// at the same step (StreamEval; 0 in training).
	Purpose StreamKind
}

// StreamKind says what a stream samples, so that the solutions and the
// verifications of one row never share a stream.
type StreamKind uint64

// The stream kinds.
const (
	StreamSolve StreamKind = iota + 1
	StreamVerify
	StreamCorrect
	StreamEval
	StreamJudge
)

// Seeds returns the two PCG seeds of each row (nn.Generator.GenerateSeeded).
func (s Streams) Seeds(kind StreamKind, rows []int) []uint64 {
	out := make([]uint64, 0, 2*len(rows))
	for _, r := range rows {
		h := mix64(s.Seed ^ mix64(uint64(s.Step)^mix64(uint64(s.Round)^mix64(uint64(s.Purpose)<<32^uint64(kind)^mix64(uint64(r))))))
		out = append(out, mix64(h), mix64(h^0x9e3779b97f4a7c15))
	}
	return out
}

// Range returns the rows lo, lo+1, …, lo+n−1.
func Range(lo, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = lo + i
	}
	return out
}

// mix64 is SplitMix64's finaliser: a bijection that spreads every input bit.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
