package run

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/tokenizer"
)

// A corrupt latest checkpoint is passed over for the one before it, with a
// warning; --keep rotates old ones; a torn checkpoint never counts.
func TestCheckpointsChecksumsAndRotation(t *testing.T) {
	cfg := nn.Config{VocabSize: 264, Dim: 8, NLayers: 1, NHeads: 2, NKVHeads: 2, FFNDim: 16, MaxSeqLen: 16, RopeTheta: 10000, NormEps: 1e-5, TieEmbeddings: true}
	m, err := nn.NewModel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.Train([]string{"abc abc"}, tokenizer.DefaultTrainConfig())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for step := 1; step <= 4; step++ {
		st := &nn.TrainState{Step: step, M: make([]float32, m.P.Len()), V: make([]float32, m.P.Len()), Meta: map[string]string{}}
		if _, err := SaveTrainCheckpoint(dir, step, 3, TrainCheckpoint{Model: m, Tok: tok, State: st}); err != nil {
			t.Fatal(err)
		}
	}
	if steps, _ := checkpointSteps(dir); len(steps) != 3 || steps[0] != 4 || steps[2] != 2 {
		t.Fatalf("--keep 3 left %v", steps)
	}
	os.MkdirAll(filepath.Join(dir, "checkpoint-9"), 0o755) // torn: no checksums
	if d, s, warns, err := LatestCheckpoint(dir); err != nil || s != 4 || !strings.HasSuffix(d, "checkpoint-4") || len(warns) != 1 {
		t.Fatalf("got %s %d %v %v", d, s, warns, err)
	}
	f := filepath.Join(dir, "checkpoint-4", nn.TrainStateFile)
	b, _ := os.ReadFile(f)
	b[len(b)-1] ^= 1
	os.WriteFile(f, b, 0o644)
	d, s, warns, err := LatestCheckpoint(dir)
	if err != nil || s != 3 || !strings.HasSuffix(d, "checkpoint-3") || len(warns) != 2 || !strings.Contains(warns[1], "does not match its checksum") {
		t.Fatalf("corrupt latest: got %s %d %v %v", d, s, warns, err)
	}
}

// Resuming keeps the log lines of the steps a checkpoint holds, drops the
// later ones and a torn last line, and appends from there.
func TestReopenRunLog(t *testing.T) {
	dir := t.TempDir()
	l, err := OpenRunLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	l.AddEval(0, rl.EvalResult{N: 3, Pass1: 0.5})
	for s := 1; s <= 5; s++ {
		l.Step(s, map[string]float64{"reward": float64(s)})
	}
	l.Close()
	f, _ := os.OpenFile(filepath.Join(dir, "metrics.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	io.WriteString(f, `{"reward": 6, "st`) // a kill in mid-write
	f.Close()
	l, err = ReopenRunLog(dir, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.History) != 3 || len(l.Evals) != 1 || l.Evals[0].Eval.Pass1 != 0.5 {
		t.Fatalf("history %v, evals %v", l.History, l.Evals)
	}
	l.Step(4, map[string]float64{"reward": 40})
	l.Close()
	b, _ := os.ReadFile(filepath.Join(dir, "metrics.jsonl"))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 4 || !strings.Contains(lines[3], `"reward":40`) {
		t.Fatalf("metrics.jsonl:\n%s", b)
	}
}
