package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
)

// trainerStep is `bench model`'s GRPO step through the real rl.Trainer:
// the grpo preset, one countdown prompt per step (encoded byte by byte,
// rl.ByteCodec, so the prompt is its text's length in tokens), G
// completions sampled past EOS to exactly Completion tokens
// (TrainConfig.IgnoreEOS), scored by the countdown verifier, then the
// trainer's own update (one micro-batch, μ = 1, β = 0).
type trainerStep struct {
	tr      *rl.Trainer
	seqLens int // prompt + completion tokens of the last step
}

func newTrainerStep(m *nn.Model, cfg HFModelConfig) (*trainerStep, error) {
	exs, err := data.Generate("countdown", 64, cfg.Seed, data.DefaultGenConfig())
	if err != nil {
		return nil, err
	}
	reward, err := rewards.ForTask("countdown")
	if err != nil {
		return nil, err
	}
	algo, err := rl.Preset("grpo")
	if err != nil {
		return nil, err
	}
	algo.Policy().GroupSize = cfg.Group
	algo.Policy().MaxCompletionLen = cfg.Completion
	tc := rl.DefaultTrainConfig()
	tc.Steps = cfg.Warmup + cfg.Steps
	tc.PromptsPerStep = 1
	tc.Temperature = 1
	tc.Seed = cfg.Seed
	tc.IgnoreEOS = true
	pol := &rl.Policy{Model: m, Codec: rl.ByteCodec{}, EOS: 0}
	tr, err := rl.NewTrainer(tc, algo, pol, nil, rl.SingleTurn{Reward: reward}, reward, exs, nil)
	if err != nil {
		return nil, fmt.Errorf("bench model: %w", err)
	}
	return &trainerStep{tr: tr}, nil
}

// run does one trainer step; the phase seconds are the trainer's own
// (rollout_s, train_s), the CPU seconds are the whole step's split in the
// same proportion.
func (s *trainerStep) run() (phaseTimes, error) {
	t0, c0 := time.Now(), cpuSeconds()
	sr, err := s.tr.Step(context.Background())
	if err != nil {
		return phaseTimes{}, fmt.Errorf("bench model: %w", err)
	}
	wall, cpu := time.Since(t0).Seconds(), cpuSeconds()-c0
	if sr.Batch == nil || sr.Batch.Len() == 0 {
		return phaseTimes{}, fmt.Errorf("bench model: the trainer step produced no batch")
	}
	s.seqLens = 0
	for _, tu := range sr.Batch.Turns("") {
		s.seqLens += len(tu.Prompt) + len(tu.Completion)
	}
	ph := phaseTimes{roll: sr.Metrics["rollout_s"], train: sr.Metrics["train_s"]}
	if wall > 0 {
		ph.rollCPU, ph.trainCPU = cpu*ph.roll/wall, cpu*ph.train/wall
	}
	return ph, nil
}
