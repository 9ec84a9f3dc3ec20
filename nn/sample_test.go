package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// truncatedDist is the float64 reference of the sampling distribution:
// softmax(logits/T), cut to the top-k tokens, then to the smallest
// most-probable-first prefix whose renormalised mass reaches topP, then
// renormalised. Ties are broken by lower id, as the sampler does.
func truncatedDist(logits []float32, temp float64, topK int, topP float64) []float64 {
	n := len(logits)
	p := make([]float64, n)
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = math.Max(mx, float64(v)/temp)
	}
	var z float64
	for i, v := range logits {
		p[i] = math.Exp(float64(v)/temp - mx)
		z += p[i]
	}
	ids := make([]int, n)
	for i := range ids {
		ids[i] = i
		p[i] /= z
	}
	sort.SliceStable(ids, func(a, b int) bool { return p[ids[a]] > p[ids[b]] })
	if topK > 0 && topK < n {
		ids = ids[:topK]
	}
	var mass float64
	for _, i := range ids {
		mass += p[i]
	}
	if topP > 0 && topP < 1 {
		var cum float64
		for k, i := range ids {
			cum += p[i] / mass
			if cum >= topP {
				ids = ids[:k+1]
				break
			}
		}
	}
	q := make([]float64, n)
	var kept float64
	for _, i := range ids {
		kept += p[i]
	}
	for _, i := range ids {
		q[i] = p[i] / kept
	}
	return q
}

// chiSquare draws n tokens with the sampler and returns the chi-square
// statistic against want, its degrees of freedom, and whether a token with
// want = 0 was ever drawn.
func chiSquare(t *testing.T, logits []float32, sc SampleConfig, want []float64, n int, seed uint64) (chi2 float64, dof int, impossible bool) {
	t.Helper()
	s := newSampler(len(logits))
	rng := rand.New(rand.NewPCG(seed, 5))
	counts := make([]int, len(logits))
	for range n {
		tok, _ := s.sample(logits, &sc, rng.Float32())
		counts[tok]++
	}
	for i, c := range counts {
		if want[i] == 0 {
			if c > 0 {
				impossible = true
			}
			continue
		}
		e := want[i] * float64(n)
		chi2 += (float64(c) - e) * (float64(c) - e) / e
		dof++
	}
	return chi2, dof - 1, impossible
}

// chiBound is a generous upper quantile of chi-square(dof): mean + 5 sd.
func chiBound(dof int) float64 { return float64(dof) + 5*math.Sqrt(2*float64(dof)) }

func TestSamplerFrequencies(t *testing.T) {
	// A fixed logit vector with a long tail and two exact ties.
	logits := []float32{2.0, 1.5, 1.5, 1.0, 0.7, 0.3, 0.0, -0.5, -1, -2, -3, -4, 0.7, 1.2, -0.2, 0.9}
	cases := []struct {
		name string
		sc   SampleConfig
	}{
		{"full", SampleConfig{Temperature: 1}},
		{"hot", SampleConfig{Temperature: 2.5}},
		{"topk4", SampleConfig{Temperature: 1, TopK: 4}},
		{"topp0.7", SampleConfig{Temperature: 1, TopP: 0.7}},
		{"topp0.9 T0.6", SampleConfig{Temperature: 0.6, TopP: 0.9}},
		{"topk6 topp0.8", SampleConfig{Temperature: 1.2, TopK: 6, TopP: 0.8}},
	}
	const n = 200000
	for k, c := range cases {
		want := truncatedDist(logits, float64(c.sc.Temperature), c.sc.TopK, float64(c.sc.TopP))
		chi2, dof, impossible := chiSquare(t, logits, c.sc, want, n, uint64(k))
		if impossible {
			t.Errorf("%s: sampled a token outside the truncated distribution", c.name)
		}
		if chi2 > chiBound(dof) {
			t.Errorf("%s: chi-square %.1f with %d dof > %.1f", c.name, chi2, dof, chiBound(dof))
		}
		// The test must be able to fail: the untruncated distribution is
		// rejected whenever truncation removed a token.
		full := truncatedDist(logits, float64(c.sc.Temperature), 0, 0)
		if !slices.Equal(full, want) {
			chi2, dof, imp := chiSquare(t, logits, c.sc, full, n, uint64(k))
			if !imp && chi2 <= chiBound(dof) {
				t.Errorf("%s: the untruncated distribution was not rejected (chi-square %.1f)", c.name, chi2)
			}
		}
	}
}

// TestSamplerLogProb: the returned log-prob is the full-vocabulary
// log-softmax at the temperature, whatever the truncation.
func TestSamplerLogProb(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	logits := make([]float32, 300)
	for i := range logits {
		logits[i] = float32(3 * rng.NormFloat64())
	}
	s := newSampler(len(logits))
	for _, sc := range []SampleConfig{
		{Temperature: 1}, {Temperature: 0.3, TopK: 3}, {Temperature: 2, TopP: 0.5},
		{Greedy: true}, {Greedy: true, Temperature: 0.7},
	} {
		temp := float64(sc.Temperature)
		if temp == 0 {
			temp = 1
		}
		full := truncatedDist(logits, temp, 0, 0)
		for range 50 {
			tok, lp := s.sample(logits, &sc, rng.Float32())
			if d := math.Abs(float64(lp) - math.Log(full[tok])); d > 2e-5 {
				t.Fatalf("%+v: token %d log-prob %g, want %g", sc, tok, lp, math.Log(full[tok]))
			}
			if sc.Greedy && tok != argmax(logits) {
				t.Fatalf("greedy picked %d, argmax is %d", tok, argmax(logits))
			}
		}
	}
}

func TestTopKCandidates(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 200 {
		n := 1 + rng.IntN(60)
		probs := make([]float32, n)
		for i := range probs {
			probs[i] = float32(rng.IntN(8)) / 8 // many ties
		}
		k := 1 + rng.IntN(n)
		got := topKCandidates(make([]candidate, 0, n), probs, k)
		all := make([]candidate, n)
		for i, p := range probs {
			all[i] = candidate{p, int32(i)}
		}
		sort.SliceStable(all, func(a, b int) bool { return all[a].p > all[b].p })
		if !slices.Equal(got, all[:k]) {
			t.Fatalf("trial %d n=%d k=%d: %v, want %v", trial, n, k, got, all[:k])
		}
	}
}

func TestSampleMult(t *testing.T) {
	probs := []float32{0, 0.25, 0, 0.5, 0.25, 0}
	for _, c := range []struct {
		coin float32
		want int32
	}{{0, 1}, {0.2499, 1}, {0.25, 3}, {0.74, 3}, {0.75, 4}, {0.99999, 4}, {1, 4}} {
		if got := sampleMult(probs, c.coin); got != c.want {
			t.Errorf("coin %g: %d, want %d", c.coin, got, c.want)
		}
	}
}

func TestSampleConfigValidate(t *testing.T) {
	if err := DefaultSampleConfig().Validate(); err != nil {
		t.Fatalf("default config invalid: %v", err)
	}
	good := []SampleConfig{{Greedy: true}, {Temperature: 0.1, TopK: 1, TopP: 0}, {Temperature: 5, TopP: 1, MaxNewTokens: 0}}
	for _, c := range good {
		if err := c.Validate(); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
	bad := []SampleConfig{{}, {Temperature: -1}, {Greedy: true, Temperature: -1},
		{Temperature: float32(math.Inf(1))}, {Temperature: 1, TopK: -3}, {Temperature: 1, TopP: -0.1},
		{Temperature: 1, TopP: float32(math.NaN())}, {Temperature: 1, MaxNewTokens: -1}}
	for _, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v: accepted", c)
		}
	}
}
