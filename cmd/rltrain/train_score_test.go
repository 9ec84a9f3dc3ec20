package main

import (
	"bytes"
	"context"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
)

// TestScoreFlags binds the two-turn flags: every field of the configs has
// one, and they land on the fields.
func TestScoreFlags(t *testing.T) {
	sc := defaultScoreConfig()
	fs := newFlagSet("train")
	fs.SetOutput(io.Discard)
	bindScoreFlags(fs, &sc)
	want := map[string]bool{"turns": true}
	collectFlags(t, reflect.ValueOf(sc.RL), "score-", nil, want)
	collectFlags(t, reflect.ValueOf(sc.Demos), "correct-demos-", nil, want)
	for name := range want {
		if fs.Lookup(name) == nil {
			t.Errorf("config field without a flag: --%s", name)
		}
	}
	if len(want) < 10 {
		t.Fatalf("only %d flags collected", len(want))
	}
	err := fs.Parse([]string{"--turns", "2", "--score-stage", "2", "--score-schedule", "7", "--score-alpha", "5", "--score-beta2", "0.2",
		"--score-template", "{problem} / {attempt} again:", "--score-max-new-tokens", "64", "--correct-demos-copy-frac", "0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Turns != 2 || sc.RL.Stage != 2 || sc.RL.Schedule != 7 || sc.RL.Alpha != 5 || sc.RL.Beta2 != 0.2 ||
		sc.RL.Template != "{problem} / {attempt} again:" || sc.RL.MaxNewTokens != 64 || sc.Demos.CopyFrac != 0.1 {
		t.Fatalf("flags not applied: %+v", sc)
	}
}

// TestScoreValidate: --turns 2 alone works once the preset's β is raised
// (scoreDefaults), Stage I without β names --beta, Stage II does not need
// it, and bad values name their flag.
func TestScoreValidate(t *testing.T) {
	cfg, err := defaultRunConfig("grpo")
	if err != nil {
		t.Fatal(err)
	}
	sc := defaultScoreConfig()
	if err := sc.validate(cfg.Algo, false); err != nil {
		t.Fatalf("--turns 1: %v", err)
	}
	sc.Turns = 2
	if err := sc.validate(cfg.Algo, false); err == nil || !strings.Contains(err.Error(), "--beta") {
		t.Fatalf("Stage I with β = 0: %v, want an error naming --beta", err)
	}
	scoreDefaults([]string{"--steps", "3", "--turns=2"}, &cfg)
	if b := cfg.Algo.Policy().Beta; b != scoreBeta1 {
		t.Fatalf("--turns 2 left β = %g", b)
	}
	if err := sc.validate(cfg.Algo, false); err != nil {
		t.Fatalf("--turns 2 on defaults: %v", err)
	}
	ppo, _ := defaultRunConfig("ppo")
	scoreDefaults([]string{"--turns", "2"}, &ppo)
	if b := ppo.Algo.Policy().Beta; b != 0.01 {
		t.Fatalf("ppo's own β changed to %g", b)
	}
	zero, _ := defaultRunConfig("grpo")
	sc.RL.Stage = 2
	if err := sc.validate(zero.Algo, false); err != nil {
		t.Fatalf("Stage II needs no β: %v", err)
	}
	for _, c := range []struct {
		mut  func(*scoreConfig)
		rise bool
		want string
	}{
		{func(c *scoreConfig) { c.Turns = 3 }, false, "--turns 3"},
		{func(c *scoreConfig) {}, true, "--rise"},
		{func(c *scoreConfig) { c.RL.Stage = 4 }, false, "score-stage"},
		{func(c *scoreConfig) { c.RL.Alpha = -1 }, false, "score-alpha"},
		{func(c *scoreConfig) { c.RL.Template = "{attempt}" }, false, "score-template"},
		{func(c *scoreConfig) { c.Demos.CopyFrac = 2 }, false, "correct-demos-copy-frac"},
	} {
		sc := defaultScoreConfig()
		sc.Turns = 2
		c.mut(&sc)
		if err := sc.validate(cfg.Algo, c.rise); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v rise=%v: %v, want an error naming %q", sc, c.rise, err, c.want)
		}
	}
}

// TestScoreDemosBuilderEval: correction demos join a built-in task's
// demos, a user's demos without any are warned about, --turns 1 builds no
// builder, and the evaluation's keys reach the EvalResult beside others
// (merged, not replacing them).
func TestScoreDemosBuilderEval(t *testing.T) {
	exs, err := data.Generate("countdown", 200, 1, data.DefaultGenConfig())
	if err != nil {
		t.Fatal(err)
	}
	sc := defaultScoreConfig()
	if out, _ := scoreDemos(sc, true, exs, io.Discard); len(out) != len(exs) {
		t.Fatal("--turns 1 added demos")
	}
	sc.Turns = 2
	out, err := scoreDemos(sc, true, exs, io.Discard)
	if err != nil || len(out) <= len(exs) || out[len(out)-1].Task != "correct" {
		t.Fatalf("built-in demos: %d for %d examples, %v", len(out), len(exs), err)
	}
	var buf bytes.Buffer
	if _, err := scoreDemos(sc, false, exs, &buf); err != nil || !strings.Contains(buf.String(), "warning") {
		t.Fatalf("user demos without corrections: %v %q", err, buf.String())
	}
	cfg, _ := defaultRunConfig("grpo")
	reward, err := rewards.ParseSpec("countdown", rewards.SpecOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := scoreBuilder(defaultScoreConfig(), cfg.Algo, 0.5, reward); s != nil || err != nil {
		t.Fatalf("--turns 1: builder %v, %v", s, err)
	}
	if _, err := scoreBuilder(sc, cfg.Algo, 0.5, reward); err == nil {
		t.Fatal("Stage I with β = 0: want an error")
	}
	scoreDefaults([]string{"--turns", "2"}, &cfg)
	s, err := scoreBuilder(sc, cfg.Algo, 0.5, reward)
	if err != nil || s == nil {
		t.Fatalf("builder: %v", err)
	}
	var _ rl.EpisodeBuilder = s
	var _ rl.Stage = s
	if err := scoreEval(context.Background(), nil, nil, nil, cfg.Eval, 1, reward, 0, nil, io.Discard); err != nil {
		t.Fatalf("no builder, no eval: %v", err)
	}
	// An untrained byte-level model: the keys arrive, other extras stay.
	m, err := nn.NewModel(nn.Config{VocabSize: 257, Dim: 16, NLayers: 1, NHeads: 2, NKVHeads: 2, FFNDim: 32, MaxSeqLen: 160,
		RopeTheta: 10000, NormEps: 1e-5, TieEmbeddings: true})
	if err != nil {
		t.Fatal(err)
	}
	m.InitRandom(newRngT(1, 2))
	pol := &rl.Policy{Model: m, Codec: rl.ByteCodec{}, EOS: 256}
	ec := cfg.Eval
	ec.K, ec.MaxNewTokens = 2, 16
	r := rl.EvalResult{Extra: map[string]float64{"other": 1}}
	if err := scoreEval(context.Background(), s, pol, exs[:5], ec, 1, reward, 0, &r, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"other", "acc_t1", "acc_t2", "delta_t1_t2", "delta_i2c", "delta_c2i", "edit_ratio", "delta_t1_t2_se", "skipped_overlong"} {
		if _, ok := r.Extra[k]; !ok {
			t.Errorf("eval key %q missing: %v", k, r.Extra)
		}
	}
}

// TestScoreScheduleWarning: a schedule that covers every step warns that
// Stage II never runs; a shorter one, a fixed stage or one turn does not.
func TestScoreScheduleWarning(t *testing.T) {
	sc := defaultScoreConfig()
	if msg := sc.scheduleWarning(50); msg != "" {
		t.Fatalf("--turns 1 warned: %q", msg)
	}
	sc.Turns = 2
	if msg := sc.scheduleWarning(50); !strings.Contains(msg, "--score-schedule 100 ≥ --steps 50") {
		t.Fatalf("schedule 100 over 50 steps: %q", msg)
	}
	if msg := sc.scheduleWarning(101); msg != "" {
		t.Fatalf("schedule 100 over 101 steps warned: %q", msg)
	}
	sc.RL.Stage = 1
	if msg := sc.scheduleWarning(50); msg != "" {
		t.Fatalf("--score-stage 1 warned: %q", msg)
	}
}
