package nn

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/rltrain/rltrain/tensor"
)

// Real-size Hugging Face layouts with random weights: the published
// config.json of a model (nn/testdata/hf), its tensors written under their
// real names and shapes the way the Hub ships them (BF16, or F32 sharded
// with model.safetensors.index.json), loaded by LoadModelHF, and the logits
// of a short prompt compared with the plain-PyTorch float64 forward of
// nn/testdata/hf_ref.py reading the same files.
//
// SmolLM2-135M runs without -short (it writes and reads 270 MB and runs
// the 135M-parameter float64 reference: ~15 s of CPU); Qwen2.5-0.5B and
// Qwen3-0.6B (2 GB of float32 weights each, a float64 copy in Python) only
// with RLTRAIN_HF_REAL=1 (make test-hf-real runs all three).

// hfRealCase is one published layout.
type hfRealCase struct {
	file    string // config.json in testdata/hf
	bf16    bool   // weights stored as BF16 (else F32)
	shards  int    // > 1: split over this many files with an index
	params  int64  // the published parameter count
	big     bool   // needs RLTRAIN_HF_REAL=1
	shapeOf map[string][]int
}

func hfRealCases() []hfRealCase {
	return []hfRealCase{
		{file: "smollm2-135m.json", bf16: true, params: 134_515_008,
			shapeOf: map[string][]int{"model.layers.29.self_attn.k_proj.weight": {192, 576}, "model.embed_tokens.weight": {49152, 576}}},
		{file: "qwen2.5-0.5b.json", shards: 3, params: 494_032_768, big: true,
			shapeOf: map[string][]int{"model.layers.23.self_attn.k_proj.bias": {128}, "model.layers.0.mlp.down_proj.weight": {896, 4864}}},
		// Published as 0.6B with 0.44B outside the embedding.
		{file: "qwen3-0.6b.json", bf16: true, params: 596_049_920, big: true,
			shapeOf: map[string][]int{"model.layers.0.self_attn.q_proj.weight": {2048, 1024}, "model.layers.27.self_attn.k_norm.weight": {128},
				"model.layers.0.self_attn.o_proj.weight": {1024, 2048}}},
	}
}

// TestHFRealSize checks each layout: parameter count and shapes as
// published, load from the Hub-style files, and logits on a 12-token prompt
// against PyTorch within a relative L2 error of 2e-5 over the centred
// logits and a top-1 agreement at every position.
func TestHFRealSize(t *testing.T) {
	requireTorch(t)
	script, err := filepath.Abs(filepath.Join("testdata", "hf_ref.py"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range hfRealCases() {
		t.Run(strings.TrimSuffix(tc.file, ".json"), func(t *testing.T) {
			if tc.big && os.Getenv("RLTRAIN_HF_REAL") != "1" {
				t.Skip("set RLTRAIN_HF_REAL=1 (make test-hf-real) for the 0.5B/0.6B layouts")
			}
			if testing.Short() && os.Getenv("RLTRAIN_HF_REAL") != "1" {
				t.Skip("real-size layout: skipped with -short (make test-hf-real runs it)")
			}
			start := time.Now()
			hfRealCheck(t, tc, script)
			t.Logf("%s: %.1f s", tc.file, time.Since(start).Seconds())
		})
	}
}

func hfRealCheck(t *testing.T, tc hfRealCase, script string) {
	js, err := os.ReadFile(filepath.Join("testdata", "hf", tc.file))
	if err != nil {
		t.Fatal(err)
	}
	hc, err := ParseHFConfig(tc.file, js)
	if err != nil {
		t.Fatal(err)
	}
	cfg := hc.Config
	if got := cfg.ParamCount(); got != tc.params {
		t.Fatalf("%d parameters, published %d", got, tc.params)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), js, 0o644); err != nil {
		t.Fatal(err)
	}

	// Random weights in the layout, written as the Hub ships them.
	src, err := NewModel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	randomizeForTest(src, rng)
	named := src.P.Named()
	for name, shape := range tc.shapeOf {
		found := false
		for _, n := range named {
			if n.Name == name {
				found = fmt.Sprint(n.Shape) == fmt.Sprint(shape)
			}
		}
		if !found {
			t.Errorf("tensor %s: want shape %v in the layout", name, shape)
		}
	}
	if tc.bf16 {
		if err := writeBF16Safetensors(filepath.Join(dir, ModelFile), named); err != nil {
			t.Fatal(err)
		}
	} else {
		writeSharded(t, dir, named, tc.shards)
	}
	src, named = nil, nil // only the files hold the weights now
	runtime.GC()
	debug.FreeOSMemory()

	m, hc2, err := LoadModelHF(dir)
	if err != nil {
		t.Fatal(err)
	}
	if hc2.Architecture != hc.Architecture || m.Origin.Dir != dir {
		t.Errorf("loaded %s from %s", hc2.Architecture, m.Origin.Dir)
	}

	prompt := make([]int32, 12)
	for i := range prompt {
		prompt[i] = int32(rng.IntN(cfg.VocabSize))
	}
	pj, _ := json.Marshal(map[string]any{"tokens": prompt})
	if err := os.WriteFile(filepath.Join(dir, "prompt.json"), pj, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, torchPython, script, dir)
	cmd.Env = append(os.Environ(), "OMP_NUM_THREADS=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
	ref, err := ReadSafetensors(filepath.Join(dir, "logits.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := ref.float64s("logits")
	if err != nil {
		t.Fatal(err)
	}

	got := hfLogits(m, prompt)
	V, T := cfg.VocabSize, len(prompt)
	if len(want) != T*V {
		t.Fatalf("reference logits: %d values, want %d×%d", len(want), T, V)
	}
	var goC []float32
	var refC []float64
	argmaxOK := 0
	for p := 0; p < T; p++ {
		g, w := got[p*V:(p+1)*V], want[p*V:(p+1)*V]
		var mg, mw float64
		bg, bw := 0, 0
		for v := range V {
			mg += float64(g[v])
			mw += w[v]
			if g[v] > g[bg] {
				bg = v
			}
			if w[v] > w[bw] {
				bw = v
			}
		}
		for v := range V {
			goC = append(goC, g[v]-float32(mg/float64(V)))
			refC = append(refC, w[v]-mw/float64(V))
		}
		if bg == bw {
			argmaxOK++
		}
	}
	e := torchRelErr(goC, refC)
	if e >= 2e-5 {
		t.Errorf("logits (centred): rel. L2 error %.3g ≥ 2e-5", e)
	}
	if argmaxOK != T {
		t.Errorf("top-1 token agrees at %d of %d positions", argmaxOK, T)
	}
	t.Logf("%s (%s, %d params): logits rel. error %.2g, top-1 %d/%d", tc.file, hc.Architecture, cfg.ParamCount(), e, argmaxOK, T)
}

// hfLogits returns the raw logits (T, V) at every position of prompt, from
// the training forward: Score keeps the final-normed hidden rows, and the
// logits are their products with the LM head.
func hfLogits(m *Model, prompt []int32) []float32 {
	toks := append(append([]int32(nil), prompt...), 0) // the last position predicts a dummy token
	m.Score([]Seq{{Tokens: toks, Start: 1}}, ScoreOptions{})
	T, C, V := len(prompt), m.Cfg.Dim, m.Cfg.VocabSize
	out := make([]float32, T*V)
	tensor.MatMulNT(out, m.bufs.xf[:T*C], m.P.LMHead, T, V, C, false)
	return out
}

// writeBF16Safetensors writes tensors rounded to bfloat16 (round to nearest
// even), as Hub checkpoints are stored.
func writeBF16Safetensors(path string, tensors []Named) error {
	header := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	off := 0
	for _, t := range tensors {
		header[t.Name] = map[string]any{"dtype": "BF16", "shape": t.Shape, "data_offsets": []int{off, off + 2*len(t.Data)}}
		off += 2 * len(t.Data)
	}
	hj, err := json.Marshal(header)
	if err != nil {
		return err
	}
	for len(hj)%8 != 0 {
		hj = append(hj, ' ')
	}
	return WriteFileAtomic(path, func(w io.Writer) error {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(hj)))
		if _, err := w.Write(append(n[:], hj...)); err != nil {
			return err
		}
		buf := make([]byte, 0, 1<<20)
		for _, t := range tensors {
			for _, v := range t.Data {
				b := math.Float32bits(v)
				b += 0x7fff + (b>>16)&1 // round to nearest even (finite values)
				buf = binary.LittleEndian.AppendUint16(buf, uint16(b>>16))
				if len(buf) >= 1<<20 {
					if _, err := w.Write(buf); err != nil {
						return err
					}
					buf = buf[:0]
				}
			}
		}
		_, err := w.Write(buf)
		return err
	})
}

// writeSharded writes tensors over n F32 shards named as transformers names
// them, with the index that maps each tensor to its shard.
func writeSharded(t *testing.T, dir string, tensors []Named, n int) {
	t.Helper()
	wm := map[string]string{}
	per := (len(tensors) + n - 1) / n
	total := 0
	for s := 0; s < n; s++ {
		part := tensors[min(s*per, len(tensors)):min((s+1)*per, len(tensors))]
		file := fmt.Sprintf("model-%05d-of-%05d.safetensors", s+1, n)
		if err := WriteSafetensors(filepath.Join(dir, file), part, map[string]string{"format": "pt"}); err != nil {
			t.Fatal(err)
		}
		for _, p := range part {
			wm[p.Name] = file
			total += 4 * len(p.Data)
		}
	}
	idx, _ := json.Marshal(map[string]any{"metadata": map[string]any{"total_size": total}, "weight_map": wm})
	if err := os.WriteFile(filepath.Join(dir, ModelIndexFile), idx, 0o644); err != nil {
		t.Fatal(err)
	}
}
