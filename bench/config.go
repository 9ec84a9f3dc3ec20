package bench

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rltrain/rltrain/nn"
)

// The kinds of model benchmark, ModelConfig.Kind.
const (
	KindTrain    = "train"    // training step: fwd+bwd+clip+AdamW
	KindGenerate = "generate" // KV-cache generation
)

// ModelByName returns the model configuration the benchmarks know by name
// (case-insensitive): S and M of the issues (nn.ConfigS, nn.ConfigM), and
// T, a tiny one for smoke tests.
func ModelByName(name string) (nn.Config, bool) {
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

// DefaultTrainBatch is the training batch (sequences of MaxSeqLen tokens)
// of the named configuration: 8×256 for S, 4×512 for M, 2×64 for T.
func DefaultTrainBatch(name string) int {
	switch strings.ToUpper(name) {
	case "M":
		return 4
	case "T":
		return 2
	}
	return 8
}

// ModelConfig configures the model benchmarks, `rltrain bench train` and
// `rltrain bench generate`. Every field but Kind is a flag of the same name
// in kebab-case (MinTime is -min-time).
type ModelConfig struct {
	// Kind is what is measured, KindTrain or KindGenerate; set by the command
	// (DefaultTrainConfig / DefaultGenerateConfig), not a flag.
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
	// Isolate runs every measurement in a fresh child process (the command
	// given to RunModel) so that its peak RSS is its own (default true). Off,
	// all run in this process and the peak RSS column is the process's
	// running peak.
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

// DefaultTrainConfig returns the documented defaults of `bench train`.
func DefaultTrainConfig() ModelConfig {
	return ModelConfig{Kind: KindTrain, Configs: "S,M", Threads: "1,2", PromptLen: 32, NewTokens: 128,
		MinTime: 2 * time.Second, MinReps: 2, Isolate: true, Format: "text", Seed: 1}
}

// DefaultGenerateConfig returns the documented defaults of `bench
// generate`.
func DefaultGenerateConfig() ModelConfig {
	c := DefaultTrainConfig()
	c.Kind, c.Batches = KindGenerate, "16,1"
	return c
}

// Validate checks the fields and says how to fix a bad one.
func (c ModelConfig) Validate() error {
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

// ParseInts parses s, a comma-separated list of integers ≥ 1; the error
// names the flag -flagName.
func ParseInts(flagName, s string) ([]int, error) {
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
func (c ModelConfig) cases() ([]benchCase, error) {
	kind := c.Kind
	if kind != KindTrain && kind != KindGenerate {
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
	threads, err := ParseInts("threads", threadStr)
	if err != nil {
		return nil, err
	}
	var out []benchCase
	for _, n := range strings.Split(names, ",") {
		n = strings.ToUpper(strings.TrimSpace(n))
		mc, ok := ModelByName(n)
		if !ok {
			return nil, fmt.Errorf("-configs %q: unknown config %q (want S, M or T)", names, n)
		}
		bs := batchStr
		if bs == "" {
			bs = strconv.Itoa(DefaultTrainBatch(n))
		}
		batches, err := ParseInts("batches", bs)
		if err != nil {
			return nil, err
		}
		switch kind {
		case KindTrain:
			if seq := c.seq(mc); seq < 2 || seq > mc.MaxSeqLen {
				return nil, fmt.Errorf("-seq %d: config %s needs 2 ≤ seq ≤ %d (0 = %d)", c.Seq, n, mc.MaxSeqLen, mc.MaxSeqLen)
			}
		case KindGenerate:
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

// seq is the training sequence length for model config mc.
func (c ModelConfig) seq(mc nn.Config) int {
	if c.Seq == 0 {
		return mc.MaxSeqLen
	}
	return c.Seq
}

// childArgs are the flags that make a child run measurement bc of c (the
// -one form), named as the CLI binds ModelConfig's fields.
func (c ModelConfig) childArgs(bc benchCase) []string {
	return []string{"-one", fmt.Sprintf("%s,%d,%d", bc.name, bc.threads, bc.batch),
		"-seq", strconv.Itoa(c.Seq), "-prompt-len", strconv.Itoa(c.PromptLen), "-new-tokens", strconv.Itoa(c.NewTokens),
		"-greedy=" + strconv.FormatBool(c.Greedy), "-min-time", c.MinTime.String(), "-min-reps", strconv.Itoa(c.MinReps),
		"-seed", strconv.FormatUint(c.Seed, 10)}
}
