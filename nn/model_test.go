package nn

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/tensor"
)

// tinyConfig is a GQA model small enough for full finite differences.
func tinyConfig(tied, bias, value bool) Config {
	return Config{VocabSize: 11, Dim: 16, NLayers: 2, NHeads: 4, NKVHeads: 2, FFNDim: 12,
		MaxSeqLen: 4, RopeTheta: 100, NormEps: 1e-5, TieEmbeddings: tied, QKVBias: bias, ValueHead: value}
}

// newTestModel fills every parameter with larger values than InitRandom
// would (std 0.3, norms around 1), so that every path carries signal.
func newTestModel(t testing.TB, cfg Config, seed uint64) *Model {
	t.Helper()
	m, err := NewModel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	for _, nt := range m.P.Named() {
		for i := range nt.Data {
			if len(nt.Shape) == 1 && nt.Name != "value_head.bias" && nt.Data != nil && isNorm(nt.Name) {
				nt.Data[i] = float32(1 + 0.2*rng.NormFloat64())
			} else {
				nt.Data[i] = float32(0.3 * rng.NormFloat64())
			}
		}
	}
	return m
}

func isNorm(name string) bool {
	return len(name) > 11 && name[len(name)-11:] == "norm.weight"
}

func randTokens(rng *rand.Rand, n, v int) []int32 {
	t := make([]int32, n)
	for i := range t {
		t[i] = int32(rng.IntN(v))
	}
	return t
}

func testSeqs(rng *rand.Rand, v int) []Seq {
	// lengths 6, 3, 7 (the last is longer than MaxSeqLen: RoPE tables grow),
	// starts 1, 3 (only the last token scored) and 4
	return []Seq{
		{Tokens: randTokens(rng, 6, v), Start: 1},
		{Tokens: randTokens(rng, 3, v), Start: 2},
		{Tokens: randTokens(rng, 7, v), Start: 4},
	}
}

func randLike(rng *rand.Rand, x [][]float32) ([][]float32, [][]float64) {
	a, b := make([][]float32, len(x)), make([][]float64, len(x))
	for i := range x {
		a[i], b[i] = randVec(rng, len(x[i]), 1)
	}
	return a, b
}

// TestModelGrad checks Score against the float64 reference model run on each
// sequence alone, and every parameter gradient of Backward against central
// differences of the reference, for tied/untied, with q/k/v biases, GQA, a
// value head, an entropy term and a temperature ≠ 1, and the Qwen3 layout
// (per-head q/k norm, explicit head_dim).
func TestModelGrad(t *testing.T) {
	for _, tc := range []struct {
		name              string
		tied, bias, value bool
		temp              float32
	}{
		{"tied-bias-value", true, true, true, 0.8},
		{"untied-nobias", false, false, false, 1.3},
		{"untied-bias-value-temp1", false, true, true, 0},
		{"qwen3-qknorm-headdim", true, false, true, 0.9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tinyConfig(tc.tied, tc.bias, tc.value)
			if strings.HasPrefix(tc.name, "qwen3") {
				// Qwen3: q/k norm, and a head size (6) that is not C/NH (4),
				// so q is 24 wide on a 16-wide residual.
				cfg.QKNorm, cfg.HeadDim = true, 6
			}
			m := newTestModel(t, cfg, 7)
			rng := rand.New(rand.NewPCG(7, 2))
			seqs := testSeqs(rng, cfg.VocabSize)
			temp := float64(tc.temp)
			if temp == 0 {
				temp = 1
			}
			opt := ScoreOptions{Temperature: tc.temp, Entropy: true, Values: tc.value, Grad: true}
			m.logitRows = 4 // several LM-head chunks
			sc := m.Score(seqs, opt)
			ref := newRefParams(m.P)
			for i, s := range seqs {
				lp, ent, vals := refScore(cfg, ref, s, temp)
				checkClose(t, "logp", sc.LogP[i], lp, 1e-4, 1e-5)
				checkClose(t, "entropy", sc.Entropy[i], ent, 1e-4, 1e-5)
				if tc.value {
					checkClose(t, "values", sc.Values[i], vals, 1e-4, 1e-5)
				}
			}

			dlp, dlp64 := randLike(rng, sc.LogP)
			dent, dent64 := randLike(rng, sc.LogP)
			var dval [][]float32
			var dval64 [][]float64
			if tc.value {
				dval, dval64 = randLike(rng, sc.LogP)
			}
			m.ZeroGrad()
			m.Backward(dlp, dent, dval)

			L := func() float64 {
				s := 0.0
				for i, sq := range seqs {
					lp, ent, vals := refScore(cfg, ref, sq, temp)
					for j := range lp {
						s += dlp64[i][j]*lp[j] + dent64[i][j]*ent[j]
						if tc.value {
							s += dval64[i][j] * vals[j]
						}
					}
				}
				return s
			}
			want := numGrad(L, ref.data, 1e-6)
			for _, nt := range m.G.Named() {
				o := offsetIn(m.G.Data, nt.Data)
				checkClose(t, "grad "+nt.Name, nt.Data, want[o:o+len(nt.Data)], 2e-3, 2e-4)
			}
		})
	}
}

// TestScoreBatchConsistency: scoring sequences together (packed) gives the
// same results as scoring each alone, and gradients add up.
func TestScoreBatchConsistency(t *testing.T) {
	cfg := tinyConfig(false, true, true)
	m := newTestModel(t, cfg, 3)
	rng := rand.New(rand.NewPCG(3, 2))
	seqs := testSeqs(rng, cfg.VocabSize)
	opt := ScoreOptions{Temperature: 0.9, Entropy: true, Values: true, Grad: true}
	all := m.Score(seqs, opt)
	dlp, _ := randLike(rng, all.LogP)
	m.ZeroGrad()
	m.Backward(dlp, nil, nil)
	gAll := append([]float32(nil), m.G.Data...)

	m.ZeroGrad()
	for i, s := range seqs {
		one := m.Score([]Seq{s}, opt)
		for _, p := range []struct {
			name      string
			got, want []float32
		}{{"logp", one.LogP[0], all.LogP[i]}, {"entropy", one.Entropy[0], all.Entropy[i]}, {"values", one.Values[0], all.Values[i]}} {
			checkClose(t, p.name, p.got, to64(p.want), 1e-5, 1e-6)
		}
		m.Backward([][]float32{dlp[i]}, nil, nil)
	}
	checkClose(t, "summed grads", m.G.Data, to64(gAll), 1e-4, 1e-5)
}

// TestScoreDeterministic: the same call twice gives bitwise equal results
// (same thread count), a no-grad Score equals a Grad one, and LogP and the
// gradients are bitwise the same at 1, 2 and 3 threads.
func TestScoreDeterministic(t *testing.T) {
	cfg := tinyConfig(true, false, false)
	m := newTestModel(t, cfg, 5)
	rng := rand.New(rand.NewPCG(5, 2))
	seqs := testSeqs(rng, cfg.VocabSize)
	var lp1 [][]float32
	var g1t []float32
	for _, threads := range []int{1, 2, 3} {
		prev := tensor.SetThreads(threads)
		a := m.Score(seqs, ScoreOptions{Grad: true})
		dlp, _ := randLike(rand.New(rand.NewPCG(1, 1)), a.LogP)
		m.ZeroGrad()
		m.Backward(dlp, nil, nil)
		g1 := append([]float32(nil), m.G.Data...)
		b := m.Score(seqs, ScoreOptions{})
		m.Score(seqs, ScoreOptions{Grad: true})
		m.ZeroGrad()
		m.Backward(dlp, nil, nil)
		// a second Backward on the same activations (the first one
		// overwrote the kept logits with dz) adds the same gradient again
		m.Backward(dlp, nil, nil)
		tensor.SetThreads(prev)
		for i, v := range m.G.Data {
			if d := float64(v - 2*g1[i]); math.Abs(d) > 1e-5*(1+math.Abs(float64(v))) {
				t.Fatalf("threads %d: grad[%d] after two Backward calls %v, want 2·%v", threads, i, v, g1[i])
			}
		}
		m.ZeroGrad()
		m.Backward(dlp, nil, nil)
		for i := range a.LogP {
			for j := range a.LogP[i] {
				if a.LogP[i][j] != b.LogP[i][j] {
					t.Fatalf("threads %d: LogP[%d][%d] %v then %v", threads, i, j, a.LogP[i][j], b.LogP[i][j])
				}
			}
		}
		for i, v := range m.G.Data {
			if v != g1[i] {
				t.Fatalf("threads %d: grad[%d] %v then %v", threads, i, g1[i], v)
			}
		}
		if threads == 1 {
			lp1, g1t = a.LogP, g1
			continue
		}
		for i := range a.LogP {
			for j := range a.LogP[i] {
				if a.LogP[i][j] != lp1[i][j] {
					t.Fatalf("threads %d: LogP[%d][%d] %v, at 1 thread %v", threads, i, j, a.LogP[i][j], lp1[i][j])
				}
			}
		}
		for i, v := range g1 {
			if v != g1t[i] {
				t.Fatalf("threads %d: grad[%d] %v, at 1 thread %v", threads, i, v, g1t[i])
			}
		}
	}
}

func TestScoreEdgeCases(t *testing.T) {
	cfg := tinyConfig(true, false, false)
	m := newTestModel(t, cfg, 5)
	// Start == len(Tokens): nothing scored; a length-1 sequence: no rows at all.
	sc := m.Score([]Seq{{Tokens: []int32{1, 2, 3}, Start: 3}, {Tokens: []int32{4}, Start: 1}}, ScoreOptions{Grad: true})
	if len(sc.LogP) != 2 || len(sc.LogP[0]) != 0 || len(sc.LogP[1]) != 0 {
		t.Fatalf("LogP shape %v, want two empty rows", sc.LogP)
	}
	m.ZeroGrad()
	m.Backward([][]float32{{}, {}}, nil, nil)
	for _, v := range m.G.Data {
		if v != 0 {
			t.Fatal("gradient from zero scored tokens")
		}
	}
	// log-probs of all tokens sum to 1 in probability
	sum := 0.0
	for tok := 0; tok < cfg.VocabSize; tok++ {
		s := m.Score([]Seq{{Tokens: []int32{1, 2, int32(tok)}, Start: 2}}, ScoreOptions{Temperature: 0.5})
		sum += math.Exp(float64(s.LogP[0][0]))
	}
	if math.Abs(sum-1) > 1e-5 {
		t.Fatalf("Σ_tok p(tok) = %v, want 1", sum)
	}
}

func TestScorePanics(t *testing.T) {
	m := newTestModel(t, tinyConfig(true, false, false), 1)
	for name, fn := range map[string]func(){
		"start 0":          func() { m.Score([]Seq{{Tokens: []int32{1, 2}, Start: 0}}, ScoreOptions{}) },
		"start > len":      func() { m.Score([]Seq{{Tokens: []int32{1, 2}, Start: 3}}, ScoreOptions{}) },
		"token too large":  func() { m.Score([]Seq{{Tokens: []int32{1, 11}, Start: 1}}, ScoreOptions{}) },
		"negative temp":    func() { m.Score([]Seq{{Tokens: []int32{1, 2}, Start: 1}}, ScoreOptions{Temperature: -1}) },
		"values, no head":  func() { m.Score([]Seq{{Tokens: []int32{1, 2}, Start: 1}}, ScoreOptions{Values: true}) },
		"backward no grad": func() { m.Score([]Seq{{Tokens: []int32{1, 2}, Start: 1}}, ScoreOptions{}); m.Backward(nil, nil, nil) },
		"grad shape": func() {
			m.Score([]Seq{{Tokens: []int32{1, 2}, Start: 1}}, ScoreOptions{Grad: true})
			m.Backward([][]float32{{1, 2}}, nil, nil)
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			fn()
		}()
	}
}

func TestNewModelRejectsBadConfig(t *testing.T) {
	cfg := tinyConfig(true, false, false)
	cfg.NKVHeads = 3
	if _, err := NewModel(cfg); err == nil {
		t.Fatal("NewModel accepted num_key_value_heads 3 with 4 heads")
	}
}

func TestInitRandom(t *testing.T) {
	cfg := tinyConfig(false, true, true)
	m, _ := NewModel(cfg)
	m.InitRandom(rand.New(rand.NewPCG(1, 1)))
	for _, nt := range m.P.Named() {
		var s, ss float64
		for _, v := range nt.Data {
			s += float64(v)
			ss += float64(v) * float64(v)
		}
		n := float64(len(nt.Data))
		switch {
		case len(nt.Shape) == 2:
			if std := math.Sqrt(ss / n); n > 100 && math.Abs(std-0.02) > 0.004 {
				t.Errorf("%s: std %v, want 0.02", nt.Name, std)
			}
		case isNorm(nt.Name):
			if s != n || ss != n {
				t.Errorf("%s: not all ones", nt.Name)
			}
		default:
			if ss != 0 {
				t.Errorf("%s: bias not zero", nt.Name)
			}
		}
	}
}
