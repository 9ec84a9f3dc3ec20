package nn

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestTrainStateRoundTrip(t *testing.T) {
	src := rand.NewPCG(11, 12)
	rng := rand.New(src)
	for range 5 {
		rng.Uint64()
	}
	state, err := src.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	st := &TrainState{Step: 17, AdamStep: 16, DataCursor: 1 << 40,
		M: []float32{1, -2, 3e-30}, V: []float32{4, 5, float32(math.Copysign(0, -1))},
		RNG:  map[string][]byte{"sample": state, "empty": {}},
		Meta: map[string]string{"run": "a\"b", "config": `{"lr":3e-4}`}}
	path := filepath.Join(t.TempDir(), TrainStateFile)
	if err := SaveTrainState(path, st); err != nil {
		t.Fatal(err)
	}
	got, err := LoadTrainState(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Step != 17 || got.AdamStep != 16 || got.DataCursor != 1<<40 ||
		!ckptSameBits(got.M, st.M) || !ckptSameBits(got.V, st.V) ||
		got.Meta["run"] != "a\"b" || got.Meta["config"] != `{"lr":3e-4}` || len(got.RNG["empty"]) != 0 {
		t.Fatalf("round trip: %+v, want %+v", got, st)
	}
	// The restored generator continues the same stream.
	var src2 rand.PCG
	if err := src2.UnmarshalBinary(got.RNG["sample"]); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if a, b := rng.Uint64(), src2.Uint64(); a != b {
			t.Fatalf("draw %d after restore: %d, want %d", i, b, a)
		}
	}
	// Empty state (no optimiser yet) round-trips too.
	if err := SaveTrainState(path, &TrainState{}); err != nil {
		t.Fatal(err)
	}
	if got, err := LoadTrainState(path); err != nil || len(got.M) != 0 || got.RNG != nil {
		t.Fatalf("empty state: %+v, %v", got, err)
	}
}

func TestTrainStateErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, TrainStateFile)
	if err := SaveTrainState(path, &TrainState{M: []float32{1}, V: []float32{1, 2}}); err == nil {
		t.Error("unequal moments saved")
	}
	if err := SaveTrainState(path, &TrainState{M: []float32{float32(math.NaN())}, V: []float32{1}}); err == nil || !strings.Contains(err.Error(), "adamw.m") {
		t.Errorf("NaN moment: %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Error("a refused save left a file")
	}
	good := map[string]string{"format": trainStateFormat, "version": "1", "step": "3", "adam_step": "3",
		"data_cursor": "9", "rng": "null", "meta": "null"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range good {
			m[a] = b
		}
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	two := []stEntry{{"adamw.m", F32, []int{1}, stLE32(1)}, {"adamw.v", F32, []int{1}, stLE32(2)}}
	cases := []struct {
		name    string
		file    []byte
		wantErr string
	}{
		{"model file", buildST(map[string]string{"format": "pt"}, two...), "not a trainer state"},
		{"newer version", buildST(with("version", "2"), two...), "version"},
		{"bad step", buildST(with("step", "x"), two...), "step"},
		{"negative cursor", buildST(with("data_cursor", "-1"), two...), "data_cursor"},
		{"bad rng", buildST(with("rng", "{"), two...), "rng"},
		{"no meta", buildST(with("meta", ""), two...), "meta"},
		{"missing v", buildST(good, two[0]), "tensors"},
		{"bf16 moment", buildST(good, two[0], stEntry{"adamw.v", BF16, []int{1}, stLE16(0x3F80)}), "adamw.v"},
		{"length mismatch", buildST(good, two[0], stEntry{"adamw.v", F32, []int{2}, stLE32(1, 2)}), "adamw.v"},
		{"wrong names", buildST(good, two[0], stEntry{"adamw.w", F32, []int{1}, stLE32(1)}), "adamw.v"},
		{"inf moment", buildST(good, two[0], stEntry{"adamw.v", F32, []int{1}, stLE32(float32(math.Inf(1)))}), "adamw.v"},
		{"truncated", buildST(good, two...)[:40], TrainStateFile},
	}
	for _, c := range cases {
		os.WriteFile(path, c.file, 0o644)
		_, err := LoadTrainState(path)
		if err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: want an error naming %s and %q, got %v", c.name, path, c.wantErr, err)
		}
	}
	o := &AdamW{M: make([]float32, 3), V: make([]float32, 3)}
	if err := (&TrainState{M: []float32{1}, V: []float32{1}}).RestoreAdamW(o); err == nil {
		t.Error("restored moments of the wrong length")
	}
}

// TestExactResume: training 4 steps straight and training 2 steps, saving
// model + trainer state, loading both into fresh objects and training 2 more
// steps give bit-identical parameters.
func TestExactResume(t *testing.T) {
	cfg := ckptConfig()
	cfg.TieEmbeddings = true
	const total, cut = 4, 2
	sched := Schedule{Warmup: 1, Total: total, MinLRRatio: 0.1}
	// step draws a batch from data and trains on it.
	step := func(m *Model, o *AdamW, data *rand.Rand, cursor *int64, k int) {
		seqs := make([]Seq, 3)
		for i := range seqs {
			toks := make([]int32, 6)
			for j := range toks {
				toks[j] = int32(data.IntN(cfg.VocabSize))
			}
			seqs[i] = Seq{Tokens: toks, Start: 1}
			*cursor++
		}
		sc := m.Score(seqs, ScoreOptions{Grad: true})
		d := make([][]float32, len(seqs))
		for i, lp := range sc.LogP {
			d[i] = make([]float32, len(lp))
			for j := range d[i] {
				d[i][j] = -1 / float32(5*len(seqs))
			}
		}
		m.ZeroGrad()
		m.Backward(d, nil, nil)
		ClipGradNorm(m.G.Data, 1)
		o.Update(m, o.Cfg.LR*sched.Factor(k))
	}
	newRun := func() (*Model, *AdamW, *rand.PCG) {
		m, err := NewModel(cfg)
		if err != nil {
			t.Fatal(err)
		}
		m.InitRandom(rand.New(rand.NewPCG(1, 1)))
		ac := DefaultAdamWConfig()
		ac.LR = 1e-2
		return m, NewAdamW(ac, m), rand.NewPCG(2, 2)
	}

	m, o, src := newRun()
	data := rand.New(src)
	var cursor int64
	for k := range total {
		step(m, o, data, &cursor, k)
	}
	want := slices.Clone(m.P.Data)

	m, o, src = newRun()
	data = rand.New(src)
	cursor = 0
	for k := range cut {
		step(m, o, data, &cursor, k)
	}
	dir := t.TempDir()
	if err := SaveModel(dir, m); err != nil {
		t.Fatal(err)
	}
	rs, err := src.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	st := &TrainState{Step: cut, DataCursor: cursor, RNG: map[string][]byte{"data": rs},
		Meta: map[string]string{"lr": strconv.FormatFloat(o.Cfg.LR, 'g', -1, 64)}}
	st.CaptureAdamW(o)
	if err := SaveTrainState(filepath.Join(dir, TrainStateFile), st); err != nil {
		t.Fatal(err)
	}

	m2, err := LoadModel(dir)
	if err != nil {
		t.Fatal(err)
	}
	st2, err := LoadTrainState(filepath.Join(dir, TrainStateFile))
	if err != nil {
		t.Fatal(err)
	}
	lr, _ := strconv.ParseFloat(st2.Meta["lr"], 64)
	ac := DefaultAdamWConfig()
	ac.LR = lr
	o2 := NewAdamW(ac, m2)
	if err := st2.RestoreAdamW(o2); err != nil {
		t.Fatal(err)
	}
	src2 := &rand.PCG{}
	if err := src2.UnmarshalBinary(st2.RNG["data"]); err != nil {
		t.Fatal(err)
	}
	data2 := rand.New(src2)
	cursor2 := st2.DataCursor
	for k := st2.Step; k < total; k++ {
		step(m2, o2, data2, &cursor2, k)
	}
	if !ckptSameBits(m2.P.Data, want) {
		t.Fatal("resumed run differs from the uninterrupted one")
	}
	if cursor2 != 3*total || o2.Step != total {
		t.Errorf("cursor %d, adam step %d", cursor2, o2.Step)
	}
	// And the test can tell: resuming without the moments diverges.
	m3, _ := LoadModel(dir)
	o3 := NewAdamW(ac, m3)
	src3 := &rand.PCG{}
	src3.UnmarshalBinary(st2.RNG["data"])
	data3 := rand.New(src3)
	for k := st2.Step; k < total; k++ {
		step(m3, o3, data3, &cursor2, k)
	}
	if ckptSameBits(m3.P.Data, want) {
		t.Error("resume without optimiser state matched too: the test cannot see the moments")
	}
}
