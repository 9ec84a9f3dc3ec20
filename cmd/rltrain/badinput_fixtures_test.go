package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/run"
	"github.com/rltrain/rltrain/tokenizer"
	"github.com/rltrain/rltrain/warmstart"
)

// fixtures is a folder of good and bad inputs: a tiny checkpoint (context
// 128) and broken copies of it, JSONL and config files, a finished run, a
// run with a checkpoint of another seed.
type fixtures struct {
	root, runOut, sftOut string
}

func (f *fixtures) path(name string) string { return filepath.Join(f.root, name) }

func (f *fixtures) write(t *testing.T, name string, b []byte) {
	t.Helper()
	p := f.path(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyCkpt copies the good checkpoint to name and returns a file's path in it.
func (f *fixtures) copyCkpt(t *testing.T, name string) string {
	t.Helper()
	for _, fn := range []string{"config.json", "model.safetensors", "tokenizer.json"} {
		b, err := os.ReadFile(f.path(filepath.Join("ck", fn)))
		if err != nil {
			t.Fatal(err)
		}
		f.write(t, filepath.Join(name, fn), b)
	}
	return f.path(name)
}

// randomText is n characters no BPE of the fixtures compresses much.
func randomText(seed uint64, n int) string {
	rng := rand.New(rand.NewPCG(seed, 3))
	const chars = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[rng.IntN(len(chars))]
	}
	return string(b)
}

func newFixtures(t *testing.T) *fixtures {
	t.Helper()
	f := &fixtures{root: t.TempDir()}
	f.runOut, f.sftOut = f.path("run"), f.path("sftout")
	f.write(t, "run/notes.txt", []byte("a run folder the user keeps\n"))
	f.write(t, "sftout/notes.txt", []byte("an output folder the user keeps\n"))
	f.write(t, "done/summary.json", []byte(`{"steps": 3}`+"\n"))
	f.write(t, "split_train.jsonl", []byte("kept\n"))
	f.write(t, "split_test.jsonl", []byte("kept\n"))

	// Data: arithmetic problems with worked solutions.
	var buf bytes.Buffer
	train, err := data.Generate("arithmetic", 40, 1, data.DefaultGenConfig())
	if err != nil {
		t.Fatal(err)
	}
	data.WriteJSONL(&buf, train)
	f.write(t, "train.jsonl", buf.Bytes())
	good := strings.SplitAfter(buf.String(), "\n")[0]
	eval, _ := data.Generate("arithmetic", 10, 2, data.DefaultGenConfig())
	buf.Reset()
	data.WriteJSONL(&buf, eval)
	f.write(t, "eval.jsonl", buf.Bytes())
	for name, lines := range map[string]string{
		"bad_json.jsonl":      good + "{bad\n",
		"no_prompt.jsonl":     `{"answer": "1"}` + "\n",
		"empty_prompt.jsonl":  `{"prompt": "  ", "answer": "1"}` + "\n",
		"no_answer.jsonl":     `{"prompt": "compute 1+1"}` + "\n",
		"prompt_number.jsonl": `{"prompt": 5, "answer": "1"}` + "\n",
		"answer_object.jsonl": `{"prompt": "compute 1+1", "answer": {"v": 2}}` + "\n",
		"array_line.jsonl":    "[1, 2]\n",
		"huge_line.jsonl":     good + `{"prompt": "` + strings.Repeat("a", 1_100_000) + `", "answer": "1"}` + "\n",
		"bom_crlf.jsonl":      "\xef\xbb\xbf" + `{"prompt": "a", "answer": "1"}` + "\r\n" + `{"prompt": "b", "answer": "2"}` + "\r\n",
		"empty.jsonl":         "",
		"long_prompt.jsonl":   good + `{"prompt": "` + randomText(1, 600) + `", "answer": "1", "solution": "1"}` + "\n",
		"long_demo.jsonl":     good + `{"prompt": "compute 1+1", "answer": "2", "solution": "` + randomText(2, 600) + `"}` + "\n",
		"c_unknown.json":      "{\n  \"train\": {\n    \"stepz\": 9\n  }\n}\n",
		"c_type.json":         "{\n  \"train\": {\n    \"steps\": \"ten\"\n  }\n}\n",
		"c_syntax.json":       "{\n  \"train\": {\n    \"steps\": 9,\n  }\n}\n",
		"c_truncated.json":    "{\n  \"train\": {\n    \"steps\": 9\n",
		"c_range.json":        `{"train": {"lr": -1}}` + "\n",
		"c_algo.json":         `{"algorithm": {"algo": "ppo"}}` + "\n",
		"tok_wordpiece.json":  `{"model": {"type": "WordPiece", "vocab": {"a": 0}}}` + "\n",
	} {
		f.write(t, name, []byte(lines))
	}

	// A tiny checkpoint with its own BPE, context 128.
	var texts []string
	for _, ex := range train {
		texts = append(texts, rl.PromptText(ex.Prompt)+ex.Solution)
	}
	tc := tokenizer.DefaultTrainConfig()
	tc.VocabSize = 256 + len(tc.Specials) + 30
	tok, err := tokenizer.Train(texts, tc)
	if err != nil {
		t.Fatal(err)
	}
	m, err := nn.NewModel(nn.Config{Dim: 16, NLayers: 1, NHeads: 2, NKVHeads: 2, FFNDim: 32, MaxSeqLen: 128,
		RopeTheta: 10000, NormEps: 1e-5, TieEmbeddings: true, VocabSize: tok.VocabSize()})
	if err != nil {
		t.Fatal(err)
	}
	m.InitRandom(rand.New(rand.NewPCG(1, 1)))
	if err := run.SaveCheckpoint(f.path("ck"), m, tok); err != nil {
		t.Fatal(err)
	}
	f.brokenCheckpoints(t)
	f.otherSeedRun(t, m, tok)
	return f
}

// brokenCheckpoints writes copies of ck with one file damaged each.
func (f *fixtures) brokenCheckpoints(t *testing.T) {
	t.Helper()
	edit := func(name, file string, change func([]byte) []byte) {
		p := filepath.Join(f.copyCkpt(t, name), file)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, change(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	half := func(b []byte) []byte { return b[:len(b)/2] }
	edit("tok_trunc", "tokenizer.json", half)
	edit("st_trunc", "model.safetensors", half)
	edit("st_header", "model.safetensors", func(b []byte) []byte {
		binary.LittleEndian.PutUint64(b, 1<<40)
		return b
	})
	edit("st_overlap", "model.safetensors", stHeader(t, func(names []string, h map[string]map[string]any) {
		off := h[names[1]]["data_offsets"].([]any) // the second tensor starts 4 bytes early
		off[0], off[1] = off[0].(float64)-4, off[1].(float64)-4
	}))
	edit("st_shape", "model.safetensors", stHeader(t, func(names []string, h map[string]map[string]any) {
		h[names[0]]["shape"] = []any{1 << 40, 1 << 40}
	}))
	edit("st_dtype", "model.safetensors", stHeader(t, func(names []string, h map[string]map[string]any) {
		h[names[0]]["dtype"] = "I32"
	}))
	edit("cfg_other", "config.json", func(b []byte) []byte {
		return bytes.Replace(b, []byte(`"hidden_size": 16`), []byte(`"hidden_size": 32`), 1)
	})
	p := f.copyCkpt(t, "st_missing")
	os.Remove(filepath.Join(p, "model.safetensors"))
	// tokenizer.json of a larger vocabulary than the model's embedding.
	tc := tokenizer.DefaultTrainConfig()
	tc.VocabSize = 400
	big, err := tokenizer.Train([]string{randomText(3, 20000)}, tc)
	if err != nil {
		t.Fatal(err)
	}
	p = f.copyCkpt(t, "tok_other")
	if err := big.Save(filepath.Join(p, "tokenizer.json")); err != nil {
		t.Fatal(err)
	}
}

// stHeader returns an edit of a safetensors file's JSON header; names are
// the tensors in offset order.
func stHeader(t *testing.T, change func(names []string, h map[string]map[string]any)) func([]byte) []byte {
	return func(b []byte) []byte {
		n := binary.LittleEndian.Uint64(b)
		h := map[string]map[string]any{}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(b[8:8+n], &raw); err != nil {
			t.Fatal(err)
		}
		var names []string
		for k, v := range raw {
			if k == "__metadata__" {
				continue
			}
			var e map[string]any
			json.Unmarshal(v, &e)
			h[k] = e
			names = append(names, k)
		}
		begin := func(k string) float64 { return h[k]["data_offsets"].([]any)[0].(float64) }
		sort.Slice(names, func(i, j int) bool { return begin(names[i]) < begin(names[j]) })
		change(names, h)
		hb, _ := json.Marshal(h)
		out := binary.LittleEndian.AppendUint64(nil, uint64(len(hb)))
		return append(append(out, hb...), b[8+n:]...)
	}
}

// otherSeedRun writes resume_run: a run folder (config.json of a run with
// seed 1) holding a complete checkpoint-1 from the trainer of that run.
func (f *fixtures) otherSeedRun(t *testing.T, m *nn.Model, tok *tokenizer.Tokenizer) {
	t.Helper()
	dir := f.path("resume_run")
	cfg, err := parseRunConfig(withDefaults(f, []string{"--init", f.path("ck"), "--data", f.path("train.jsonl"),
		"--eval-data", f.path("eval.jsonl"), "--out", dir}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	trainEx, _, reward, _, err := taskData(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, tok, err = warmstart.Load(f.path("ck"))
	if err != nil {
		t.Fatal(err)
	}
	eos, _ := tok.SpecialID(tokenizer.EndOfText)
	var ref *nn.Model
	if cfg.Algo.Policy().Beta > 0 {
		ref = m.Clone()
	}
	tr, err := rl.NewTrainer(cfg.Train, cfg.Algo, &rl.Policy{Model: m, Codec: tok, EOS: eos}, ref, rl.SingleTurn{Reward: reward}, reward, trainEx, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := tr.State()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run.SaveTrainCheckpoint(dir, 1, 0, run.TrainCheckpoint{Model: m, Ref: ref, Tok: tok, State: st}); err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(cfg, "", "  ")
	f.write(t, "resume_run/config.json", append(b, '\n'))
}
