package main

import (
	"bytes"
	"context"
	"math"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rltrain/rltrain/nn"
)

func smokeModelConfig(kind string) BenchModelConfig {
	c := DefaultBenchTrainConfig()
	if kind == "generate" {
		c = DefaultBenchGenerateConfig()
		c.Batches = "3,1"
		c.PromptLen, c.NewTokens = 4, 8
	}
	c.Configs, c.Threads = "T", "1,2"
	c.MinTime, c.MinReps = time.Millisecond, 1
	c.Isolate = false
	return c
}

// checkResults checks that every measurement is there with positive numbers.
func checkResults(t *testing.T, rs []modelResult, kind string, want int) {
	t.Helper()
	if len(rs) != want {
		t.Fatalf("%d %s results, want %d", len(rs), kind, want)
	}
	for _, r := range rs {
		if r.kind != kind || r.config != "T" || r.tokPerS <= 0 || math.IsInf(r.tokPerS, 0) || r.expectMB <= 0 {
			t.Errorf("bad result %+v", r)
		}
		if runtime.GOOS == "linux" && r.rssMB <= 0 {
			t.Errorf("peak RSS %.1f MB on linux, want > 0", r.rssMB)
		}
		// The derived rate, recomputed from tok/s and the T config (to the
		// TSV's two decimals).
		cfg, _ := benchModelConfig("T")
		got, want := r.gflops, r.tokPerS*cfg.TrainFLOPsPerToken(r.seq)/1e9
		if kind == "generate" {
			got, want = r.weightGB, r.tokPerS/float64(r.batch)*cfg.DecodeWeightBytes()/1e9
		}
		if math.Abs(got-want) > 0.006+1e-3*want || got <= 0 {
			t.Errorf("%s rate %v, want %v from %.1f tok/s", kind, got, want, r.tokPerS)
		}
	}
}

func TestBenchTrainGenerateTSV(t *testing.T) {
	for _, kind := range []string{"train", "generate"} {
		var buf bytes.Buffer
		cfg := smokeModelConfig(kind)
		cfg.Format = "tsv"
		if err := benchModel(&buf, cfg); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if !strings.HasPrefix(lines[0], "# bench "+kind) || lines[1] != modelTSVHeader {
			t.Fatalf("%s: header lines %q", kind, lines[:2])
		}
		var rs []modelResult
		for _, l := range lines[2:] {
			r, err := parseModelResult(l)
			if err != nil {
				t.Fatal(err)
			}
			rs = append(rs, r)
		}
		want := 2 // T × threads 1,2
		if kind == "generate" {
			want = 4 // × batches 3,1
			for _, r := range rs {
				if r.seq != 8 {
					t.Errorf("generate seq column %d, want the 8 new tokens", r.seq)
				}
			}
		}
		checkResults(t, rs, kind, want)
	}
}

func TestBenchTrainTable(t *testing.T) {
	var buf bytes.Buffer
	cfg := smokeModelConfig("train")
	cfg.Threads = "1"
	if err := benchModel(&buf, cfg); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "tok/s") || !strings.Contains(out, "expected MB") {
		t.Fatalf("no table header in\n%s", out)
	}
	var row []string
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) == 8 && f[0] == "T" {
			row = f
		}
	}
	if row == nil {
		t.Fatalf("no row for config T in\n%s", out)
	}
	if row[2] != "2×64" {
		t.Errorf("batch×seq %q, want 2×64", row[2])
	}
	if v, err := strconv.ParseFloat(row[3], 64); err != nil || v <= 0 {
		t.Errorf("tok/s %q, want a positive number", row[3])
	}
}

func TestBenchModelBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-configs", "X"}, "unknown config"},
		{[]string{"-threads", "0"}, "-threads"},
		{[]string{"-format", "csv"}, "-format"},
		{[]string{"-configs", "T", "-seq", "1000"}, "-seq"},
		{[]string{"-one", "T,1"}, "-one"},
	} {
		err := runBenchTrain(tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("bench train %v: error %v, want one naming %q", tc.args, err, tc.want)
		}
	}
	err := runBenchGenerate([]string{"-configs", "T", "-prompt-len", "60", "-new-tokens", "8"})
	if err == nil || !strings.Contains(err.Error(), "-prompt-len") {
		t.Errorf("bench generate past max seq: error %v", err)
	}
	err = runBenchGRPO([]string{"-model", "T", "-max-completion", "64"})
	if err == nil || !strings.Contains(err.Error(), "-max-completion") {
		t.Errorf("bench grpo completion past max seq: error %v", err)
	}
}

// TestParamCount: the memory estimate's parameter count equals the slab of
// a real model, for the benchmark configs and for GQA, biases, untied heads
// and a value head.
func TestParamCount(t *testing.T) {
	s, m := nn.ConfigS(), nn.ConfigM()
	odd := nn.Config{VocabSize: 100, Dim: 48, NLayers: 3, NHeads: 6, NKVHeads: 2, FFNDim: 80, MaxSeqLen: 32,
		RopeTheta: 10000, NormEps: 1e-5, QKVBias: true, ValueHead: true}
	for _, cfg := range []nn.Config{s, m, odd} {
		model, err := nn.NewModel(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := paramCount(cfg), int64(model.P.Len()); got != want {
			t.Errorf("paramCount(%+v) = %d, want %d", cfg, got, want)
		}
	}
	// Training memory is at least the 4 copies of the parameters.
	if tb := trainBytes(s, 8, 256); tb < 16*paramCount(s) {
		t.Errorf("trainBytes(S) = %d < 16 × params", tb)
	}
}

func TestBenchGRPOSmoke(t *testing.T) {
	cfg := DefaultBenchGRPOConfig()
	cfg.Model, cfg.Vocab, cfg.Threads = "T", 300, "1"
	cfg.Prompts, cfg.Group, cfg.MaxCompletion = 2, 2, 12
	cfg.Warmup, cfg.Steps = 0, 1
	cfg.Format = "tsv"
	var buf bytes.Buffer
	if err := benchGRPO(context.Background(), &buf, cfg); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("want comment, header and one row, got\n%s", buf.String())
	}
	head, row := strings.Split(lines[1], "\t"), strings.Split(lines[2], "\t")
	if len(head) != len(row) {
		t.Fatalf("header %d fields, row %d", len(head), len(row))
	}
	for i, f := range row {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || !(v > 0) {
			t.Errorf("%s = %q, want a positive number", head[i], f)
		}
		if head[i] == "mean_len" && v != 12 {
			t.Errorf("mean completion length %g, want the forced 12", v)
		}
	}
}

// TestBenchTrainIsolated builds the binary and checks that each measurement
// runs in its own child process.
func TestBenchTrainIsolated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the rltrain binary")
	}
	bin := filepath.Join(t.TempDir(), "rltrain")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "bench", "generate", "-configs", "T", "-threads", "1", "-batches", "2",
		"-prompt-len", "4", "-new-tokens", "8", "-min-time", "1ms", "-min-reps", "1", "-format", "tsv").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var rs []modelResult
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "generate\t") {
			r, err := parseModelResult(l)
			if err != nil {
				t.Fatal(err)
			}
			rs = append(rs, r)
		}
	}
	checkResults(t, rs, "generate", 1)
	if !strings.Contains(string(out), "isolate=true") {
		t.Errorf("output does not say the run was isolated:\n%s", out)
	}
}
