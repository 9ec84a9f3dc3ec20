package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/tensor"
)

// genTestConfig is a tiny GQA model with q/k/v biases and an untied head,
// so every branch of the generator's forward runs.
func genTestConfig() Config {
	return Config{VocabSize: 37, Dim: 32, NLayers: 2, NHeads: 4, NKVHeads: 2, FFNDim: 48,
		MaxSeqLen: 64, RopeTheta: 10000, NormEps: 1e-5, QKVBias: true}
}

// genTestModel returns a model whose weights are large enough (std 0.25)
// that the next-token distributions are far from uniform, with non-trivial
// norm weights and biases, so that a wrong position, head or row shows up in
// the log-probs.
func genTestModel(t testing.TB, cfg Config, seed uint64) *Model {
	t.Helper()
	m, err := NewModel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	for _, nt := range m.P.Named() {
		for i := range nt.Data {
			switch {
			case len(nt.Shape) == 2:
				nt.Data[i] = float32(0.25 * rng.NormFloat64())
			case strings.HasSuffix(nt.Name, "norm.weight"):
				nt.Data[i] = float32(1 + 0.2*rng.NormFloat64())
			default:
				nt.Data[i] = float32(0.1 * rng.NormFloat64())
			}
		}
	}
	return m
}

// genTestPrompts returns n prompts of lengths 1 + (i·7 mod maxPrompt).
func genTestPrompts(n, maxPrompt, vocab int, seed uint64) [][]int32 {
	rng := rand.New(rand.NewPCG(seed, 2))
	ps := make([][]int32, n)
	for i := range ps {
		p := make([]int32, 1+(i*7)%maxPrompt)
		for j := range p {
			p[j] = int32(rng.IntN(vocab))
		}
		ps[i] = p
	}
	return ps
}

// refLogProbs is a straightforward float64 forward of the whole sequence
// (no cache, no fusion, no shared helpers): it returns
// log softmax(logits_t/T)[tokens[t+1]] for t+1 in [start, len(tokens)).
func refLogProbs(m *Model, tokens []int32, start int, temp float64) []float64 {
	cfg, p := m.Cfg, m.P
	C, F, V, HS := cfg.Dim, cfg.FFNDim, cfg.VocabSize, cfg.HeadSize()
	NH, NKV := cfg.NHeads, cfg.NKVHeads
	T := len(tokens) - 1 // positions that predict a token
	f64 := func(x []float32) []float64 {
		y := make([]float64, len(x))
		for i, v := range x {
			y[i] = float64(v)
		}
		return y
	}
	rms := func(x []float64, w []float32) []float64 {
		var ss float64
		for _, v := range x {
			ss += v * v
		}
		r := 1 / math.Sqrt(ss/float64(len(x))+cfg.NormEps)
		y := make([]float64, len(x))
		for i, v := range x {
			y[i] = v * r * float64(w[i])
		}
		return y
	}
	lin := func(x []float64, w, b []float32, out int) []float64 {
		in := len(x)
		y := make([]float64, out)
		for o := range y {
			var s float64
			for i := range in {
				s += x[i] * float64(w[o*in+i])
			}
			if b != nil {
				s += float64(b[o])
			}
			y[o] = s
		}
		return y
	}
	rope := func(x []float64, pos int) {
		h := HS / 2
		for i := 0; i < h; i++ {
			a := float64(pos) * math.Pow(cfg.RopeTheta, -float64(2*i)/float64(HS))
			c, s := math.Cos(a), math.Sin(a)
			x1, x2 := x[i], x[i+h]
			x[i], x[i+h] = x1*c-x2*s, x2*c+x1*s
		}
	}
	xs := make([][]float64, T)
	for t := range xs {
		xs[t] = f64(p.Embed[int(tokens[t])*C : int(tokens[t]+1)*C])
	}
	for l := range p.Layers {
		lp := &p.Layers[l]
		qs, ks, vs := make([][]float64, T), make([][]float64, T), make([][]float64, T)
		for t := range xs {
			xn := rms(xs[t], lp.AttnNorm)
			qs[t] = lin(xn, lp.Wq, lp.Bq, NH*HS)
			ks[t] = lin(xn, lp.Wk, lp.Bk, NKV*HS)
			vs[t] = lin(xn, lp.Wv, lp.Bv, NKV*HS)
			for h := 0; h < NH; h++ {
				if cfg.QKNorm {
					copy(qs[t][h*HS:], rms(qs[t][h*HS:(h+1)*HS], lp.QNorm))
				}
				rope(qs[t][h*HS:(h+1)*HS], t)
			}
			for h := 0; h < NKV; h++ {
				if cfg.QKNorm {
					copy(ks[t][h*HS:], rms(ks[t][h*HS:(h+1)*HS], lp.KNorm))
				}
				rope(ks[t][h*HS:(h+1)*HS], t)
			}
		}
		for t := range xs {
			ao := make([]float64, NH*HS)
			for h := 0; h < NH; h++ {
				kh := h / (NH / NKV)
				sc := make([]float64, t+1)
				mx := math.Inf(-1)
				for j := 0; j <= t; j++ {
					var d float64
					for i := 0; i < HS; i++ {
						d += qs[t][h*HS+i] * ks[j][kh*HS+i]
					}
					sc[j] = d / math.Sqrt(float64(HS))
					mx = math.Max(mx, sc[j])
				}
				var z float64
				for j := range sc {
					sc[j] = math.Exp(sc[j] - mx)
					z += sc[j]
				}
				for j := range sc {
					for i := 0; i < HS; i++ {
						ao[h*HS+i] += sc[j] / z * vs[j][kh*HS+i]
					}
				}
			}
			o := lin(ao, lp.Wo, nil, C)
			for i := range o {
				xs[t][i] += o[i]
			}
			xn := rms(xs[t], lp.MLPNorm)
			gate := lin(xn, lp.WGate, nil, F)
			up := lin(xn, lp.WUp, nil, F)
			hb := make([]float64, F)
			for i := range hb {
				hb[i] = gate[i] / (1 + math.Exp(-gate[i])) * up[i]
			}
			d := lin(hb, lp.WDown, nil, C)
			for i := range d {
				xs[t][i] += d[i]
			}
		}
	}
	var out []float64
	for t := start - 1; t < T; t++ {
		logits := lin(rms(xs[t], p.FinalNorm), p.LMHead, nil, V)
		mx := math.Inf(-1)
		for i := range logits {
			logits[i] /= temp
			mx = math.Max(mx, logits[i])
		}
		var z float64
		for _, v := range logits {
			z += math.Exp(v - mx)
		}
		out = append(out, logits[tokens[t+1]]-mx-math.Log(z))
	}
	return out
}

// sampleConfigs are the decoding modes the generation tests run.
func sampleConfigs() map[string]SampleConfig {
	base := DefaultSampleConfig()
	base.MaxNewTokens = 12
	plain := base
	hot := base
	hot.Temperature = 1.7
	topk := base
	topk.Temperature, topk.TopK = 0.7, 5
	topp := base
	topp.Temperature, topp.TopP = 0.9, 0.8
	both := base
	both.TopK, both.TopP = 8, 0.6
	greedy := base
	greedy.Greedy, greedy.Temperature = true, 0
	greedyT := base
	greedyT.Greedy, greedyT.Temperature = true, 0.5
	return map[string]SampleConfig{"plain": plain, "hot": hot, "topk": topk, "topp": topp,
		"topk+topp": both, "greedy": greedy, "greedy-T0.5": greedyT}
}

// TestGenerateLogProbsMatchScore is the sampler/trainer agreement the RL
// losses rely on: every log-prob the generator returns equals the training
// forward's (Model.Score) for the same tokens at the same temperature
// within 1e-5, and a float64 full-recompute reference within 1e-4.
func TestGenerateLogProbsMatchScore(t *testing.T) {
	for _, tied := range []bool{false, true} {
		cfg := genTestConfig()
		cfg.TieEmbeddings = tied
		if tied { // the Qwen3 layout: q/k norm, head_dim ≠ C/NH, no biases
			cfg.QKNorm, cfg.QKVBias, cfg.HeadDim = true, false, 12
		}
		m := genTestModel(t, cfg, 7)
		prompts := genTestPrompts(7, 20, cfg.VocabSize, 3)
		g := NewGenerator(m, 3, 40) // fewer slots than prompts: slots get reused
		for name, sc := range sampleConfigs() {
			comps, err := g.Generate(prompts, sc, rand.New(rand.NewPCG(11, 12)))
			if err != nil {
				t.Fatal(err)
			}
			temp := sc.Temperature
			if sc.Greedy && temp == 0 {
				temp = 1 // documented: greedy with T = 0 reports log-probs at T = 1
			}
			seqs := make([]Seq, len(prompts))
			for i, c := range comps {
				if len(c.Tokens) == 0 || len(c.Tokens) != len(c.LogProbs) {
					t.Fatalf("tied=%v %s: prompt %d: %d tokens, %d log-probs", tied, name, i, len(c.Tokens), len(c.LogProbs))
				}
				seqs[i] = Seq{Tokens: append(slices.Clone(prompts[i]), c.Tokens...), Start: len(prompts[i])}
			}
			sc := m.Score(seqs, ScoreOptions{Temperature: temp})
			var maxScore, maxRef float64
			for i, c := range comps {
				ref := refLogProbs(m, seqs[i].Tokens, seqs[i].Start, float64(temp))
				for j, lp := range c.LogProbs {
					if math.IsNaN(float64(lp)) || lp > 0 {
						t.Fatalf("tied=%v %s: prompt %d token %d: log-prob %g", tied, name, i, j, lp)
					}
					maxScore = math.Max(maxScore, math.Abs(float64(lp-sc.LogP[i][j])))
					maxRef = math.Max(maxRef, math.Abs(float64(lp)-ref[j]))
				}
			}
			if maxScore > 1e-5 {
				t.Errorf("tied=%v %s: generator vs Score log-probs differ by %g > 1e-5", tied, name, maxScore)
			}
			if maxRef > 1e-4 {
				t.Errorf("tied=%v %s: generator vs float64 reference log-probs differ by %g > 1e-4", tied, name, maxRef)
			}
			t.Logf("tied=%v %-12s max |Δ| vs Score %.2g, vs float64 %.2g", tied, name, maxScore, maxRef)
		}
	}
}

// TestGenerateBatchedEqualsAlone: a prompt's completion does not depend on
// the other prompts in the batch or on maxBatch (greedy and seeded
// sampling), because each row is computed on its own and each prompt samples
// with its own seeded stream.
func TestGenerateBatchedEqualsAlone(t *testing.T) {
	cfg := genTestConfig()
	m := genTestModel(t, cfg, 5)
	prompts := genTestPrompts(9, 25, cfg.VocabSize, 4)
	for _, name := range []string{"greedy", "topk+topp", "plain"} {
		sc := sampleConfigs()[name]
		sc.MaxNewTokens = 15
		var want []Completion
		for _, mb := range []int{1, 2, 4, 9, 16} {
			g := NewGenerator(m, mb, 48)
			got, err := g.Generate(prompts, sc, rand.New(rand.NewPCG(99, 1)))
			if err != nil {
				t.Fatal(err)
			}
			if want == nil {
				want = got
				continue
			}
			for i := range got {
				if !slices.Equal(got[i].Tokens, want[i].Tokens) || got[i].Stopped != want[i].Stopped {
					t.Fatalf("%s maxBatch %d prompt %d: tokens %v, with maxBatch 1 %v", name, mb, i, got[i].Tokens, want[i].Tokens)
				}
				for j := range got[i].LogProbs {
					// Equal up to GEMM rounding, which may depend on M.
					if d := math.Abs(float64(got[i].LogProbs[j] - want[i].LogProbs[j])); d > 1e-5 {
						t.Fatalf("%s maxBatch %d prompt %d token %d: log-prob differs by %g", name, mb, i, j, d)
					}
				}
			}
		}
		// Each prompt alone in its own Generate call.
		g := NewGenerator(m, 4, 48)
		for i, p := range prompts {
			if sc.Greedy || i == 0 { // sampling: prompt 0 draws the first seeds
				got, err := g.Generate([][]int32{p}, sc, rand.New(rand.NewPCG(99, 1)))
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got[0].Tokens, want[i].Tokens) {
					t.Fatalf("%s prompt %d alone: %v, in the batch %v", name, i, got[0].Tokens, want[i].Tokens)
				}
			}
		}
	}
}

// TestGenerateDeterministic: the same seed gives the same completions, a
// different seed different ones.
func TestGenerateDeterministic(t *testing.T) {
	cfg := genTestConfig()
	m := genTestModel(t, cfg, 5)
	prompts := genTestPrompts(6, 10, cfg.VocabSize, 4)
	g := NewGenerator(m, 4, 48)
	sc := sampleConfigs()["hot"]
	run := func(seed uint64) []int32 {
		c, err := g.Generate(prompts, sc, rand.New(rand.NewPCG(seed, 0)))
		if err != nil {
			t.Fatal(err)
		}
		var all []int32
		for _, x := range c {
			all = append(all, x.Tokens...)
		}
		return all
	}
	a, b, c := run(1), run(1), run(2)
	if !slices.Equal(a, b) {
		t.Fatal("same seed, different completions")
	}
	if slices.Equal(a, c) {
		t.Fatal("different seeds, identical completions at temperature 1.7")
	}
}

func TestGenerateStopAndLimits(t *testing.T) {
	cfg := genTestConfig()
	m := genTestModel(t, cfg, 8)
	prompts := genTestPrompts(5, 12, cfg.VocabSize, 6)
	g := NewGenerator(m, 2, 30)
	greedy := SampleConfig{Greedy: true, MaxNewTokens: 10}
	free, err := g.Generate(prompts, greedy, nil)
	if err != nil {
		t.Fatal(err)
	}
	// MaxNewTokens: every completion has exactly 10 tokens (no stop tokens).
	for i, c := range free {
		if len(c.Tokens) != 10 || c.Stopped {
			t.Fatalf("prompt %d: %d tokens, stopped %v; want 10, false", i, len(c.Tokens), c.Stopped)
		}
	}
	// Stop tokens: use prompt 0's 5th greedy token; every completion ends at
	// the first occurrence of a stop token, inclusive.
	stop := []int32{free[0].Tokens[4], int32(cfg.VocabSize - 1)}
	sc := greedy
	sc.StopTokens = stop
	got, err := g.Generate(prompts, sc, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range got {
		cut := slices.IndexFunc(free[i].Tokens, func(x int32) bool { return slices.Contains(stop, x) })
		want, stopped := free[i].Tokens, false
		if cut >= 0 {
			want, stopped = free[i].Tokens[:cut+1], true
		}
		if !slices.Equal(c.Tokens, want) || c.Stopped != stopped {
			t.Fatalf("prompt %d with stops %v: %v stopped=%v, want %v stopped=%v", i, stop, c.Tokens, c.Stopped, want, stopped)
		}
		// Rows dropping out change the matmuls' M, which may change the
		// rounding of an optimised GEMM, not more.
		for j, lp := range c.LogProbs {
			if d := math.Abs(float64(lp - free[i].LogProbs[j])); d > 1e-5 {
				t.Fatalf("prompt %d token %d: log-prob changed by %g by stopping", i, j, d)
			}
		}
	}
	if !got[0].Stopped || len(got[0].Tokens) > 5 {
		t.Fatalf("prompt 0 should stop by its 5th token: %v", got[0].Tokens)
	}
	// maxLen: with no MaxNewTokens cap, prompt + completion fill maxLen.
	sc = SampleConfig{Temperature: 1, MaxNewTokens: 0}
	g2 := NewGenerator(m, 3, 16)
	got, err = g2.Generate(prompts, sc, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range got {
		if len(prompts[i])+len(c.Tokens) != 16 {
			t.Fatalf("prompt %d (%d tokens): %d new tokens, want %d", i, len(prompts[i]), len(c.Tokens), 16-len(prompts[i]))
		}
	}
	// A prompt of maxLen−1 tokens gets exactly one token.
	long := make([]int32, 15)
	got, err = g2.Generate([][]int32{long}, sc, rand.New(rand.NewPCG(1, 1)))
	if err != nil || len(got[0].Tokens) != 1 {
		t.Fatalf("prompt of maxLen-1 tokens: %v, %v", got, err)
	}
	// No prompts: no completions.
	got, err = g2.Generate(nil, sc, rand.New(rand.NewPCG(1, 1)))
	if err != nil || len(got) != 0 {
		t.Fatalf("no prompts: %v, %v", got, err)
	}
}

func TestGenerateErrors(t *testing.T) {
	cfg := genTestConfig()
	m := genTestModel(t, cfg, 8)
	g := NewGenerator(m, 2, 16)
	ok := [][]int32{{1, 2, 3}}
	rng := rand.New(rand.NewPCG(1, 1))
	cases := []struct {
		name    string
		prompts [][]int32
		sc      SampleConfig
		rng     *rand.Rand
		want    string
	}{
		{"empty prompt", [][]int32{{1}, {}}, DefaultSampleConfig(), rng, "prompt 1 is empty"},
		{"prompt too long", [][]int32{make([]int32, 17)}, DefaultSampleConfig(), rng, "prompt 0 has 17 tokens but the generator's maxLen is 16"},
		{"prompt fills maxLen", [][]int32{make([]int32, 16)}, DefaultSampleConfig(), rng, "prompt 0 has 16 tokens"},
		{"token out of range", [][]int32{{1, 37}}, DefaultSampleConfig(), rng, "prompt 0 token 1 is 37"},
		{"negative token", [][]int32{{-1}}, DefaultSampleConfig(), rng, "prompt 0 token 0 is -1"},
		{"stop token out of range", ok, SampleConfig{Temperature: 1, StopTokens: []int32{40}}, rng, "stop token 40"},
		{"zero temperature", ok, SampleConfig{}, rng, "set Greedy"},
		{"negative top-k", ok, SampleConfig{Temperature: 1, TopK: -1}, rng, "top-k = -1"},
		{"top-p > 1", ok, SampleConfig{Temperature: 1, TopP: 1.5}, rng, "top-p = 1.5"},
		{"NaN temperature", ok, SampleConfig{Temperature: float32(math.NaN())}, rng, "must be finite"},
		{"negative max new", ok, SampleConfig{Temperature: 1, MaxNewTokens: -2}, rng, "max new tokens = -2"},
		{"no rng", ok, DefaultSampleConfig(), nil, "needs an rng"},
	}
	for _, c := range cases {
		got, err := g.Generate(c.prompts, c.sc, c.rng)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
		if got != nil {
			t.Errorf("%s: completions returned with an error", c.name)
		}
	}
	// The generator still works after errors.
	if _, err := g.Generate(ok, DefaultSampleConfig(), rng); err != nil {
		t.Fatal(err)
	}
	// A diverged model (NaN weights) is an error, not NaN log-probs.
	m.P.FinalNorm[3] = float32(math.NaN())
	_, err := g.Generate(ok, DefaultSampleConfig(), rng)
	if err == nil || !strings.Contains(err.Error(), "diverged") {
		t.Errorf("NaN weights: error %v, want one saying the model diverged", err)
	}
}

func TestNewGeneratorPanics(t *testing.T) {
	m := genTestModel(t, genTestConfig(), 1)
	for name, f := range map[string]func(){
		"maxBatch 0":       func() { NewGenerator(m, 0, 10) },
		"maxLen too large": func() { NewGenerator(m, 1, m.Cfg.MaxSeqLen+1) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(r.(string), "nn: ") {
					t.Errorf("%s: recovered %v, want an nn: panic", name, r)
				}
			}()
			f()
		}()
	}
	if g := NewGenerator(m, 1, 0); g.MaxLen() != m.Cfg.MaxSeqLen {
		t.Errorf("maxLen 0: MaxLen() = %d, want Cfg.MaxSeqLen %d", g.MaxLen(), m.Cfg.MaxSeqLen)
	}
}

// TestGenerateTopK1IsGreedy: top-k = 1 keeps only the argmax, whatever the
// coin and temperature.
func TestGenerateTopK1IsGreedy(t *testing.T) {
	cfg := genTestConfig()
	m := genTestModel(t, cfg, 9)
	prompts := genTestPrompts(5, 15, cfg.VocabSize, 2)
	g := NewGenerator(m, 5, 40)
	greedy := SampleConfig{Greedy: true, Temperature: 1.3, MaxNewTokens: 20}
	topk := SampleConfig{Temperature: 1.3, TopK: 1, MaxNewTokens: 20}
	a, err := g.Generate(prompts, greedy, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := g.Generate(prompts, topk, rand.New(rand.NewPCG(3, 3)))
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if !slices.Equal(a[i].Tokens, b[i].Tokens) || !slices.Equal(a[i].LogProbs, b[i].LogProbs) {
			t.Fatalf("prompt %d: greedy %v, top-k=1 %v", i, a[i].Tokens, b[i].Tokens)
		}
	}
}

// TestGenerateStepAllocs: a decode step allocates nothing of its own. The
// only allocations left are the tensor package's (the closure each MatMulNT
// hands to its pool, and tensor.Parallel's goroutine bookkeeping), so the
// bound is those, measured here, times the calls per step: independent of
// the batch size, the position and the vocabulary.
func TestGenerateStepAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	cfg := genTestConfig()
	m := genTestModel(t, cfg, 2)
	for _, threads := range []int{1, 2} {
		prev := tensor.SetThreads(threads)
		g := NewGenerator(m, 4, 48)
		prompts := genTestPrompts(4, 6, cfg.VocabSize, 1)
		sc := SampleConfig{Temperature: 1, TopK: 6, TopP: 0.9}
		if err := g.begin(prompts, sc, []uint64{1, 2, 3, 4, 5, 6, 7, 8}); err != nil {
			t.Fatal(err)
		}
		for range 3 { // prefill, then two decode steps
			g.admit()
			g.buildRows()
			g.step()
		}
		saved := slices.Clone(g.slots)
		lens := make([]int, len(g.out))
		for i, c := range g.out {
			lens[i] = len(c.Tokens)
		}
		step := func() {
			copy(g.slots, saved)
			for i := range g.out {
				g.out[i].Tokens = g.out[i].Tokens[:lens[i]]
				g.out[i].LogProbs = g.out[i].LogProbs[:lens[i]]
			}
			g.buildRows()
			if g.nrows != 4 || g.nlogit != 4 {
				t.Fatalf("step has %d rows, %d logit rows; want 4 decode rows", g.nrows, g.nlogit)
			}
			g.step()
		}
		got := testing.AllocsPerRun(20, step)

		a, b, c := make([]float32, 4*32), make([]float32, 64*32), make([]float32, 4*64)
		mm := testing.AllocsPerRun(20, func() { tensor.MatMulNT(c, a, b, 4, 64, 32, false) })
		noop := func(lo, hi int) {}
		par := testing.AllocsPerRun(20, func() { tensor.Parallel(min(threads, 4), noop) })
		bound := mm*float64(4*cfg.NLayers+1) + par*float64(5*cfg.NLayers+1)
		tensor.SetThreads(prev)
		t.Logf("threads %d: %.0f allocs per decode step (tensor: %.0f per MatMulNT, %.0f per Parallel; bound %.0f)",
			threads, got, mm, par, bound)
		if got > bound {
			t.Errorf("threads %d: %.0f allocations per decode step > %.0f from the tensor package alone", threads, got, bound)
		}
	}
}

// TestGeneratePrefillAcrossSteps: with a step of few rows, long prompts are
// prefilled over several steps, interleaved with other sequences' decode
// rows; the log-probs still match Score, and the tokens match a generator
// whose steps hold every prompt at once.
func TestGeneratePrefillAcrossSteps(t *testing.T) {
	cfg := genTestConfig()
	cfg.MaxSeqLen = 160
	m := genTestModel(t, cfg, 4)
	prompts := genTestPrompts(6, 90, cfg.VocabSize, 8)
	long := rand.New(rand.NewPCG(9, 9))
	prompts[2] = prompts[2][:1]
	prompts[3] = make([]int32, 130)
	for j := range prompts[3] {
		prompts[3][j] = int32(long.IntN(cfg.VocabSize))
	}
	sc := SampleConfig{Temperature: 0.8, TopK: 10, MaxNewTokens: 25}
	small := newGenerator(m, 3, 160, 5)
	big := NewGenerator(m, 6, 160)
	a, err := small.Generate(prompts, sc, rand.New(rand.NewPCG(5, 5)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := big.Generate(prompts, sc, rand.New(rand.NewPCG(5, 5)))
	if err != nil {
		t.Fatal(err)
	}
	seqs := make([]Seq, len(prompts))
	for i := range a {
		if !slices.Equal(a[i].Tokens, b[i].Tokens) {
			t.Fatalf("prompt %d (%d tokens): 5-row steps give %v, full steps %v", i, len(prompts[i]), a[i].Tokens, b[i].Tokens)
		}
		seqs[i] = Seq{Tokens: append(slices.Clone(prompts[i]), a[i].Tokens...), Start: len(prompts[i])}
	}
	sco := m.Score(seqs, ScoreOptions{Temperature: sc.Temperature})
	for i := range a {
		for j, lp := range a[i].LogProbs {
			if d := math.Abs(float64(lp - sco.LogP[i][j])); d > 1e-5 {
				t.Fatalf("prompt %d token %d: log-prob %g, Score %g", i, j, lp, sco.LogP[i][j])
			}
		}
	}
}

// TestGenerateSharedPrompts: repeated prompts (G samples per prompt, as RL
// does) copy the prompt's keys and values from the slot that prefilled it.
// The completions equal those of a generator that prefills every copy, the
// log-probs match Score, also when sources finish after one token and their
// slots are recycled at once.
func TestGenerateSharedPrompts(t *testing.T) {
	cfg := genTestConfig()
	m := genTestModel(t, cfg, 12)
	base := genTestPrompts(4, 20, cfg.VocabSize, 13)
	var prompts [][]int32
	for g := 0; g < 5; g++ { // group-contiguous copies, one copy a fresh slice
		for i, p := range base {
			if g == 3 {
				p = slices.Clone(p)
			}
			if i == 2 && g == 1 {
				continue
			}
			prompts = append(prompts, p)
		}
	}
	for _, sc := range []SampleConfig{
		{Temperature: 1, MaxNewTokens: 8},
		{Temperature: 1, MaxNewTokens: 1},
		{Greedy: true, MaxNewTokens: 6, StopTokens: []int32{3, 5, 7, 11}},
	} {
		for _, rows := range []int{4, 300} {
			shared := newGenerator(m, 4, 40, rows)
			plain := newGenerator(m, 4, 40, rows)
			plain.noShare = true
			a, err := shared.Generate(prompts, sc, rand.New(rand.NewPCG(8, 8)))
			if err != nil {
				t.Fatal(err)
			}
			b, err := plain.Generate(prompts, sc, rand.New(rand.NewPCG(8, 8)))
			if err != nil {
				t.Fatal(err)
			}
			seqs := make([]Seq, len(prompts))
			for i := range a {
				if !slices.Equal(a[i].Tokens, b[i].Tokens) || a[i].Stopped != b[i].Stopped {
					t.Fatalf("%+v rows %d prompt %d: shared %v, unshared %v", sc, rows, i, a[i].Tokens, b[i].Tokens)
				}
				seqs[i] = Seq{Tokens: append(slices.Clone(prompts[i]), a[i].Tokens...), Start: len(prompts[i])}
			}
			sco := m.Score(seqs, ScoreOptions{Temperature: 1})
			for i := range a {
				for j, lp := range a[i].LogProbs {
					if d := math.Abs(float64(lp - sco.LogP[i][j])); d > 1e-5 {
						t.Fatalf("%+v rows %d prompt %d token %d: log-prob %g, Score %g", sc, rows, i, j, lp, sco.LogP[i][j])
					}
				}
			}
		}
	}
}

// TestAttendCached checks the generator's attention kernel against a
// float64 reference of causal attention for ragged key counts and the head
// sizes of the models (and ones that take the kernels' generic routes).
func TestAttendCached(t *testing.T) {
	r := rand.New(rand.NewPCG(77, 1))
	for _, hs := range []int{4, 16, 32, 64, 96} {
		for _, n := range []int{1, 2, 7, 8, 9, 17, 160} {
			q := make([]float32, hs)
			k := make([]float32, n*hs)
			v := make([]float32, n*hs)
			for _, x := range [][]float32{q, k, v} {
				for i := range x {
					x[i] = float32(r.NormFloat64())
				}
			}
			scale := attnScale(hs)
			out := make([]float32, hs)
			attendCached(out, q, k, v, make([]float32, n), n, scale)
			s := make([]float64, n)
			mx := math.Inf(-1)
			for j := range s {
				for c := range q {
					s[j] += float64(q[c]) * float64(k[j*hs+c])
				}
				s[j] *= float64(scale)
				mx = math.Max(mx, s[j])
			}
			var z float64
			for j := range s {
				s[j] = math.Exp(s[j] - mx)
				z += s[j]
			}
			for c := range out {
				var want float64
				for j := range s {
					want += s[j] / z * float64(v[j*hs+c])
				}
				if d := math.Abs(float64(out[c]) - want); d > 1e-5+1e-5*math.Abs(want) {
					t.Fatalf("hs=%d n=%d: out[%d] = %v, float64 reference %v", hs, n, c, out[c], want)
				}
			}
		}
	}
}

// TestGenerateLogProbsMatchScoreHeadSizes is the Score agreement at the
// head sizes the decode kernels specialise (32: the RL model's d 128 with 4
// heads; 64: the S and M configs), with a batch of 1 and of several rows,
// so the one-row panel GEMV and the few-row packed product both run, over
// up to 90 cached positions (several 8-key blocks plus tails).
func TestGenerateLogProbsMatchScoreHeadSizes(t *testing.T) {
	for _, hs := range []int{32, 64} {
		cfg := Config{VocabSize: 101, Dim: 128, NLayers: 2, NHeads: 128 / hs, NKVHeads: 128 / hs, FFNDim: 120,
			MaxSeqLen: 96, RopeTheta: 10000, NormEps: 1e-5, TieEmbeddings: true}
		m := genTestModel(t, cfg, 9)
		// Matrices at std 0.125 instead of 0.25: the projections' outputs
		// then have genTestConfig's spread at 4× its width (the logits
		// stay O(10), as in a trained model).
		for _, nt := range m.P.Named() {
			if len(nt.Shape) == 2 {
				for i := range nt.Data {
					nt.Data[i] *= 0.5
				}
			}
		}
		prompts := genTestPrompts(5, 40, cfg.VocabSize, 4)
		for _, batch := range []int{1, 5} {
			g := NewGenerator(m, batch, 90)
			sc := SampleConfig{Temperature: 1, MaxNewTokens: 50}
			comps, err := g.Generate(prompts, sc, rand.New(rand.NewPCG(3, 4)))
			if err != nil {
				t.Fatal(err)
			}
			seqs := make([]Seq, len(prompts))
			for i, c := range comps {
				seqs[i] = Seq{Tokens: append(slices.Clone(prompts[i]), c.Tokens...), Start: len(prompts[i])}
			}
			sco := m.Score(seqs, ScoreOptions{Temperature: 1})
			var worst float64
			for i, c := range comps {
				if len(c.Tokens) == 0 {
					t.Fatalf("hs=%d batch=%d: prompt %d: no tokens", hs, batch, i)
				}
				for j, lp := range c.LogProbs {
					worst = math.Max(worst, math.Abs(float64(lp-sco.LogP[i][j])))
				}
			}
			if worst > 1e-5 {
				t.Errorf("hs=%d batch=%d: generator vs Score log-probs differ by %g > 1e-5", hs, batch, worst)
			}
			t.Logf("hs=%d batch=%d: max |Δ| vs Score %.2g", hs, batch, worst)
		}
	}
}

// A prompt's completion depends only on its own seeds, not on which other
// prompts share the call: the basis of data-parallel sampling.
func TestGenerateSeededIndependentOfBatch(t *testing.T) {
	cfg := genTestConfig()
	m := genTestModel(t, cfg, 2)
	prompts := genTestPrompts(6, 5, cfg.VocabSize, 3)
	seeds := make([]uint64, 12)
	for i := range seeds {
		seeds[i] = uint64(1000 + 7*i)
	}
	sc := SampleConfig{Temperature: 1, MaxNewTokens: 12}
	all, err := NewGenerator(m, 6, 32).GenerateSeeded(prompts, sc, seeds)
	if err != nil {
		t.Fatal(err)
	}
	half, err := NewGenerator(m, 3, 32).GenerateSeeded(prompts[3:], sc, seeds[6:])
	if err != nil {
		t.Fatal(err)
	}
	for i := range half {
		if !slices.Equal(half[i].Tokens, all[3+i].Tokens) {
			t.Fatalf("prompt %d: %v alone, %v in the full batch", 3+i, half[i].Tokens, all[3+i].Tokens)
		}
	}
	if _, err := NewGenerator(m, 6, 32).GenerateSeeded(prompts, sc, seeds[:3]); err == nil {
		t.Fatal("too few seeds accepted")
	}
}
