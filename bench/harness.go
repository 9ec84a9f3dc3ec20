package bench

import (
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rltrain/rltrain/nn"
)

// TimeReps calls f once untimed, then repeatedly until both minTime and
// minReps are reached; it returns the timed seconds and repetitions.
func TimeReps(f func(), minTime time.Duration, minReps int) (float64, int) {
	f()
	start := time.Now()
	reps := 0
	for reps < minReps || time.Since(start) < minTime {
		f()
		reps++
	}
	return time.Since(start).Seconds(), reps
}

// Median is the median of xs (the mean of the middle two for an even
// count); xs is not modified. xs must not be empty.
func Median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// RandomTokens returns n token ids drawn uniformly from [0, vocab).
func RandomTokens(rng *rand.Rand, n, vocab int) []int32 {
	t := make([]int32, n)
	for i := range t {
		t[i] = int32(rng.IntN(vocab))
	}
	return t
}

// LMTrainer is the plain LM training step the train benchmark times: next-
// token loss averaged over the scored tokens, Backward, clip to norm 1,
// AdamW at its default settings.
type LMTrainer struct {
	m    *nn.Model
	opt  *nn.AdamW
	seqs []nn.Seq
	dlp  [][]float32
	mb   int // sequences per Score/Backward pass (micro-batch)
}

// NewLMTrainer returns the step over all of seqs in one Score/Backward pass.
func NewLMTrainer(m *nn.Model, seqs []nn.Seq) *LMTrainer {
	return NewLMTrainerMicro(m, seqs, len(seqs))
}

// NewLMTrainerMicro is NewLMTrainer with the gradients of micro-batches of
// mb sequences summed before the optimiser step (as rl.Trainer does).
func NewLMTrainerMicro(m *nn.Model, seqs []nn.Seq, mb int) *LMTrainer {
	t := &LMTrainer{m: m, opt: nn.NewAdamW(nn.DefaultAdamWConfig(), m), seqs: seqs, mb: max(1, mb)}
	n := 0
	for _, s := range seqs {
		n += len(s.Tokens) - s.Start
	}
	t.dlp = make([][]float32, len(seqs))
	for i, s := range seqs {
		t.dlp[i] = make([]float32, len(s.Tokens)-s.Start)
		for j := range t.dlp[i] {
			t.dlp[i][j] = -1 / float32(n)
		}
	}
	return t
}

// Step runs one training step: zero the gradients, Score and Backward each
// micro-batch, clip, AdamW.
func (t *LMTrainer) Step() {
	t.m.ZeroGrad()
	for lo := 0; lo < len(t.seqs); lo += t.mb {
		hi := min(lo+t.mb, len(t.seqs))
		t.m.Score(t.seqs[lo:hi], nn.ScoreOptions{Grad: true})
		t.m.Backward(t.dlp[lo:hi], nil, nil)
	}
	nn.ClipGradNorm(t.m.G.Data, 1)
	t.opt.Update(t.m, t.opt.Cfg.LR)
}

// peakRSS is this process's peak resident set size in bytes (VmHWM from
// /proc/self/status), or 0 where that file does not exist.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				if err == nil {
					return kb << 10
				}
			}
		}
	}
	return 0
}
