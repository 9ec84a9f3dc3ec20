package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os/exec"
	"runtime"
	"strings"

	"github.com/rltrain/rltrain/asm"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/tensor"
)

// RunModel runs the measurements of cfg (of kind cfg.Kind) and prints them
// to w: a table, or with Format "tsv" a comment line, TSVHeader and one
// Result.TSV line per measurement. With One set it runs that single
// measurement here and prints only its TSV line.
//
// With Isolate (and One empty), each measurement runs in a fresh process:
// reexec is its command line, the program and the arguments that select
// the benchmark, e.g. {"/usr/bin/rltrain", "bench", "train"}. RunModel
// appends the measurement's flags — -one CONFIG,THREADS,BATCH, -seq,
// -prompt-len, -new-tokens, -greedy, -min-time, -min-reps and -seed, the
// kebab-case names of ModelConfig's fields — and reads the line starting
// with cfg.Kind and a tab from the child's output: the command must bind
// those flags onto a ModelConfig of the same Kind and call RunModel. reexec
// is not used without Isolate.
func RunModel(w io.Writer, cfg ModelConfig, reexec []string) error {
	kind := cfg.Kind
	cases, err := cfg.cases()
	if err != nil {
		return err
	}
	if cfg.One != "" {
		r, err := measureModel(kind, cases[0], cfg)
		if err != nil {
			return err
		}
		fmt.Fprintln(w, r.TSV())
		return nil
	}
	if cfg.Isolate && len(reexec) == 0 {
		return errors.New("bench: Isolate needs the command that runs one measurement in a child process")
	}
	tsv := cfg.Format == "tsv"
	if tsv {
		fmt.Fprintf(w, "# bench %s path=%s cpu=%q isolate=%v\n", kind, asm.Path(), asm.CPUName(), cfg.Isolate)
		fmt.Fprintln(w, TSVHeader)
	} else {
		fmt.Fprintf(w, "rltrain bench %s — kernels %s on %s; %s\n", kind, asm.Path(), asm.CPUName(), isolationNote(cfg.Isolate))
		if kind == KindTrain {
			fmt.Fprintln(w, "one step = Score(grad) + Backward of the LM loss + grad clip + AdamW over batch × seq random tokens")
		} else {
			fmt.Fprintf(w, "batch random prompts of %d tokens, %d new tokens each (%s, no stop tokens); tok/s counts new tokens, prefill timed\n",
				cfg.PromptLen, cfg.NewTokens, map[bool]string{true: "greedy", false: "sampling T=1"}[cfg.Greedy])
		}
		shape, rate := "batch×seq", "GFLOP/s"
		if kind == KindGenerate {
			shape, rate = "batch×new", "weight GB/s"
		}
		fmt.Fprintf(w, "%-6s %3s %10s %12s %12s %13s %12s %6s\n", "config", "thr", shape, "tok/s", rate, "peak RSS MB", "expected MB", "ratio")
	}
	for _, bc := range cases {
		var r Result
		if cfg.Isolate {
			r, err = measureInChild(reexec, bc, cfg)
		} else {
			r, err = measureModel(kind, bc, cfg)
		}
		if err != nil {
			return err
		}
		if tsv {
			fmt.Fprintln(w, r.TSV())
			continue
		}
		ratio := "n/a"
		if r.RSSMB > 0 && r.ExpectMB > 0 {
			ratio = fmt.Sprintf("%.2f", r.RSSMB/r.ExpectMB)
		}
		fmt.Fprintf(w, "%-6s %3d %10s %12.1f %12.1f %13.1f %12.1f %6s\n", r.Config, r.Threads,
			fmt.Sprintf("%d×%d", r.Batch, r.Seq), r.TokPerS, r.GFLOPS+r.WeightGB, r.RSSMB, r.ExpectMB, ratio)
	}
	return nil
}

func isolationNote(isolate bool) string {
	if isolate {
		return "each row a fresh process (peak RSS = its VmHWM)"
	}
	return "all rows in this process (peak RSS is the running peak)"
}

// measureInChild runs one measurement in a fresh process of reexec.
func measureInChild(reexec []string, bc benchCase, cfg ModelConfig) (Result, error) {
	kind := cfg.Kind
	args := append(append([]string(nil), reexec[1:]...), cfg.childArgs(bc)...)
	cmd := exec.Command(reexec[0], args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return Result{}, fmt.Errorf("bench %s: child %s %s: %w: %s", kind, reexec[0], strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), kind+"\t") {
			return ParseResult(sc.Text())
		}
	}
	return Result{}, fmt.Errorf("bench %s: child %s printed no result line: %q", kind, strings.Join(args, " "), stdout.String())
}

// measureModel runs one measurement in this process.
func measureModel(kind string, bc benchCase, cfg ModelConfig) (Result, error) {
	prevProcs := runtime.GOMAXPROCS(bc.threads)
	defer runtime.GOMAXPROCS(prevProcs)
	defer tensor.SetThreads(tensor.SetThreads(bc.threads))
	m, err := nn.NewModel(bc.cfg)
	if err != nil {
		return Result{}, err
	}
	m.InitRandom(rand.New(rand.NewPCG(cfg.Seed, 0)))
	rng := rand.New(rand.NewPCG(cfg.Seed, 1))
	r := Result{Kind: kind, Config: bc.name, Threads: bc.threads, Batch: bc.batch}
	switch kind {
	case KindTrain:
		seq := cfg.seq(bc.cfg)
		r.Seq = seq
		seqs := make([]nn.Seq, bc.batch)
		for i := range seqs {
			seqs[i] = nn.Seq{Tokens: RandomTokens(rng, seq, bc.cfg.VocabSize), Start: 1}
		}
		tr := NewLMTrainer(m, seqs)
		secs, reps := TimeReps(tr.Step, cfg.MinTime, cfg.MinReps)
		r.TokPerS = float64(bc.batch*seq*reps) / secs
		r.ExpectMB = float64(bc.cfg.TrainMemoryBytes(bc.batch, seq)) / (1 << 20)
	case KindGenerate:
		r.Seq = cfg.NewTokens
		prompts := make([][]int32, bc.batch)
		for i := range prompts {
			prompts[i] = RandomTokens(rng, cfg.PromptLen, bc.cfg.VocabSize)
		}
		g := nn.NewGenerator(m, bc.batch, cfg.PromptLen+cfg.NewTokens)
		sc := nn.SampleConfig{Temperature: 1, MaxNewTokens: cfg.NewTokens, Greedy: cfg.Greedy}
		call := 0
		var genErr error
		secs, reps := TimeReps(func() {
			call++
			comps, err := g.Generate(prompts, sc, rand.New(rand.NewPCG(cfg.Seed, uint64(call)+2)))
			if err != nil {
				genErr = err
				return
			}
			for i, c := range comps {
				if len(c.Tokens) != cfg.NewTokens && genErr == nil {
					genErr = fmt.Errorf("bench generate: row %d got %d tokens, want %d", i, len(c.Tokens), cfg.NewTokens)
				}
			}
		}, cfg.MinTime, cfg.MinReps)
		if genErr != nil {
			return r, genErr
		}
		r.TokPerS = float64(bc.batch*cfg.NewTokens*reps) / secs
		r.ExpectMB = float64(bc.cfg.GenerateMemoryBytes(bc.batch, cfg.PromptLen+cfg.NewTokens, bc.threads)) / (1 << 20)
	default:
		return r, fmt.Errorf("bench: unknown kind %q", kind)
	}
	r.RSSMB = float64(peakRSS()) / (1 << 20)
	r.setRates(bc.cfg)
	return r, nil
}
