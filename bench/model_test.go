package bench

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func smokeModelConfig(kind string) ModelConfig {
	c := DefaultTrainConfig()
	if kind == KindGenerate {
		c = DefaultGenerateConfig()
		c.Batches = "3,1"
		c.PromptLen, c.NewTokens = 4, 8
	}
	c.Configs, c.Threads = "T", "1,2"
	c.MinTime, c.MinReps = time.Millisecond, 1
	c.Isolate = false
	return c
}

// checkResults checks that every measurement is there with positive numbers.
func checkResults(t *testing.T, rs []Result, kind string, want int) {
	t.Helper()
	if len(rs) != want {
		t.Fatalf("%d %s results, want %d", len(rs), kind, want)
	}
	cfg, _ := ModelByName("T")
	for _, r := range rs {
		if r.Kind != kind || r.Config != "T" || r.TokPerS <= 0 || math.IsInf(r.TokPerS, 0) || r.ExpectMB <= 0 {
			t.Errorf("bad result %+v", r)
		}
		if runtime.GOOS == "linux" && r.RSSMB <= 0 {
			t.Errorf("peak RSS %.1f MB on linux, want > 0", r.RSSMB)
		}
		// The expected memory and the derived rate, recomputed from the T
		// config and tok/s (to the TSV's decimals).
		wantMB := float64(cfg.TrainMemoryBytes(r.Batch, r.Seq)) / (1 << 20)
		got, want := r.GFLOPS, r.TokPerS*cfg.TrainFLOPsPerToken(r.Seq)/1e9
		if kind == KindGenerate {
			wantMB = float64(cfg.GenerateMemoryBytes(r.Batch, 4+r.Seq, r.Threads)) / (1 << 20)
			got, want = r.WeightGB, r.TokPerS/float64(r.Batch)*cfg.DecodeWeightBytes()/1e9
		}
		if math.Abs(r.ExpectMB-wantMB) > 0.051 {
			t.Errorf("expected MB %v, want %v", r.ExpectMB, wantMB)
		}
		if math.Abs(got-want) > 0.006+1e-3*want || got <= 0 {
			t.Errorf("%s rate %v, want %v from %.1f tok/s", kind, got, want, r.TokPerS)
		}
	}
}

// parseTSV checks RunModel's TSV header lines and parses the rest.
func parseTSV(t *testing.T, out, kind string, isolate bool) []Result {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "# bench "+kind) || lines[1] != TSVHeader {
		t.Fatalf("%s: header lines of\n%s", kind, out)
	}
	if want := fmt.Sprintf("isolate=%v", isolate); !strings.HasSuffix(lines[0], want) {
		t.Errorf("comment line %q does not end in %s", lines[0], want)
	}
	var rs []Result
	for _, l := range lines[2:] {
		r, err := ParseResult(l)
		if err != nil {
			t.Fatal(err)
		}
		if r.TSV() != l {
			t.Errorf("TSV(ParseResult(%q)) = %q", l, r.TSV())
		}
		rs = append(rs, r)
	}
	return rs
}

func TestModelTSV(t *testing.T) {
	for _, kind := range []string{KindTrain, KindGenerate} {
		var buf bytes.Buffer
		cfg := smokeModelConfig(kind)
		cfg.Format = "tsv"
		if err := RunModel(&buf, cfg, nil); err != nil {
			t.Fatal(err)
		}
		rs := parseTSV(t, buf.String(), kind, false)
		want := 2 // T × threads 1,2
		if kind == KindGenerate {
			want = 4 // × batches 3,1
			for _, r := range rs {
				if r.Seq != 8 {
					t.Errorf("generate seq column %d, want the 8 new tokens", r.Seq)
				}
			}
		}
		checkResults(t, rs, kind, want)
	}
}

func TestModelTable(t *testing.T) {
	var buf bytes.Buffer
	cfg := smokeModelConfig(KindTrain)
	cfg.Threads = "1"
	if err := RunModel(&buf, cfg, nil); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "rltrain bench train — kernels ") || !strings.Contains(out, "tok/s") || !strings.Contains(out, "expected MB") {
		t.Fatalf("no title or table header in\n%s", out)
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

func TestModelValidate(t *testing.T) {
	for _, tc := range []struct {
		edit func(*ModelConfig)
		want string
	}{
		{func(c *ModelConfig) { c.Configs = "X" }, "unknown config"},
		{func(c *ModelConfig) { c.Threads = "0" }, "-threads"},
		{func(c *ModelConfig) { c.Batches = "2,x" }, "-batches"},
		{func(c *ModelConfig) { c.Format = "csv" }, "-format"},
		{func(c *ModelConfig) { c.Configs, c.Seq = "T", 1000 }, "-seq"},
		{func(c *ModelConfig) { c.One = "T,1" }, "-one"},
		{func(c *ModelConfig) { c.MinTime = 0 }, "-min-time"},
		{func(c *ModelConfig) { c.MinReps = 0 }, "-min-reps"},
		{func(c *ModelConfig) { c.Kind = "infer" }, "kind"},
		{func(c *ModelConfig) { c.Kind, c.Configs, c.PromptLen, c.NewTokens = KindGenerate, "T", 60, 8 }, "-prompt-len"},
	} {
		c := DefaultTrainConfig()
		tc.edit(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one naming %q", c, err, tc.want)
		}
		if err2 := RunModel(&bytes.Buffer{}, c, []string{"unused"}); fmt.Sprint(err2) != fmt.Sprint(err) {
			t.Errorf("RunModel error %v, Validate %v", err2, err)
		}
	}
	for _, c := range []ModelConfig{DefaultTrainConfig(), DefaultGenerateConfig()} {
		if err := c.Validate(); err != nil {
			t.Errorf("defaults of %s: %v", c.Kind, err)
		}
	}
	if err := RunModel(&bytes.Buffer{}, smokeModelConfig(KindTrain), nil); err != nil {
		t.Errorf("without Isolate, no child command is needed: %v", err)
	}
	c := smokeModelConfig(KindTrain)
	c.Isolate = true
	if err := RunModel(&bytes.Buffer{}, c, nil); err == nil || !strings.Contains(err.Error(), "Isolate") {
		t.Errorf("Isolate without a child command: error %v", err)
	}
}

func TestParseResultErrors(t *testing.T) {
	for _, l := range []string{"train\tT\t1", "train\tT\tx\t2\t64\t1\t1\t1\t1\t0", "train\tT\t1\t2\t64\t1\t1\t1\tx\t0"} {
		if _, err := ParseResult(l); err == nil {
			t.Errorf("ParseResult(%q) succeeded", l)
		}
	}
}

// helperEnv makes the test binary a child measurement process: see
// TestHelperChild.
const helperEnv = "RLTRAIN_BENCH_HELPER_CHILD"

// TestHelperChild is not a test: run as a child by TestModelIsolated, it
// binds the flags RunModel passes (after "--" and the kind) the way the CLI
// does and runs the measurement.
func TestHelperChild(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process of TestModelIsolated")
	}
	args := os.Args
	for len(args) > 0 && args[0] != "--" {
		args = args[1:]
	}
	cfg := DefaultTrainConfig()
	if args[1] == KindGenerate {
		cfg = DefaultGenerateConfig()
	}
	fs := flag.NewFlagSet("child", flag.ContinueOnError)
	fs.StringVar(&cfg.One, "one", "", "")
	fs.IntVar(&cfg.Seq, "seq", 0, "")
	fs.IntVar(&cfg.PromptLen, "prompt-len", 0, "")
	fs.IntVar(&cfg.NewTokens, "new-tokens", 0, "")
	fs.BoolVar(&cfg.Greedy, "greedy", false, "")
	fs.DurationVar(&cfg.MinTime, "min-time", 0, "")
	fs.IntVar(&cfg.MinReps, "min-reps", 0, "")
	fs.Uint64Var(&cfg.Seed, "seed", 0, "")
	code := 0
	if err := fs.Parse(args[2:]); err != nil {
		code = 2
	} else if err := RunModel(os.Stdout, cfg, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// TestModelIsolated runs each measurement in a child process (this test
// binary, see TestHelperChild) and checks its result comes back.
func TestModelIsolated(t *testing.T) {
	t.Setenv(helperEnv, "1")
	for _, kind := range []string{KindTrain, KindGenerate} {
		cfg := smokeModelConfig(kind)
		cfg.Isolate, cfg.Threads, cfg.Batches, cfg.Format = true, "1", "2", "tsv"
		var buf bytes.Buffer
		reexec := []string{os.Args[0], "-test.run=^TestHelperChild$", "--", kind}
		if err := RunModel(&buf, cfg, reexec); err != nil {
			t.Fatal(err)
		}
		checkResults(t, parseTSV(t, buf.String(), kind, true), kind, 1)
	}
	// A child that fails: its error and stderr come back.
	cfg := smokeModelConfig(KindTrain)
	cfg.Isolate, cfg.Threads = true, "1"
	err := RunModel(&bytes.Buffer{}, cfg, []string{os.Args[0], "-test.run=^TestHelperChild$", "--", "train", "-no-such-flag"})
	if err == nil || !strings.Contains(err.Error(), "bench train: child ") {
		t.Errorf("failing child: error %v", err)
	}
}

func TestMedian(t *testing.T) {
	xs := []float64{3, 1, 2}
	if m := Median(xs); m != 2 || xs[0] != 3 {
		t.Errorf("Median(3,1,2) = %v (input now %v)", m, xs)
	}
	if m := Median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Errorf("Median(4,1,3,2) = %v, want 2.5", m)
	}
}
