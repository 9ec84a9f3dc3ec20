package bench

// `rltrain bench model --model-config config.json`: what a Hugging Face
// model layout costs here, with random weights in that exact layout (no
// download): the time to load it from a safetensors folder, and one GRPO
// step — G completions of one prompt sampled with the KV-cache generator,
// then the policy-gradient update over them (Score with gradients,
// Backward, gradient clipping, AdamW) — with the step's peak RSS, rollout
// tokens/s and train tokens/s.

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/rltrain/rltrain/asm"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/tensor"
)

// HFModelConfig configures `rltrain bench model`.
type HFModelConfig struct {
	// ModelConfig is the path of a Hugging Face config.json (Llama, Qwen2
	// or Qwen3 layout). Required.
	ModelConfig string
	// Group G is the completions sampled per prompt (default 4, ≥ 1).
	Group int
	// Completion is the tokens generated per completion; no stop token
	// ends them early (default 128, ≥ 1).
	Completion int
	// PromptLen is the random prompt's length in tokens (default 32, ≥ 1).
	PromptLen int
	// Warmup steps run untimed first (default 1, ≥ 0): they allocate the
	// generator, the activations and the AdamW moments.
	Warmup int
	// Steps are timed; the median is reported (default 1, ≥ 1).
	Steps int
	// Seed seeds the random weights, the prompt and sampling (default 1).
	Seed uint64
	// Trainer runs the step through rl.Trainer (the grpo preset on one
	// countdown prompt in a byte codec, so PromptLen is not used; the
	// countdown verifier scores): the real trainer's time and memory.
	// false runs the same work directly on nn (random prompt of
	// PromptLen tokens, ±1 advantages). Default true.
	Trainer bool
}

// DefaultHFModelConfig returns the documented defaults.
func DefaultHFModelConfig() HFModelConfig {
	return HFModelConfig{Group: 4, Completion: 128, PromptLen: 32, Warmup: 1, Steps: 1, Seed: 1, Trainer: true}
}

// Validate checks the fields and says how to fix a bad one.
func (c HFModelConfig) Validate() error {
	var errs []error
	if c.ModelConfig == "" {
		errs = append(errs, errors.New("--model-config: give the path of a Hugging Face config.json"))
	}
	if c.Group < 1 || c.Completion < 1 || c.PromptLen < 1 || c.Steps < 1 || c.Warmup < 0 {
		errs = append(errs, fmt.Errorf("--group %d, --completion %d, --prompt-len %d, --steps %d, --warmup %d: need group, completion, prompt-len, steps ≥ 1 and warmup ≥ 0",
			c.Group, c.Completion, c.PromptLen, c.Steps, c.Warmup))
	}
	return errors.Join(errs...)
}

// HFModelResult is what RunHFModel measures.
type HFModelResult struct {
	Config       nn.HFConfig
	Params       int64
	WriteSecs    float64 // writing the random model as a safetensors folder
	LoadSecs     float64 // nn.LoadModelHF of that folder
	LoadCPU      float64 // its CPU seconds
	FileMB       float64 // its model.safetensors
	StepSecs     float64 // one GRPO step (median over Steps)
	RolloutSecs  float64
	TrainSecs    float64
	RolloutCPU   float64 // CPU seconds (user + system, all threads) of the rollout
	TrainCPU     float64 // … and of the train phase: wall time on a busy machine overstates, these do not
	RolloutTokS  float64 // generated tokens / rollout seconds
	TrainTokS    float64 // tokens through Score+Backward (prompt + completion) / train seconds
	StepPeakMB   float64 // peak RSS during the steps (VmHWM, reset before them when the kernel allows)
	PeakReset    bool    // StepPeakMB covers the steps only (VmHWM was reset after loading)
	ProcPeakMB   float64 // peak RSS of the whole process
	ExpectMB     float64 // the cost model: training + generation memory
	Threads      int
	TrainTokens  int
	RolloutToken int
}

// CheckHFModel reads and checks the config.json cfg names against cfg's
// lengths: the errors of bad input, before anything runs.
func CheckHFModel(cfg HFModelConfig) (nn.HFConfig, error) {
	b, err := os.ReadFile(cfg.ModelConfig)
	if err != nil {
		return nn.HFConfig{}, fmt.Errorf("--model-config: %w", err)
	}
	hc, err := nn.ParseHFConfig(cfg.ModelConfig, b)
	if err != nil {
		return nn.HFConfig{}, fmt.Errorf("--model-config: %w", err)
	}
	if n := cfg.PromptLen + cfg.Completion; n > hc.MaxSeqLen {
		return nn.HFConfig{}, fmt.Errorf("--prompt-len %d + --completion %d exceed max_position_embeddings %d of %s", cfg.PromptLen, cfg.Completion, hc.MaxSeqLen, cfg.ModelConfig)
	}
	return hc, nil
}

// RunHFModel runs the benchmark and prints its report to w.
func RunHFModel(w io.Writer, cfg HFModelConfig) (HFModelResult, error) {
	var r HFModelResult
	hc, err := CheckHFModel(cfg)
	if err != nil {
		return r, err
	}
	mc := hc.Config
	seqLen := cfg.PromptLen + cfg.Completion
	r.Config, r.Params, r.Threads = hc, mc.ParamCount(), tensor.Threads()
	fmt.Fprintf(w, "rltrain bench model — %s (%s): %.1f M parameters, kernels %s on %s, %d threads\n",
		cfg.ModelConfig, hc.Architecture, float64(r.Params)/1e6, asm.Path(), asm.CPUName(), r.Threads)

	// Write random weights in the layout, then time loading them back.
	dir, err := os.MkdirTemp("", "rltrain-bench-model-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	t0 := time.Now()
	if err := writeRandomModel(dir, mc, cfg.Seed); err != nil {
		return r, err
	}
	r.WriteSecs = time.Since(t0).Seconds()
	if st, err := os.Stat(dir + "/" + nn.ModelFile); err == nil {
		r.FileMB = float64(st.Size()) / (1 << 20)
	}
	runtime.GC()
	debug.FreeOSMemory()
	t0, c0 := time.Now(), cpuSeconds()
	m, _, err := nn.LoadModelHF(dir)
	if err != nil {
		return r, err
	}
	r.LoadSecs, r.LoadCPU = time.Since(t0).Seconds(), cpuSeconds()-c0
	os.RemoveAll(dir)

	// The GRPO step.
	loadPeak := peakRSS()
	r.PeakReset = resetPeakRSS()
	var run func() (phaseTimes, error)
	var ts *trainerStep
	if cfg.Trainer {
		if ts, err = newTrainerStep(m, cfg); err != nil {
			return r, err
		}
		run = ts.run
	} else {
		run = newGRPOStep(m, cfg).run
	}
	var steps, rolls, trains, rollCPU, trainCPU []float64
	for i := 0; i < cfg.Warmup+cfg.Steps; i++ {
		ph, err := run()
		if err != nil {
			return r, err
		}
		if i >= cfg.Warmup {
			steps, rolls, trains = append(steps, ph.roll+ph.train), append(rolls, ph.roll), append(trains, ph.train)
			rollCPU, trainCPU = append(rollCPU, ph.rollCPU), append(trainCPU, ph.trainCPU)
		}
	}
	r.StepSecs, r.RolloutSecs, r.TrainSecs = Median(steps), Median(rolls), Median(trains)
	r.RolloutCPU, r.TrainCPU = Median(rollCPU), Median(trainCPU)
	r.RolloutToken, r.TrainTokens = cfg.Group*cfg.Completion, cfg.Group*seqLen
	if ts != nil {
		r.TrainTokens = ts.seqLens
	}
	r.RolloutTokS = float64(r.RolloutToken) / r.RolloutSecs
	r.TrainTokS = float64(r.TrainTokens) / r.TrainSecs
	r.StepPeakMB = float64(peakRSS()) / (1 << 20)
	r.ProcPeakMB = float64(max(loadPeak, peakRSS())) / (1 << 20)
	r.ExpectMB = float64(mc.TrainMemoryBytes(cfg.Group, seqLen)+mc.GenerateMemoryBytes(cfg.Group, seqLen, r.Threads)-
		4*mc.ParamCount()) / (1 << 20) // the weights are in both estimates once

	scope := "the steps only"
	if !r.PeakReset {
		scope = "the whole process: VmHWM could not be reset"
	}
	fmt.Fprintf(w, "write random safetensors  %.1f s (%.0f MB)\n", r.WriteSecs, r.FileMB)
	fmt.Fprintf(w, "load (nn.LoadModelHF)     %.2f s (%.1f CPU s)\n", r.LoadSecs, r.LoadCPU)
	if cfg.Trainer {
		fmt.Fprintf(w, "GRPO step through rl.Trainer: 1 countdown prompt (byte codec), G = %d completions of %d tokens, the trainer's update\n",
			cfg.Group, cfg.Completion)
	} else {
		fmt.Fprintf(w, "GRPO step on nn: 1 prompt of %d tokens, G = %d completions of %d tokens, Score+Backward+clip+AdamW over them\n",
			cfg.PromptLen, cfg.Group, cfg.Completion)
	}
	fmt.Fprintf(w, "  step                    %.1f s  (rollout %.1f s, train %.1f s; median of %d after %d warm-up)\n",
		r.StepSecs, r.RolloutSecs, r.TrainSecs, cfg.Steps, cfg.Warmup)
	fmt.Fprintf(w, "  rollout                 %.1f tok/s (%d new tokens; %.1f CPU s)\n", r.RolloutTokS, r.RolloutToken, r.RolloutCPU)
	fmt.Fprintf(w, "  train                   %.1f tok/s (%d tokens; %.1f CPU s)\n", r.TrainTokS, r.TrainTokens, r.TrainCPU)
	fmt.Fprintf(w, "  peak RSS                %.0f MB (%s); cost model %.0f MB; process peak %.0f MB\n",
		r.StepPeakMB, scope, r.ExpectMB, r.ProcPeakMB)
	return r, nil
}

// writeRandomModel writes a model of cfg with InitRandom weights to dir and
// lets it go before returning, so the timed load starts from disk alone.
func writeRandomModel(dir string, cfg nn.Config, seed uint64) error {
	m, err := nn.NewModel(cfg)
	if err != nil {
		return err
	}
	m.InitRandom(rand.New(rand.NewPCG(seed, 0)))
	return nn.SaveModel(dir, m)
}

// grpoStep is the work of one GRPO step on one prompt: sample G completions
// (temperature 1, no stop token), then a policy-gradient update with
// group-normalised advantages, as rl.Trainer's train phase runs it (one
// micro-batch, μ = 1, β = 0: no reference model).
type grpoStep struct {
	m      *nn.Model
	cfg    HFModelConfig
	gen    *nn.Generator
	opt    *nn.AdamW
	prompt []int32
	call   uint64
}

func newGRPOStep(m *nn.Model, cfg HFModelConfig) *grpoStep {
	rng := rand.New(rand.NewPCG(cfg.Seed, 1))
	return &grpoStep{m: m, cfg: cfg,
		gen:    nn.NewGenerator(m, cfg.Group, cfg.PromptLen+cfg.Completion),
		opt:    nn.NewAdamW(nn.DefaultAdamWConfig(), m),
		prompt: RandomTokens(rng, cfg.PromptLen, m.Cfg.VocabSize)}
}

// phaseTimes are one step's wall and CPU seconds per phase.
type phaseTimes struct{ roll, train, rollCPU, trainCPU float64 }

// run does one step and returns its times.
func (s *grpoStep) run() (ph phaseTimes, err error) {
	G := s.cfg.Group
	prompts := make([][]int32, G)
	for i := range prompts {
		prompts[i] = s.prompt
	}
	s.call++
	t0, c0 := time.Now(), cpuSeconds()
	comps, err := s.gen.Generate(prompts, nn.SampleConfig{Temperature: 1, MaxNewTokens: s.cfg.Completion},
		rand.New(rand.NewPCG(s.cfg.Seed, 100+s.call)))
	if err != nil {
		return ph, err
	}
	ph.roll, ph.rollCPU = time.Since(t0).Seconds(), cpuSeconds()-c0

	// Rewards ±1 alternating stand in for a verifier: the advantages are
	// then ±1 after group normalisation, and dL/dlogp = −A/(tokens).
	t0, c0 = time.Now(), cpuSeconds()
	seqs := make([]nn.Seq, G)
	dlp := make([][]float32, G)
	n := 0
	for _, c := range comps {
		n += len(c.Tokens)
	}
	for i, c := range comps {
		seqs[i] = nn.Seq{Tokens: append(append([]int32(nil), s.prompt...), c.Tokens...), Start: len(s.prompt)}
		a := float32(1 - 2*(i%2))
		dlp[i] = make([]float32, len(c.Tokens))
		for j := range dlp[i] {
			dlp[i][j] = -a / float32(n)
		}
	}
	s.m.ZeroGrad()
	s.m.Score(seqs, nn.ScoreOptions{Temperature: 1, Grad: true})
	s.m.Backward(dlp, nil, nil)
	nn.ClipGradNorm(s.m.G.Data, 1)
	s.opt.Update(s.m, s.opt.Cfg.LR)
	ph.train, ph.trainCPU = time.Since(t0).Seconds(), cpuSeconds()-c0
	return ph, nil
}

// resetPeakRSS resets the kernel's peak RSS of this process (VmHWM) to the
// current RSS, so that peakRSS then measures what follows; false where
// that is not possible (not Linux, or an old kernel).
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}
