package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/bench"
)

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
		{[]string{"-min-time", "soon"}, "-min-time"},
		{[]string{"-kind", "generate"}, "-kind"}, // Kind is the command's, not a flag
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
}

// TestBenchModelFlags: every field of bench.ModelConfig but Kind is a flag
// with a usage text and the field's default.
func TestBenchModelFlags(t *testing.T) {
	cfg := bench.DefaultGenerateConfig()
	fs := newFlagSet("bench generate")
	bindStruct(fs, &cfg, "", "bench.ModelConfig", benchModelHelp, "Kind")
	rt, rv := reflect.TypeOf(cfg), reflect.ValueOf(cfg)
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		name := flagName(f)
		fl := fs.Lookup(name)
		if f.Name == "Kind" {
			if fl != nil {
				t.Errorf("Kind is bound to -%s", name)
			}
			continue
		}
		if fl == nil {
			t.Errorf("field %s has no flag -%s", f.Name, name)
			continue
		}
		if fl.Usage != benchModelHelp[name] || fl.Usage == "" {
			t.Errorf("-%s usage %q, want benchModelHelp's %q", name, fl.Usage, benchModelHelp[name])
		}
		if want := fmt.Sprint(rv.Field(i).Interface()); fl.DefValue != want {
			t.Errorf("-%s default %q, want %q", name, fl.DefValue, want)
		}
	}
	if len(benchModelHelp) != rt.NumField()-1 {
		t.Errorf("benchModelHelp has %d entries for %d flags", len(benchModelHelp), rt.NumField()-1)
	}
}

// childEnv makes the test binary an rltrain child: see TestBenchChildHelper.
const childEnv = "RLTRAIN_TEST_BENCH_CHILD"

// TestBenchChildHelper is not a test: run by TestBenchModelIsolated with the
// arguments of an rltrain command line after "--", it runs that command as
// the rltrain binary would.
func TestBenchChildHelper(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("helper process of TestBenchModelIsolated")
	}
	args := os.Args
	for len(args) > 0 && args[0] != "--" {
		args = args[1:]
	}
	c, rest := lookup(args[1:])
	if c == nil {
		fmt.Fprintf(os.Stderr, "unknown command %q\n", args[1:])
		os.Exit(2)
	}
	if err := c.run(rest); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// TestBenchModelIsolated runs `bench train` and `bench generate` with each
// measurement in a child (this test binary standing in for rltrain): the
// flags the harness passes to the child are the ones the CLI binds.
func TestBenchModelIsolated(t *testing.T) {
	t.Setenv(childEnv, "1")
	prev := benchReexec
	defer func() { benchReexec = prev }()
	benchReexec = func(kind string) ([]string, error) {
		return []string{os.Args[0], "-test.run=^TestBenchChildHelper$", "--", "bench", kind}, nil
	}
	for _, kind := range []string{"train", "generate"} {
		var buf bytes.Buffer
		cfg := bench.DefaultTrainConfig()
		if kind == "generate" {
			cfg = bench.DefaultGenerateConfig()
		}
		err := runBenchModel(&buf, cfg, []string{"-configs", "T", "-threads", "1", "-batches", "2",
			"-prompt-len", "4", "-new-tokens", "8", "-min-time", "1ms", "-min-reps", "1", "-format", "tsv"})
		if err != nil {
			t.Fatal(err)
		}
		checkIsolated(t, buf.String(), kind)
	}
}

// checkIsolated checks the TSV output of an isolated run of one
// measurement of config T, batch 2.
func checkIsolated(t *testing.T, out, kind string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "# bench "+kind+" ") || !strings.HasSuffix(lines[0], "isolate=true") ||
		lines[1] != bench.TSVHeader {
		t.Fatalf("%s: want comment (isolate=true), header and one row, got\n%s", kind, out)
	}
	r, err := bench.ParseResult(lines[2])
	if err != nil {
		t.Fatal(err)
	}
	seq := 2 * 64 // T's MaxSeqLen ...
	if kind == "generate" {
		seq = 2 * 8 // ... or the new tokens
	}
	if r.Kind != kind || r.Config != "T" || r.Threads != 1 || r.Batch*r.Seq != seq || !(r.TokPerS > 0) || !(r.ExpectMB > 0) ||
		!(r.GFLOPS+r.WeightGB > 0) || (runtime.GOOS == "linux" && !(r.RSSMB > 0)) {
		t.Errorf("bad %s result %+v", kind, r)
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
	checkIsolated(t, string(out), "generate")
}
