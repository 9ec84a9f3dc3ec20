package main

// Model-level benchmarks: `rltrain bench train`, `rltrain bench generate`
// (the transformer issue's speed and memory goals) and `rltrain bench grpo`
// (one GRPO step split into its phases, compared with the standalone parts).
// scripts/bench-model-compare.sh runs the first two beside the PyTorch and C
// peers in bench/torch and bench/c.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rltrain/rltrain/asm"
	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/tensor"
	"github.com/rltrain/rltrain/tokenizer"
)

func init() {
	register("bench train", "training step (fwd+bwd+AdamW) tok/s and peak RSS, configs S/M, 1 and 2 threads", runBenchTrain)
	register("bench generate", "KV-cache generation tok/s (batch 16 and 1) and peak RSS, configs S/M", runBenchGenerate)
	register("bench grpo", "one GRPO step's rollout/score/train split vs. the standalone generate and train", runBenchGRPO)
}

// benchModelConfigs are the model configurations the benchmarks know: S and
// M of the issues, and T, a tiny one for smoke tests.
func benchModelConfig(name string) (nn.Config, bool) {
	switch strings.ToUpper(name) {
	case "S":
		return nn.ConfigS(), true
	case "M":
		return nn.ConfigM(), true
	case "T":
		return nn.Config{VocabSize: 64, Dim: 32, NLayers: 2, NHeads: 2, NKVHeads: 2, FFNDim: 64,
			MaxSeqLen: 64, RopeTheta: 10000, NormEps: 1e-5, TieEmbeddings: true}, true
	}
	return nn.Config{}, false
}

// defaultTrainBatch is the training batch (sequences of MaxSeqLen tokens)
// per configuration: 8×256 for S, 4×512 for M.
func defaultTrainBatch(name string) int {
	switch strings.ToUpper(name) {
	case "M":
		return 4
	case "T":
		return 2
	}
	return 8
}

// BenchModelConfig configures `rltrain bench train` and `rltrain bench
// generate`.
type BenchModelConfig struct {
	// Kind is what is measured, "train" or "generate"; set by the command
	// (DefaultBenchTrainConfig / DefaultBenchGenerateConfig), not a flag.
	Kind string
	// Configs is a comma-separated list of model configurations: S, M (the
	// issue's) or T (tiny, for smoke tests). Default "S,M".
	Configs string
	// Threads is a comma-separated list of worker counts (tensor.SetThreads
	// and GOMAXPROCS of the measuring process). Default "1,2"; each ≥ 1.
	Threads string
	// Batches is a comma-separated list of batch sizes. Training: sequences
	// per step, empty = 8 for S, 4 for M, 2 for T. Generation: prompts
	// decoded together, default "16,1". Each ≥ 1.
	Batches string
	// Seq is the training sequence length (tokens per sequence); 0 means the
	// config's MaxSeqLen (256 for S, 512 for M). Range 0 or [2, MaxSeqLen].
	Seq int
	// PromptLen is the length of each random generation prompt (default 32,
	// ≥ 1); the prefill is inside the timing.
	PromptLen int
	// NewTokens is the number of tokens generated per prompt (default 128,
	// ≥ 1); there are no stop tokens, so every row generates all of them.
	// PromptLen+NewTokens must fit in MaxSeqLen.
	NewTokens int
	// Greedy decodes by argmax instead of sampling at temperature 1
	// (default false).
	Greedy bool
	// MinTime: each measurement repeats its unit (one step, one Generate
	// call) until at least this long has passed (default 2s, > 0) …
	MinTime time.Duration
	// MinReps … and at least this many times (default 2, ≥ 1), after one
	// untimed warm-up repetition.
	MinReps int
	// Isolate runs every measurement in a fresh child process of this
	// binary so that its peak RSS is its own (default true). Off, all run
	// in this process and the peak RSS column is the process's running peak.
	Isolate bool
	// Format is "text" (a table) or "tsv" (one line per measurement, read by
	// scripts/bench-model-compare.sh). Default "text".
	Format string
	// Seed seeds the random weights and tokens (default 1).
	Seed uint64
	// One is internal: "CONFIG,THREADS,BATCH" runs that single measurement
	// in this process and prints its TSV line (what Isolate's children do).
	One string
}

// DefaultBenchTrainConfig returns the documented defaults of `bench train`.
func DefaultBenchTrainConfig() BenchModelConfig {
	return BenchModelConfig{Kind: "train", Configs: "S,M", Threads: "1,2", PromptLen: 32, NewTokens: 128,
		MinTime: 2 * time.Second, MinReps: 2, Isolate: true, Format: "text", Seed: 1}
}

// DefaultBenchGenerateConfig returns the documented defaults of `bench
// generate`.
func DefaultBenchGenerateConfig() BenchModelConfig {
	c := DefaultBenchTrainConfig()
	c.Kind, c.Batches = "generate", "16,1"
	return c
}

// Validate checks the fields and says how to fix a bad one.
func (c BenchModelConfig) Validate() error {
	_, err := c.cases()
	return err
}

// benchCase is one measurement: a configuration, a thread count, a batch.
type benchCase struct {
	name    string
	cfg     nn.Config
	threads int
	batch   int
}

func parseInts(flagName, s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("-%s %q: want a comma-separated list of integers ≥ 1", flagName, s)
		}
		out = append(out, v)
	}
	return out, nil
}

// cases expands the lists into measurements, checking every field.
func (c BenchModelConfig) cases() ([]benchCase, error) {
	kind := c.Kind
	if kind != "train" && kind != "generate" {
		return nil, fmt.Errorf("bench: kind %q: want train or generate", kind)
	}
	if c.Format != "text" && c.Format != "tsv" {
		return nil, fmt.Errorf("-format %q: want text or tsv", c.Format)
	}
	if c.MinTime <= 0 {
		return nil, fmt.Errorf("-min-time %v: must be > 0 (e.g. 2s)", c.MinTime)
	}
	if c.MinReps < 1 {
		return nil, fmt.Errorf("-min-reps %d: must be ≥ 1", c.MinReps)
	}
	if c.PromptLen < 1 || c.NewTokens < 1 {
		return nil, fmt.Errorf("-prompt-len %d, -new-tokens %d: both must be ≥ 1", c.PromptLen, c.NewTokens)
	}
	names, threadStr, batchStr := c.Configs, c.Threads, c.Batches
	if c.One != "" {
		f := strings.Split(c.One, ",")
		if len(f) != 3 {
			return nil, fmt.Errorf("-one %q: want CONFIG,THREADS,BATCH (e.g. S,1,8)", c.One)
		}
		names, threadStr, batchStr = f[0], f[1], f[2]
	}
	threads, err := parseInts("threads", threadStr)
	if err != nil {
		return nil, err
	}
	var out []benchCase
	for _, n := range strings.Split(names, ",") {
		n = strings.ToUpper(strings.TrimSpace(n))
		mc, ok := benchModelConfig(n)
		if !ok {
			return nil, fmt.Errorf("-configs %q: unknown config %q (want S, M or T)", names, n)
		}
		bs := batchStr
		if bs == "" {
			bs = strconv.Itoa(defaultTrainBatch(n))
		}
		batches, err := parseInts("batches", bs)
		if err != nil {
			return nil, err
		}
		switch kind {
		case "train":
			if seq := c.seq(mc); seq < 2 || seq > mc.MaxSeqLen {
				return nil, fmt.Errorf("-seq %d: config %s needs 2 ≤ seq ≤ %d (0 = %d)", c.Seq, n, mc.MaxSeqLen, mc.MaxSeqLen)
			}
		case "generate":
			if c.PromptLen+c.NewTokens > mc.MaxSeqLen {
				return nil, fmt.Errorf("-prompt-len %d + -new-tokens %d exceed config %s's max sequence length %d", c.PromptLen, c.NewTokens, n, mc.MaxSeqLen)
			}
		}
		for _, b := range batches {
			for _, t := range threads {
				out = append(out, benchCase{name: n, cfg: mc, threads: t, batch: b})
			}
		}
	}
	return out, nil
}

func (c BenchModelConfig) seq(mc nn.Config) int {
	if c.Seq == 0 {
		return mc.MaxSeqLen
	}
	return c.Seq
}

// modelResult is one measured line.
type modelResult struct {
	kind     string // train or generate
	config   string
	threads  int
	batch    int
	seq      int     // train: tokens per sequence; generate: new tokens per row
	tokPerS  float64 // train: batch·seq per step; generate: generated tokens
	rssMB    float64 // peak RSS of the measuring process (0 unknown)
	expectMB float64 // params + grads + Adam moments + activations (train); weights + KV cache + scratch (generate)
	gflops   float64 // train: model GFLOP/s (tok/s · nn.Config.TrainFLOPsPerToken); generate: 0
	weightGB float64 // generate: weight traffic GB/s (decode steps/s · nn.Config.DecodeWeightBytes); train: 0
}

const modelTSVHeader = "kind\tconfig\tthreads\tbatch\tseq\ttok_s\tpeak_rss_mb\texpected_mb\tgflops\tweight_gbs"

func (r modelResult) tsv() string {
	return fmt.Sprintf("%s\t%s\t%d\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.2f\t%.2f", r.kind, r.config, r.threads, r.batch, r.seq,
		r.tokPerS, r.rssMB, r.expectMB, r.gflops, r.weightGB)
}

// modelRates fills the derived rates of r from its tokens/s: model GFLOP/s
// for training, weight GB/s for generation.
func (r *modelResult) modelRates(cfg nn.Config) {
	switch r.kind {
	case "train":
		r.gflops = r.tokPerS * cfg.TrainFLOPsPerToken(r.seq) / 1e9
	case "generate":
		r.weightGB = r.tokPerS / float64(r.batch) * cfg.DecodeWeightBytes() / 1e9
	}
}

func parseModelResult(line string) (modelResult, error) {
	f := strings.Split(strings.TrimSpace(line), "\t")
	if len(f) != 10 {
		return modelResult{}, fmt.Errorf("want 10 tab-separated fields, got %d in %q", len(f), line)
	}
	r := modelResult{kind: f[0], config: f[1]}
	var err error
	ints := []*int{&r.threads, &r.batch, &r.seq}
	for i, p := range ints {
		if *p, err = strconv.Atoi(f[2+i]); err != nil {
			return r, fmt.Errorf("field %d of %q: %w", 3+i, line, err)
		}
	}
	floats := []*float64{&r.tokPerS, &r.rssMB, &r.expectMB, &r.gflops, &r.weightGB}
	for i, p := range floats {
		if *p, err = strconv.ParseFloat(f[5+i], 64); err != nil {
			return r, fmt.Errorf("field %d of %q: %w", 6+i, line, err)
		}
	}
	return r, nil
}

func bindBenchModelFlags(c *BenchModelConfig, name string) *flag.FlagSet {
	fs := newFlagSet(name)
	fs.StringVar(&c.Configs, "configs", c.Configs, "comma-separated model configs: S, M, T (tiny)")
	fs.StringVar(&c.Threads, "threads", c.Threads, "comma-separated thread counts")
	fs.StringVar(&c.Batches, "batches", c.Batches, "comma-separated batch sizes (train: empty = 8 for S, 4 for M)")
	fs.IntVar(&c.Seq, "seq", c.Seq, "training sequence length (0 = the config's max)")
	fs.IntVar(&c.PromptLen, "prompt-len", c.PromptLen, "generation: random prompt tokens per row")
	fs.IntVar(&c.NewTokens, "new-tokens", c.NewTokens, "generation: new tokens per row (no stop tokens)")
	fs.BoolVar(&c.Greedy, "greedy", c.Greedy, "generation: argmax decoding instead of sampling at T=1")
	fs.DurationVar(&c.MinTime, "min-time", c.MinTime, "minimum timed duration of each measurement")
	fs.IntVar(&c.MinReps, "min-reps", c.MinReps, "minimum timed repetitions of each measurement (after one warm-up)")
	fs.BoolVar(&c.Isolate, "isolate", c.Isolate, "run each measurement in a fresh child process (own peak RSS)")
	fs.StringVar(&c.Format, "format", c.Format, "text or tsv")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "seed of the random weights and tokens")
	fs.StringVar(&c.One, "one", c.One, "internal: run the single measurement CONFIG,THREADS,BATCH here")
	return fs
}

func runBenchTrain(args []string) error {
	cfg := DefaultBenchTrainConfig()
	fs := bindBenchModelFlags(&cfg, "bench train")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return benchModel(os.Stdout, cfg)
}

func runBenchGenerate(args []string) error {
	cfg := DefaultBenchGenerateConfig()
	fs := bindBenchModelFlags(&cfg, "bench generate")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return benchModel(os.Stdout, cfg)
}

// benchModel runs the measurements of cfg.Kind and prints them.
func benchModel(w io.Writer, cfg BenchModelConfig) error {
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
		fmt.Fprintln(w, r.tsv())
		return nil
	}
	tsv := cfg.Format == "tsv"
	if tsv {
		fmt.Fprintf(w, "# bench %s path=%s cpu=%q isolate=%v\n", kind, asm.Path(), asm.CPUName(), cfg.Isolate)
		fmt.Fprintln(w, modelTSVHeader)
	} else {
		fmt.Fprintf(w, "rltrain bench %s — kernels %s on %s; %s\n", kind, asm.Path(), asm.CPUName(), isolationNote(cfg.Isolate))
		if kind == "train" {
			fmt.Fprintln(w, "one step = Score(grad) + Backward of the LM loss + grad clip + AdamW over batch × seq random tokens")
		} else {
			fmt.Fprintf(w, "batch random prompts of %d tokens, %d new tokens each (%s, no stop tokens); tok/s counts new tokens, prefill timed\n",
				cfg.PromptLen, cfg.NewTokens, map[bool]string{true: "greedy", false: "sampling T=1"}[cfg.Greedy])
		}
		shape := "batch×seq"
		if kind == "generate" {
			shape = "batch×new"
		}
		rate := "GFLOP/s"
		if kind == "generate" {
			rate = "weight GB/s"
		}
		fmt.Fprintf(w, "%-6s %3s %10s %12s %12s %13s %12s %6s\n", "config", "thr", shape, "tok/s", rate, "peak RSS MB", "expected MB", "ratio")
	}
	for _, bc := range cases {
		var r modelResult
		if cfg.Isolate {
			r, err = measureInChild(kind, bc, cfg)
		} else {
			r, err = measureModel(kind, bc, cfg)
		}
		if err != nil {
			return err
		}
		if tsv {
			fmt.Fprintln(w, r.tsv())
			continue
		}
		ratio := "n/a"
		if r.rssMB > 0 && r.expectMB > 0 {
			ratio = fmt.Sprintf("%.2f", r.rssMB/r.expectMB)
		}
		fmt.Fprintf(w, "%-6s %3d %10s %12.1f %12.1f %13.1f %12.1f %6s\n", r.config, r.threads,
			fmt.Sprintf("%d×%d", r.batch, r.seq), r.tokPerS, r.gflops+r.weightGB, r.rssMB, r.expectMB, ratio)
	}
	return nil
}

func isolationNote(isolate bool) string {
	if isolate {
		return "each row a fresh process (peak RSS = its VmHWM)"
	}
	return "all rows in this process (peak RSS is the running peak)"
}

// measureInChild runs one measurement in a fresh process of this binary.
func measureInChild(kind string, bc benchCase, cfg BenchModelConfig) (modelResult, error) {
	exe, err := os.Executable()
	if err != nil {
		return modelResult{}, fmt.Errorf("bench %s: finding this binary to run a child: %w", kind, err)
	}
	args := []string{"bench", kind, "-one", fmt.Sprintf("%s,%d,%d", bc.name, bc.threads, bc.batch),
		"-seq", strconv.Itoa(cfg.Seq), "-prompt-len", strconv.Itoa(cfg.PromptLen), "-new-tokens", strconv.Itoa(cfg.NewTokens),
		"-greedy=" + strconv.FormatBool(cfg.Greedy), "-min-time", cfg.MinTime.String(), "-min-reps", strconv.Itoa(cfg.MinReps),
		"-seed", strconv.FormatUint(cfg.Seed, 10)}
	cmd := exec.Command(exe, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return modelResult{}, fmt.Errorf("bench %s: child %s %s: %w: %s", kind, exe, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), kind+"\t") {
			return parseModelResult(sc.Text())
		}
	}
	return modelResult{}, fmt.Errorf("bench %s: child %s printed no result line: %q", kind, strings.Join(args, " "), stdout.String())
}

// measureModel runs one measurement in this process.
func measureModel(kind string, bc benchCase, cfg BenchModelConfig) (modelResult, error) {
	prevProcs := runtime.GOMAXPROCS(bc.threads)
	defer runtime.GOMAXPROCS(prevProcs)
	defer tensor.SetThreads(tensor.SetThreads(bc.threads))
	m, err := nn.NewModel(bc.cfg)
	if err != nil {
		return modelResult{}, err
	}
	m.InitRandom(rand.New(rand.NewPCG(cfg.Seed, 0)))
	rng := rand.New(rand.NewPCG(cfg.Seed, 1))
	r := modelResult{kind: kind, config: bc.name, threads: bc.threads, batch: bc.batch}
	switch kind {
	case "train":
		seq := cfg.seq(bc.cfg)
		r.seq = seq
		seqs := make([]nn.Seq, bc.batch)
		for i := range seqs {
			seqs[i] = nn.Seq{Tokens: randomTokens(rng, seq, bc.cfg.VocabSize), Start: 1}
		}
		tr := newLMTrainer(m, seqs)
		secs, reps := timeReps(tr.step, cfg.MinTime, cfg.MinReps)
		r.tokPerS = float64(bc.batch*seq*reps) / secs
		r.expectMB = float64(trainBytes(bc.cfg, bc.batch, seq)) / (1 << 20)
	case "generate":
		r.seq = cfg.NewTokens
		prompts := make([][]int32, bc.batch)
		for i := range prompts {
			prompts[i] = randomTokens(rng, cfg.PromptLen, bc.cfg.VocabSize)
		}
		g := nn.NewGenerator(m, bc.batch, cfg.PromptLen+cfg.NewTokens)
		sc := nn.SampleConfig{Temperature: 1, MaxNewTokens: cfg.NewTokens, Greedy: cfg.Greedy}
		call := 0
		var genErr error
		secs, reps := timeReps(func() {
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
		r.tokPerS = float64(bc.batch*cfg.NewTokens*reps) / secs
		r.expectMB = float64(generateBytes(bc.cfg, bc.batch, cfg.PromptLen+cfg.NewTokens, bc.threads)) / (1 << 20)
	default:
		return r, fmt.Errorf("bench: unknown kind %q", kind)
	}
	r.rssMB = float64(peakRSS()) / (1 << 20)
	r.modelRates(bc.cfg)
	return r, nil
}

func randomTokens(rng *rand.Rand, n, vocab int) []int32 {
	t := make([]int32, n)
	for i := range t {
		t[i] = int32(rng.IntN(vocab))
	}
	return t
}

// timeReps calls f once untimed, then repeatedly until both minTime and
// minReps are reached; it returns the timed seconds and repetitions.
func timeReps(f func(), minTime time.Duration, minReps int) (float64, int) {
	f()
	start := time.Now()
	reps := 0
	for reps < minReps || time.Since(start) < minTime {
		f()
		reps++
	}
	return time.Since(start).Seconds(), reps
}

// lmTrainer is the plain LM training step the train benchmark times: next-
// token loss averaged over the scored tokens, Backward, clip to norm 1,
// AdamW at its default settings.
type lmTrainer struct {
	m    *nn.Model
	opt  *nn.AdamW
	seqs []nn.Seq
	dlp  [][]float32
	mb   int // sequences per Score/Backward pass (micro-batch)
}

func newLMTrainer(m *nn.Model, seqs []nn.Seq) *lmTrainer {
	return newLMTrainerMicro(m, seqs, len(seqs))
}

// newLMTrainerMicro is newLMTrainer with the gradients of micro-batches of
// mb sequences summed before the optimiser step (as rl.Trainer does).
func newLMTrainerMicro(m *nn.Model, seqs []nn.Seq, mb int) *lmTrainer {
	t := &lmTrainer{m: m, opt: nn.NewAdamW(nn.DefaultAdamWConfig(), m), seqs: seqs, mb: max(1, mb)}
	n := 0
	for _, s := range seqs {
		n += len(s.Tokens) - s.Start
	}
	t.dlp = make([][]float32, len(seqs))
	for i, s := range seqs {
		t.dlp[i] = make([]float32, len(s.Tokens)-s.Start)
		for j := range t.dlp[i] {
			t.dlp[i][j] = -1 / float32(n)
		}
	}
	return t
}

func (t *lmTrainer) step() {
	t.m.ZeroGrad()
	for lo := 0; lo < len(t.seqs); lo += t.mb {
		hi := min(lo+t.mb, len(t.seqs))
		t.m.Score(t.seqs[lo:hi], nn.ScoreOptions{Grad: true})
		t.m.Backward(t.dlp[lo:hi], nil, nil)
	}
	nn.ClipGradNorm(t.m.G.Data, 1)
	t.opt.Update(t.m, t.opt.Cfg.LR)
}

// paramCount is the number of parameters of cfg.
func paramCount(cfg nn.Config) int64 {
	C, F, V, L := int64(cfg.Dim), int64(cfg.FFNDim), int64(cfg.VocabSize), int64(cfg.NLayers)
	q := int64(cfg.NHeads * cfg.HeadSize())
	kv := int64(cfg.NKVHeads * cfg.HeadSize())
	per := 2*C + q*C + 2*kv*C + C*q + 3*F*C
	if cfg.QKVBias {
		per += q + 2*kv
	}
	n := V*C + L*per + C
	if !cfg.TieEmbeddings {
		n += V * C
	}
	if cfg.ValueHead {
		n += C + 1
	}
	return n
}

// trainBytes estimates the memory of a training step from the config alone:
// parameters, gradients and the two AdamW moments (4 × params), and the
// activations kept for the backward pass of batch × (seq−1) rows — per
// layer its input residual, both norms' outputs, q, k, v, the attention
// log-sum-exp and output, the mid residual, gate|up and the SwiGLU output —
// plus the shared backward scratch and one chunk of LM-head logits.
func trainBytes(cfg nn.Config, batch, seq int) int64 {
	C, F, V, L := int64(cfg.Dim), int64(cfg.FFNDim), int64(cfg.VocabSize), int64(cfg.NLayers)
	q := int64(cfg.NHeads * cfg.HeadSize())
	kv := int64(cfg.NKVHeads * cfg.HeadSize())
	n := int64(batch * (seq - 1))
	perLayer := C /*res*/ + C /*ln1*/ + 1 + q + 2*kv + int64(cfg.NHeads) + q /*atty*/ + C /*x2*/ + C /*ln2*/ + 1 + 3*F
	acts := n * (L*perLayer + C /*final res*/ + 2*C + 1 /*head gather+norm*/)
	scratch := n * (3*C + 3*F + 3*q + 4*kv) // dres, dxf, dln, dgu, dh, datty, dq, dk, dv, qkv
	logits := min(n, max(1, (1<<20)/V)) * V
	return 4 * (4*paramCount(cfg) + acts + scratch + logits)
}

// generateBytes estimates the memory of batched generation: the weights and
// the generator's packed copy of the matrices (2 × params), the KV cache
// (2 · layers · batch · maxLen · kv width) and one step's activations for
// max(batch, 256) rows (the prefill chunk) plus the logits of batch rows.
func generateBytes(cfg nn.Config, batch, maxLen, threads int) int64 {
	C, F, V, L := int64(cfg.Dim), int64(cfg.FFNDim), int64(cfg.VocabSize), int64(cfg.NLayers)
	q := int64(cfg.NHeads * cfg.HeadSize())
	kv := int64(cfg.NKVHeads * cfg.HeadSize())
	rows := int64(max(batch, 256))
	kvCache := 2 * L * int64(batch) * int64(maxLen) * kv
	acts := rows*(2*C+q+2*kv+q+3*F) + int64(batch)*(C+V) + int64(threads)*int64(maxLen)
	return 4 * (2*paramCount(cfg) + kvCache + acts)
}

// peakRSS is this process's peak resident set size in bytes (VmHWM from
// /proc/self/status), or 0 where that file does not exist.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				if err == nil {
					return kb << 10
				}
			}
		}
	}
	return 0
}

// BenchGRPOConfig configures `rltrain bench grpo`.
type BenchGRPOConfig struct {
	// Model is the model configuration: S (the issue's) or T (tiny, for
	// smoke tests). Its vocabulary is the BPE tokenizer's. Default "S".
	Model string
	// Vocab is the BPE vocabulary asked for when training the tokenizer on
	// the countdown demonstrations, and the model's vocabulary size (the
	// tokenizer may learn fewer tokens; the rest are padding ids). Default
	// 512, ≥ 260.
	Vocab int
	// Threads is a comma-separated list of worker counts, one full run each
	// (default "1,2").
	Threads string
	// Prompts P per step (default 16, ≥ 1).
	Prompts int
	// Group G completions per prompt (default 8, ≥ 2).
	Group int
	// MaxCompletion caps each completion (default 128, ≥ 1).
	MaxCompletion int
	// MicroBatch is the sequences per forward/backward pass of the train
	// phase (rl.TrainConfig.MicroBatch; default 64, ≥ 1).
	MicroBatch int
	// Warmup steps run untimed first (default 1, ≥ 0): they allocate the
	// generator and activation buffers.
	Warmup int
	// Steps are timed; each phase reports its median (default 2, ≥ 1).
	Steps int
	// ForceLength samples past the end-of-text token (rl.TrainConfig.IgnoreEOS),
	// so that every row generates exactly MaxCompletion tokens (default true).
	ForceLength bool
	// Format is "text" or "tsv" (default "text").
	Format string
	// Seed seeds the data, the tokenizer corpus, the weights and sampling
	// (default 1).
	Seed uint64
}

// DefaultBenchGRPOConfig returns the documented defaults.
func DefaultBenchGRPOConfig() BenchGRPOConfig {
	return BenchGRPOConfig{Model: "S", Vocab: 512, Threads: "1,2", Prompts: 16, Group: 8, MaxCompletion: 128,
		MicroBatch: 64, Warmup: 1, Steps: 2, ForceLength: true, Format: "text", Seed: 1}
}

// Validate checks the fields and says how to fix a bad one.
func (c BenchGRPOConfig) Validate() error {
	var errs []error
	mc, ok := benchModelConfig(c.Model)
	if !ok {
		errs = append(errs, fmt.Errorf("-model %q: want S or T", c.Model))
	}
	if _, err := parseInts("threads", c.Threads); err != nil {
		errs = append(errs, err)
	}
	if c.Vocab < 256+len(tokenizer.DefaultSpecials()) {
		errs = append(errs, fmt.Errorf("-vocab %d: must be ≥ %d (bytes and special tokens)", c.Vocab, 256+len(tokenizer.DefaultSpecials())))
	}
	if c.Prompts < 1 || c.Group < 2 || c.MaxCompletion < 1 || c.MicroBatch < 1 || c.Steps < 1 || c.Warmup < 0 {
		errs = append(errs, fmt.Errorf("-prompts %d, -group %d, -max-completion %d, -micro-batch %d, -steps %d, -warmup %d: need prompts ≥ 1, group ≥ 2, max-completion ≥ 1, micro-batch ≥ 1, steps ≥ 1, warmup ≥ 0",
			c.Prompts, c.Group, c.MaxCompletion, c.MicroBatch, c.Steps, c.Warmup))
	}
	if ok && c.MaxCompletion >= mc.MaxSeqLen {
		errs = append(errs, fmt.Errorf("-max-completion %d leaves no room for a prompt in config %s's %d positions", c.MaxCompletion, c.Model, mc.MaxSeqLen))
	}
	if c.Format != "text" && c.Format != "tsv" {
		errs = append(errs, fmt.Errorf("-format %q: want text or tsv", c.Format))
	}
	return errors.Join(errs...)
}

func runBenchGRPO(args []string) error {
	cfg := DefaultBenchGRPOConfig()
	fs := newFlagSet("bench grpo")
	fs.StringVar(&cfg.Model, "model", cfg.Model, "model config: S or T (tiny)")
	fs.IntVar(&cfg.Vocab, "vocab", cfg.Vocab, "BPE vocabulary trained on countdown demonstrations")
	fs.StringVar(&cfg.Threads, "threads", cfg.Threads, "comma-separated thread counts")
	fs.IntVar(&cfg.Prompts, "prompts", cfg.Prompts, "prompts P per step")
	fs.IntVar(&cfg.Group, "group", cfg.Group, "completions G per prompt")
	fs.IntVar(&cfg.MaxCompletion, "max-completion", cfg.MaxCompletion, "completion cap (tokens)")
	fs.IntVar(&cfg.MicroBatch, "micro-batch", cfg.MicroBatch, "sequences per forward/backward pass")
	fs.IntVar(&cfg.Warmup, "warmup", cfg.Warmup, "untimed steps first")
	fs.IntVar(&cfg.Steps, "steps", cfg.Steps, "timed steps (median per phase)")
	fs.BoolVar(&cfg.ForceLength, "force-length", cfg.ForceLength, "make end-of-text unsampleable so every row generates max-completion tokens")
	fs.StringVar(&cfg.Format, "format", cfg.Format, "text or tsv")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of data, tokenizer corpus, weights and sampling")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	return benchGRPO(context.Background(), os.Stdout, cfg)
}

// grpoPhase is one phase's median time and token rate.
type grpoPhase struct {
	secs, tokens float64
}

func (p grpoPhase) rate() float64 {
	if p.secs <= 0 {
		return 0
	}
	return p.tokens / p.secs
}

// grpoResult is what bench grpo measured at one thread count.
type grpoResult struct {
	threads                int
	rollout, score, train  grpoPhase
	step                   float64 // median total step wall time
	meanLen                float64 // mean completion length
	soloGen, soloTrain     float64 // tok/s of the same shapes outside the trainer
	benchGen16, benchTrain float64 // tok/s of the bench generate (b16) and bench train shapes
}

func benchGRPO(ctx context.Context, w io.Writer, cfg BenchGRPOConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	threads, _ := parseInts("threads", cfg.Threads)
	mc, _ := benchModelConfig(cfg.Model)
	name := strings.ToUpper(cfg.Model)

	exs, err := data.Generate("countdown", 2000, cfg.Seed, data.DefaultGenConfig())
	if err != nil {
		return fmt.Errorf("bench grpo: countdown data: %w", err)
	}
	texts := make([]string, len(exs))
	for i, ex := range exs {
		texts[i] = rl.PromptText(ex.Prompt) + ex.Solution
	}
	tcfg := tokenizer.DefaultTrainConfig()
	tcfg.VocabSize = cfg.Vocab
	tok, err := tokenizer.Train(texts, tcfg)
	if err != nil {
		return fmt.Errorf("bench grpo: tokenizer: %w", err)
	}
	eos, ok := tok.SpecialID(tokenizer.EndOfText)
	if !ok {
		return fmt.Errorf("bench grpo: tokenizer has no %s token", tokenizer.EndOfText)
	}
	// Countdown text has few distinct words, so BPE runs out of pairs to
	// merge (≈300 tokens); the model keeps Vocab ids, the unused ones
	// padding (as Qwen pads its vocabulary), so the LM head costs what the
	// S config's does. Decode turns the padding ids into U+FFFD.
	mc.VocabSize = max(tok.VocabSize(), cfg.Vocab)
	reward, err := rewards.ForTask("countdown")
	if err != nil {
		return fmt.Errorf("bench grpo: %w", err)
	}

	tsv := cfg.Format == "tsv"
	if tsv {
		fmt.Fprintf(w, "# bench grpo path=%s cpu=%q model=%s vocab=%d P=%d G=%d max_completion=%d\n", asm.Path(), asm.CPUName(), name, mc.VocabSize, cfg.Prompts, cfg.Group, cfg.MaxCompletion)
		fmt.Fprintln(w, "threads\tstep_s\trollout_s\tscore_s\ttrain_s\trollout_tok_s\tscore_tok_s\ttrain_tok_s\tmean_len\tsolo_gen_tok_s\tsolo_train_tok_s\tbench_gen16_tok_s\tbench_train_tok_s")
	} else {
		fmt.Fprintf(w, "rltrain bench grpo — kernels %s on %s\n", asm.Path(), asm.CPUName())
		fmt.Fprintf(w, "config %s (vocab %d; BPE of %d tokens on countdown demos), random init, P=%d prompts × G=%d, max completion %d, T=1, force-length=%v; %d warm-up + median of %d steps\n",
			name, mc.VocabSize, tok.VocabSize(), cfg.Prompts, cfg.Group, cfg.MaxCompletion, cfg.ForceLength, cfg.Warmup, cfg.Steps)
	}
	for _, t := range threads {
		r, err := benchGRPOThreads(ctx, cfg, mc, tok, eos, reward, exs, t)
		if err != nil {
			return err
		}
		if tsv {
			fmt.Fprintf(w, "%d\t%.6f\t%.6f\t%.6f\t%.6f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\n", t, r.step,
				r.rollout.secs, r.score.secs, r.train.secs, r.rollout.rate(), r.score.rate(), r.train.rate(), r.meanLen,
				r.soloGen, r.soloTrain, r.benchGen16, r.benchTrain)
			continue
		}
		fmt.Fprintf(w, "\nthreads %d: step %.2fs, mean completion %.1f tokens\n", t, r.step, r.meanLen)
		fmt.Fprintf(w, "  %-8s %8s %6s %12s   %s\n", "phase", "wall s", "share", "tok/s", "vs. standalone (same shape; bench shape)")
		share := func(p grpoPhase) float64 { return 100 * p.secs / r.step }
		fmt.Fprintf(w, "  %-8s %8.2f %5.1f%% %12.1f   %s\n", "rollout", r.rollout.secs, share(r.rollout), r.rollout.rate(),
			phaseVerdict(r.rollout.rate(), r.soloGen, r.benchGen16, "generate b16"))
		fmt.Fprintf(w, "  %-8s %8.3f %5.1f%% %12.1f   (rewards on generated tokens)\n", "score", r.score.secs, share(r.score), r.score.rate())
		fmt.Fprintf(w, "  %-8s %8.2f %5.1f%% %12.1f   %s\n", "train", r.train.secs, share(r.train), r.train.rate(),
			phaseVerdict(r.train.rate(), r.soloTrain, r.benchTrain, fmt.Sprintf("train %d×%d", defaultTrainBatch(name), mc.MaxSeqLen)))
	}
	return nil
}

// phaseVerdict compares a phase's rate with the standalone rates; the goal
// is within 20% (ratio ≥ 0.8) of the same-shape standalone part.
func phaseVerdict(rate, solo, bench float64, benchName string) string {
	ok := "ok"
	if rate < 0.8*solo {
		ok = "SLOWER than the 20% goal"
	}
	return fmt.Sprintf("%.2f× of %.1f (%s); %.2f× of bench %s %.1f", rate/solo, solo, ok, rate/bench, benchName, bench)
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func benchGRPOThreads(ctx context.Context, cfg BenchGRPOConfig, mc nn.Config, tok *tokenizer.Tokenizer, eos int32,
	reward *rewards.Weighted, exs []data.Example, threads int) (grpoResult, error) {
	prevProcs := runtime.GOMAXPROCS(threads)
	defer runtime.GOMAXPROCS(prevProcs)
	defer tensor.SetThreads(tensor.SetThreads(threads))
	res := grpoResult{threads: threads}

	m, err := nn.NewModel(mc)
	if err != nil {
		return res, err
	}
	m.InitRandom(rand.New(rand.NewPCG(cfg.Seed, 0)))
	pol := &rl.Policy{Model: m, Codec: tok, EOS: eos}
	algo, err := rl.Preset("grpo")
	if err != nil {
		return res, err
	}
	algo.GRPO.GroupSize = cfg.Group
	algo.GRPO.MaxCompletionLen = cfg.MaxCompletion
	tc := rl.DefaultTrainConfig()
	tc.Steps = cfg.Warmup + cfg.Steps
	tc.PromptsPerStep = cfg.Prompts
	tc.MicroBatch = cfg.MicroBatch
	tc.Temperature = 1
	tc.Seed = cfg.Seed
	tc.IgnoreEOS = cfg.ForceLength
	tr, err := rl.NewTrainer(tc, algo, pol, nil, reward, exs)
	if err != nil {
		return res, fmt.Errorf("bench grpo: %w", err)
	}
	var rollS, scoreS, trainS, stepS, genTok, trainTok, lens []float64
	var last *rl.Batch
	for i := 0; i < cfg.Warmup+cfg.Steps; i++ {
		t0 := time.Now()
		sr, err := tr.Step(ctx)
		if err != nil {
			return res, fmt.Errorf("bench grpo: %w", err)
		}
		wall := time.Since(t0).Seconds()
		if sr.Batch == nil || sr.Batch.Len() == 0 {
			return res, errors.New("bench grpo: the step produced no batch")
		}
		if i < cfg.Warmup {
			continue
		}
		b := sr.Batch
		last = b
		nTrain := 0
		for _, ep := range b.Episodes {
			tu := ep.Turns[0]
			nTrain += len(tu.Prompt) + len(tu.Completion)
		}
		stepS = append(stepS, wall)
		rollS = append(rollS, sr.Metrics["rollout_s"])
		scoreS = append(scoreS, sr.Metrics["score_s"])
		trainS = append(trainS, sr.Metrics["train_s"])
		genTok = append(genTok, float64(b.GenTokens))
		trainTok = append(trainTok, float64(nTrain))
		lens = append(lens, float64(b.GenTokens)/float64(b.Len()))
	}
	res.step = median(stepS)
	res.rollout = grpoPhase{median(rollS), median(genTok)}
	res.score = grpoPhase{median(scoreS), median(genTok)}
	res.train = grpoPhase{median(trainS), median(trainTok)}
	res.meanLen = median(lens)
	if cfg.ForceLength && res.meanLen != float64(cfg.MaxCompletion) {
		return res, fmt.Errorf("bench grpo: mean completion length %.1f with -force-length, want %d", res.meanLen, cfg.MaxCompletion)
	}

	// The same shapes outside the trainer: the last step's prompts decoded
	// to the same lengths with no stop token, and a plain LM step over its
	// sequences in the same micro-batches.
	prompts := make([][]int32, last.Len())
	seqs := make([]nn.Seq, last.Len())
	maxLen := 0
	for i, ep := range last.Episodes {
		tu := ep.Turns[0]
		prompts[i] = tu.Prompt
		toks := append(append([]int32(nil), tu.Prompt...), tu.Completion...)
		seqs[i] = nn.Seq{Tokens: toks, Start: len(tu.Prompt)}
		maxLen = max(maxLen, len(tu.Prompt)+cfg.MaxCompletion)
	}
	g := nn.NewGenerator(m, min(tc.MaxBatch, len(prompts)), maxLen)
	sc := nn.SampleConfig{Temperature: 1, MaxNewTokens: int(res.meanLen + 0.5)}
	call := uint64(0)
	secs, reps := timeReps(func() {
		call++
		_, err = g.Generate(prompts, sc, rand.New(rand.NewPCG(cfg.Seed, 100+call)))
	}, time.Nanosecond, 1)
	if err != nil {
		return res, fmt.Errorf("bench grpo: standalone generate: %w", err)
	}
	res.soloGen = float64(reps*len(prompts)*sc.MaxNewTokens) / secs
	lt := newLMTrainerMicro(m, seqs, cfg.MicroBatch)
	secs, reps = timeReps(lt.step, time.Nanosecond, 1)
	res.soloTrain = res.train.tokens * float64(reps) / secs

	// The bench generate (batch 16) and bench train shapes, random tokens.
	rng := rand.New(rand.NewPCG(cfg.Seed, 7))
	const promptLen = 32
	newTok := min(128, mc.MaxSeqLen-promptLen)
	bp := make([][]int32, 16)
	for i := range bp {
		bp[i] = randomTokens(rng, promptLen, mc.VocabSize)
	}
	g16 := nn.NewGenerator(m, 16, promptLen+newTok)
	sc16 := nn.SampleConfig{Temperature: 1, MaxNewTokens: newTok}
	secs, reps = timeReps(func() {
		call++
		_, err = g16.Generate(bp, sc16, rand.New(rand.NewPCG(cfg.Seed, 100+call)))
	}, time.Second, 2)
	if err != nil {
		return res, fmt.Errorf("bench grpo: generate b16: %w", err)
	}
	res.benchGen16 = float64(reps*16*newTok) / secs
	bs := make([]nn.Seq, defaultTrainBatch(cfg.Model))
	for i := range bs {
		bs[i] = nn.Seq{Tokens: randomTokens(rng, mc.MaxSeqLen, mc.VocabSize), Start: 1}
	}
	lt = newLMTrainer(m, bs)
	secs, reps = timeReps(lt.step, time.Second, 2)
	res.benchTrain = float64(reps*len(bs)*mc.MaxSeqLen) / secs
	debug.FreeOSMemory()
	return res, nil
}
