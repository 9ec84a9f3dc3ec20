package bench

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/dist"
	"github.com/rltrain/rltrain/nn"
)

// A run folder written by hand: the phases are the medians of the steps
// after the first, the completions prompts × group, the gradient the
// model's parameter count.
func TestStepPhasesFromRun(t *testing.T) {
	dir := t.TempDir()
	metrics := `{"step":1,"rollout_s":9,"score_s":9,"train_s":9,"tokens_per_s":1000,"completions/mean_length":99}
{"step":2,"rollout_s":1.0,"score_s":0.1,"train_s":0.5,"tokens_per_s":1000,"completions/mean_length":10}
{"step":3,"rollout_s":1.2,"score_s":0.3,"train_s":0.4,"tokens_per_s":1000,"completions/mean_length":12}
{"step":4,"skipped":1,"rollout_s":5,"score_s":5,"train_s":0}
{"step":5,"rollout_s":1.4,"score_s":0.2,"train_s":0.6,"tokens_per_s":1000,"completions/mean_length":14}
`
	os.WriteFile(filepath.Join(dir, "metrics.jsonl"), []byte(metrics), 0o644)
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"algorithm":{"algo":"grpo","grpo":{"group_size":8,"num_iterations":2}},"train":{"prompts_per_step":4}}`), 0o644)
	mc := nn.Config{VocabSize: 64, Dim: 32, NLayers: 1, NHeads: 2, NKVHeads: 2, FFNDim: 64, MaxSeqLen: 32, RopeTheta: 10000, NormEps: 1e-5}
	m, err := nn.NewModel(mc)
	if err != nil {
		t.Fatal(err)
	}
	if err := nn.SaveModel(filepath.Join(dir, "final"), m); err != nil {
		t.Fatal(err)
	}
	s, err := StepPhasesFromRun(dir, 9)
	if err != nil {
		t.Fatal(err)
	}
	// Rows shared to re-deal them: 4 · 32 rows + median tokens 1900 (1.9 s
	// at 1000 tokens/s) + 3 · median length 12 · 32 completions = 3180.
	want := dist.StepPhases{Rollout: 1.2, Score: 0.2, Train: 0.5, GradFloats: m.P.Len(), AllReduces: 2, SmallReduces: 9, Completions: 32, ShareFloats64: 3180}
	if s != want {
		t.Errorf("got %+v\nwant %+v", s, want)
	}
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"algorithm":{"algo":"grpo","grpo":{"group_size":8,"num_iterations":2}},"train":{"prompts_per_step":4,"balance_batch":false}}`), 0o644)
	if off, err := StepPhasesFromRun(dir, 9); err != nil || off.ShareFloats64 != 0 {
		t.Errorf("balance_batch false: %+v, %v", off, err)
	}
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"algorithm":{"algo":"grpo","grpo":{"group_size":8,"num_iterations":2}},"train":{"prompts_per_step":4}}`), 0o644)
	var out bytes.Buffer
	if err := WriteScaling(&out, s, []int{8, 128}, []NamedLink{{"10G", dist.GbitLink(10, 25e-6)}}); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(out.String(), "\n10G "); lines != 2 {
		t.Errorf("want 2 prediction rows:\n%s", out.String())
	}
	os.WriteFile(filepath.Join(dir, "metrics.jsonl"), []byte("{\"step\":1}\n"), 0o644)
	if _, err := StepPhasesFromRun(dir, 9); err == nil || !strings.Contains(err.Error(), "metrics.jsonl:1") {
		t.Errorf("a line without train_s: %v", err)
	}
	if _, err := StepPhasesFromRun(t.TempDir(), 9); err == nil || !strings.Contains(err.Error(), "--run") {
		t.Errorf("an empty folder: %v", err)
	}
}
