package nn

// Token sampling: temperature, top-k, top-p (nucleus) and greedy, with the
// coin passed in (llama2.c's sample_mult(probabilities, n, coin)), so every
// function here is pure and testable. The order of the transforms follows
// Hugging Face's logits processors: temperature, then top-k, then top-p.
//
// The log-probability returned with each token is always taken under
// softmax(logits/T) over the FULL vocabulary, never the truncated
// distribution (docs/algorithms.md §0): that is what Model.Score computes, so the
// RL losses can use the sampler's numbers as lp_old without an
// importance-sampling correction.

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/rltrain/rltrain/asm"
)

// SampleConfig says how Generator.Generate picks each new token.
type SampleConfig struct {
	// Temperature T divides the logits before the softmax. Default 1. Range:
	// > 0 when sampling; T < 1 sharpens, T > 1 flattens. With Greedy it only
	// sets the temperature of the returned log-probs, and 0 there means 1.
	Temperature float32
	// TopK keeps only the K most probable tokens before sampling. Default 0
	// (off); K ≥ vocabulary size is also off. Range ≥ 0. TopK = 1 is greedy.
	TopK int
	// TopP keeps the smallest set of most probable tokens whose probability
	// mass (after temperature and top-k) reaches TopP, the nucleus of
	// Holtzman et al. (arXiv 1904.09751). Default 1 (off); 0 also means off.
	// Range [0, 1].
	TopP float32
	// Greedy picks the most probable token (the lowest id among ties) and
	// draws no randomness. Default false.
	Greedy bool
	// MaxNewTokens caps the completion length, stop token included.
	// Default 256. 0 means no cap other than the generator's maxLen.
	// Range ≥ 0.
	MaxNewTokens int
	// StopTokens end a completion when sampled (the stop token is kept in
	// Completion.Tokens and gets its log-prob). Default none. Every id must
	// be in [0, VocabSize).
	StopTokens []int32
}

// DefaultSampleConfig is plain sampling at temperature 1 with up to 256 new
// tokens and no stop tokens.
func DefaultSampleConfig() SampleConfig {
	return SampleConfig{Temperature: 1, TopP: 1, MaxNewTokens: 256}
}

// Validate checks the fields that do not depend on the model and says how to
// fix them. Generate additionally checks StopTokens against the vocabulary.
func (c SampleConfig) Validate() error {
	var errs []error
	t := float64(c.Temperature)
	switch {
	case math.IsNaN(t) || math.IsInf(t, 0):
		errs = append(errs, fmt.Errorf("sample temperature = %g: must be finite", t))
	case !c.Greedy && t <= 0:
		errs = append(errs, fmt.Errorf("sample temperature = %g: must be > 0 when sampling (set Greedy for argmax decoding)", t))
	case c.Greedy && t < 0:
		errs = append(errs, fmt.Errorf("sample temperature = %g: must be ≥ 0 (with Greedy it only sets the log-prob temperature; 0 means 1)", t))
	}
	if c.TopK < 0 {
		errs = append(errs, fmt.Errorf("sample top-k = %d: must be ≥ 0 (0 turns it off)", c.TopK))
	}
	if p := float64(c.TopP); math.IsNaN(p) || p < 0 || p > 1 {
		errs = append(errs, fmt.Errorf("sample top-p = %g: must be in [0, 1] (0 or 1 turn it off)", p))
	}
	if c.MaxNewTokens < 0 {
		errs = append(errs, fmt.Errorf("sample max new tokens = %d: must be ≥ 0 (0 means up to the generator's maxLen)", c.MaxNewTokens))
	}
	return errors.Join(errs...)
}

// logProbTemperature is the temperature the returned log-probs use: the
// sampling temperature, or 1 for greedy decoding with Temperature 0.
func (c *SampleConfig) logProbTemperature() float32 {
	if c.Temperature > 0 {
		return c.Temperature
	}
	return 1
}

// candidate is one token kept by top-k/top-p truncation.
type candidate struct {
	p  float32
	id int32
}

// before orders candidates by probability, highest first, and by id among
// equal probabilities, so the order is total and the result does not depend
// on the sorting algorithm.
func (a candidate) before(b candidate) bool {
	return a.p > b.p || (a.p == b.p && a.id < b.id)
}

func cmpCandidates(a, b candidate) int {
	switch {
	case a.before(b):
		return -1
	case b.before(a):
		return 1
	}
	return 0
}

// sampler holds the scratch one worker needs to sample rows of logits; it is
// allocated once and reused, so sampling does not allocate.
type sampler struct {
	probs []float32   // (V)
	cand  []candidate // (V)
}

func newSampler(vocab int) *sampler {
	return &sampler{probs: make([]float32, vocab), cand: make([]candidate, vocab)}
}

// sample picks the next token from one row of logits (V) and returns it with
// its log-prob under softmax(logits/T) over the full vocabulary. coin is a
// uniform draw in [0, 1); greedy decoding ignores it.
func (s *sampler) sample(logits []float32, cfg *SampleConfig, coin float32) (tok int32, logp float32) {
	invT := 1 / cfg.logProbTemperature()
	probs := s.probs[:len(logits)]
	for i, v := range logits {
		probs[i] = v * invT
	}
	// log softmax(logits/T)[i] = logits[i]/T − logZ; the product is formed
	// exactly as above so that the log-prob matches the probs bit for bit.
	logZ := asm.Softmax(probs, probs)
	if cfg.Greedy {
		tok = argmax(logits)
	} else {
		tok = s.pick(probs, cfg.TopK, cfg.TopP, coin)
	}
	return tok, logits[tok]*invT - logZ
}

// pick draws a token from probs (which sum to 1), truncated to the top-k and
// then the top-p nucleus when those are on.
func (s *sampler) pick(probs []float32, topK int, topP float32, coin float32) int32 {
	n := len(probs)
	useK := topK > 0 && topK < n
	useP := topP > 0 && topP < 1
	if !useK && !useP {
		return sampleMult(probs, coin)
	}
	var cand []candidate
	if useK {
		cand = topKCandidates(s.cand[:0], probs, topK)
	} else {
		// Nucleus without top-k (llama2.c sample_topp): a token with
		// p < (1−topP)/(n−1) cannot be in the nucleus, because all such
		// tokens together hold less than 1−topP, so the others hold more
		// than topP. Dropping them first keeps the sort short.
		cutoff := (1 - topP) / float32(n-1)
		cand = s.cand[:0]
		for i, p := range probs {
			if p >= cutoff {
				cand = append(cand, candidate{p, int32(i)})
			}
		}
		slices.SortFunc(cand, cmpCandidates)
	}
	// cand is sorted, most probable first. The nucleus is its shortest
	// prefix whose mass reaches topP (of the mass left after top-k); the
	// first token is always kept.
	// Top-p applies to the distribution left by top-k, renormalised, i.e.
	// to mass Σ cand when top-k is on; otherwise to the whole vocabulary,
	// whose mass is 1.
	var total float32
	for _, c := range cand {
		total += c.p
	}
	keep := len(cand)
	if useP {
		target := topP
		if useK {
			target *= total
		}
		var cum float32
		for i, c := range cand {
			cum += c.p
			if cum >= target {
				keep = i + 1
				break
			}
		}
		total = cum
	}
	cand = cand[:keep]
	// Sample from the renormalised truncated distribution.
	r := coin * total
	var cdf float32
	for _, c := range cand {
		cdf += c.p
		if r < cdf {
			return c.id
		}
	}
	return cand[len(cand)-1].id // rounding: coin·total ≥ the float sum
}

// sampleMult draws index i with probability probs[i] (llama2.c
// sample_mult): the first i whose cumulative probability exceeds coin.
// Rounding can leave the total a hair below coin; then the last token with
// non-zero probability is returned, never one that cannot be sampled.
func sampleMult(probs []float32, coin float32) int32 {
	var cdf float32
	last := int32(0)
	for i, p := range probs {
		if p > 0 {
			cdf += p
			last = int32(i)
			if coin < cdf {
				return int32(i)
			}
		}
	}
	return last
}

// argmax returns the index of the largest value, the lowest among ties.
func argmax(x []float32) int32 {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return int32(best)
}

// topKCandidates appends the k most probable tokens to dst (k < len(probs))
// in candidate order, most probable first. It keeps a min-heap of the best k
// seen so far, O(V·log k), rather than sorting the whole vocabulary.
func topKCandidates(dst []candidate, probs []float32, k int) []candidate {
	h := dst[:0]
	for i := 0; i < k; i++ {
		h = append(h, candidate{probs[i], int32(i)})
	}
	// Heap order: the root is the worst kept candidate (the one every other
	// kept candidate comes before).
	for i := k/2 - 1; i >= 0; i-- {
		siftDown(h, i)
	}
	for i := k; i < len(probs); i++ {
		c := candidate{probs[i], int32(i)}
		if c.before(h[0]) {
			h[0] = c
			siftDown(h, 0)
		}
	}
	slices.SortFunc(h, cmpCandidates)
	return h
}

// siftDown restores the heap property below i in a heap whose root is the
// candidate that comes last in candidate order.
func siftDown(h []candidate, i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		w := l
		if r := l + 1; r < len(h) && h[w].before(h[r]) {
			w = r
		}
		if !h[i].before(h[w]) {
			return
		}
		h[i], h[w] = h[w], h[i]
		i = w
	}
}
