package rl

import (
	"context"
	"math"
	"runtime/pprof"

	"github.com/rltrain/rltrain/nn"
)

// SeqLogProbChunk is the number of sequences SequenceLogProbs scores per
// Model.Score call: enough to keep the linear layers matrix-matrix, few
// enough that the activations of long sequences stay small.
const SeqLogProbChunk = 64

// SequenceLogProbs scores given sequences by teacher forcing, without
// sampling and without keeping activations for a gradient: out[i] is
// Σ_{t ≥ Start} log p(Tokens[t] | Tokens[:t]) of seqs[i] under the policy's
// own distribution (temperature 1, full vocabulary), summed in float64 in
// token order. It runs under the "score" profiling label. Callers that
// compare continuations of one prefix (self-verify's verdict options)
// normalise these sums among themselves.
//
// It must not run between a Score with Grad and its Backward (the trainer
// calls it only while building a batch, before the update).
func (p *Policy) SequenceLogProbs(ctx context.Context, seqs []nn.Seq) []float64 {
	out := make([]float64, len(seqs))
	pprof.Do(ctx, pprof.Labels("phase", "score"), func(context.Context) {
		for lo := 0; lo < len(seqs); lo += SeqLogProbChunk {
			hi := min(lo+SeqLogProbChunk, len(seqs))
			sc := p.Model.Score(seqs[lo:hi], nn.ScoreOptions{})
			for i, lp := range sc.LogP {
				s := 0.0
				for _, v := range lp {
					s += float64(v)
				}
				out[lo+i] = s
			}
		}
	})
	return out
}

// NormalizeLogProbs turns log-probabilities of mutually exclusive options
// into probabilities that sum to 1 over the options (a softmax, shifted by
// the maximum so that very negative sums do not underflow to 0/0). Options
// of probability −Inf get 0; when every option is −Inf (or one is NaN) the
// result is all NaN: nothing can be said.
func NormalizeLogProbs(lps []float64) []float64 {
	out := make([]float64, len(lps))
	m := math.Inf(-1)
	for _, v := range lps {
		if math.IsNaN(v) {
			m = math.NaN()
			break
		}
		m = max(m, v)
	}
	if math.IsNaN(m) || math.IsInf(m, -1) {
		for i := range out {
			out[i] = math.NaN()
		}
		return out
	}
	sum := 0.0
	for i, v := range lps {
		out[i] = math.Exp(v - m)
		sum += out[i]
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}
