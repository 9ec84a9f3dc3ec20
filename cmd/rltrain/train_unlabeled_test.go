package main

import (
	"context"
	"flag"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/run"
)

func unlabeledFixture(t *testing.T, task string) (runConfig, []data.Example) {
	t.Helper()
	cfg, err := defaultRunConfig("grpo")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Task.Task = task
	exs, err := data.Generate(task, 20, 1, cfg.Task.Gen)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, exs
}

func spec(t *testing.T, s string, uc unlabeledConfig) *rewards.Weighted {
	t.Helper()
	cfg, _ := defaultRunConfig("grpo")
	w, err := rewards.ParseSpec(s, specOptions(cfg, uc))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestUnlabeledDropsAnswers(t *testing.T) {
	cfg, exs := unlabeledFixture(t, "arithmetic")
	uc := unlabeledConfig{Unlabeled: true, ConsensusMin: 0.5}
	cfg.Task.Reward = "consensus:1,format:0.1"
	reward := spec(t, cfg.Task.Reward, uc)
	u, err := setupUnlabeled(cfg, uc, exs, reward)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Train) != len(exs) {
		t.Fatalf("%d training examples, want %d", len(u.Train), len(exs))
	}
	acc := spec(t, "accuracy", uc)
	for i, ex := range u.Train {
		if ex.Answer != "" || ex.Solution != "" || ex.Meta != nil || ex.ID != exs[i].ID || ex.Prompt != exs[i].Prompt || ex.Task != "arithmetic" {
			t.Fatalf("example %d: %+v from %+v", i, ex, exs[i])
		}
		if exs[i].Answer == "" {
			t.Fatal("the loaded examples lost their answers")
		}
		// Nothing left to verify against: the accuracy reward cannot score.
		if r := acc.Score(context.Background(), ex, rewards.Completion{Text: exs[i].Solution}); r.OK {
			t.Fatalf("accuracy scored an unlabelled example: %v", r)
		}
	}
	if u.Truth == nil || u.Truth.Names()[0] != "accuracy" || u.evalReward(reward) != u.Truth {
		t.Fatalf("truth %v", u.Truth)
	}
	if d := u.describe(reward); !strings.Contains(d, "without their answers") || !strings.Contains(d, "[accuracy]") {
		t.Errorf("describe: %q", d)
	}
	tr := &rl.Trainer{Cfg: rl.DefaultTrainConfig()}
	if err := u.attach(tr, nil); err != nil {
		t.Fatal(err)
	}
	if len(tr.Stages) != 1 {
		t.Fatalf("%d stages", len(tr.Stages))
	}
	if _, ok := tr.Stages[0].(*rl.Monitor); !ok {
		t.Fatalf("stage %T", tr.Stages[0])
	}
}

func TestUnlabeledRefusesLabelledRewards(t *testing.T) {
	cfg, exs := unlabeledFixture(t, "arithmetic")
	uc := unlabeledConfig{Unlabeled: true, ConsensusMin: 0.5}
	for _, c := range []struct{ spec, want string }{
		{"", `"accuracy" needs the labels`},
		{"accuracy:1", `"accuracy" needs the labels`},
		{"consensus:1,math:0.5", `"accuracy" needs`},
		{"countdown:1,format:0.1", `"countdown" needs`},
	} {
		cfg.Task.Reward = c.spec
		s := c.spec
		if s == "" {
			s = "accuracy:1" // taskData's default for a built-in math task
		}
		_, err := setupUnlabeled(cfg, uc, exs, spec(t, s, uc))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "--unlabeled") || !strings.Contains(err.Error(), "consensus:1") {
			t.Errorf("%q: %v", c.spec, err)
		}
		if c.spec == "" && !strings.Contains(err.Error(), "default reward") {
			t.Errorf("default reward: %v", err)
		}
	}
	// Label-free sums are accepted.
	for _, s := range []string{"consensus", "consensus:1,format:0.1,overlong:0.5", "format"} {
		if _, err := setupUnlabeled(cfg, uc, exs, spec(t, s, uc)); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
}

func TestConsensusRefusesCountdown(t *testing.T) {
	cfg, exs := unlabeledFixture(t, "countdown")
	for _, unl := range []bool{false, true} {
		uc := unlabeledConfig{Unlabeled: unl, ConsensusMin: 0.5}
		_, err := setupUnlabeled(cfg, uc, exs, spec(t, "consensus:1", uc))
		if err == nil || !strings.Contains(err.Error(), `"consensus"`) || !strings.Contains(err.Error(), "countdown") {
			t.Errorf("unlabeled=%v: %v", unl, err)
		}
	}
	// Format alone on countdown: label-free, monitored by the countdown verifier.
	uc := unlabeledConfig{Unlabeled: true, ConsensusMin: 0.5}
	u, err := setupUnlabeled(cfg, uc, exs, spec(t, "format", uc))
	if err != nil || u.Truth.Names()[0] != "countdown" {
		t.Fatalf("%v %v", u, err)
	}
	// A JSONL file names its task per example.
	cfg.Task.Data, cfg.Task.Task = "x.jsonl", ""
	if _, err := setupUnlabeled(cfg, uc, exs, spec(t, "consensus", uc)); err == nil {
		t.Error("consensus accepted on countdown examples from a file")
	}
}

// TestLabelledRunUnchanged: without --unlabeled and with a reward that needs
// labels, the run trains and evaluates exactly as before.
func TestLabelledRunUnchanged(t *testing.T) {
	cfg, exs := unlabeledFixture(t, "arithmetic")
	uc := defaultUnlabeledConfig()
	reward := spec(t, "accuracy:1,format:0.1", uc)
	u, err := setupUnlabeled(cfg, uc, exs, reward)
	if err != nil {
		t.Fatal(err)
	}
	if &u.Train[0] != &exs[0] || u.Truth != nil || u.evalReward(reward) != reward || u.describe(reward) != "" || u.summary(&run.RunLog{}) != nil {
		t.Fatalf("labelled run changed: %+v", u)
	}
	tr := &rl.Trainer{}
	if err := u.attach(tr, nil); err != nil || len(tr.Stages) != 0 {
		t.Fatalf("monitor attached to a labelled run: %v %d", err, len(tr.Stages))
	}
	if h, err := heldOutReward(cfg, exs, reward); err != nil || h != reward {
		t.Fatalf("held-out reward of a labelled run: %v %v", h, err)
	}
	if h, err := heldOutReward(cfg, exs, spec(t, "consensus,format:0.1", uc)); err != nil || strings.Join(h.Names(), ",") != "accuracy" {
		t.Fatalf("held-out reward of a consensus run: %v %v", h, err)
	}
	// Consensus on labelled data: answers kept, but monitored and evaluated by the verifier.
	u, err = setupUnlabeled(cfg, uc, exs, spec(t, "consensus", uc))
	if err != nil || u.Truth == nil || u.Train[0].Answer == "" {
		t.Fatalf("%+v %v", u, err)
	}
}

func TestUnlabeledFlags(t *testing.T) {
	cfg, _ := defaultRunConfig("grpo")
	uc := defaultUnlabeledConfig()
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	bindUnlabeledFlags(fs, &uc)
	if err := fs.Parse([]string{"--unlabeled", "--consensus-min", "0.75"}); err != nil {
		t.Fatal(err)
	}
	if !uc.Unlabeled || uc.ConsensusMin != 0.75 {
		t.Fatalf("%+v", uc)
	}
	if err := uc.validate(cfg); err != nil {
		t.Fatal(err)
	}
	if o := specOptions(cfg, uc); o.ConsensusMin != 0.75 || o.MaxCompletionLen != 96 {
		t.Fatalf("spec options %+v", o)
	}
	for _, c := range []struct {
		uc   unlabeledConfig
		edit func(*runConfig)
		want string
	}{
		{unlabeledConfig{ConsensusMin: 0}, nil, "--consensus-min"},
		{unlabeledConfig{ConsensusMin: 1.01}, nil, "--consensus-min"},
		{unlabeledConfig{ConsensusMin: math.NaN()}, nil, "--consensus-min"},
		{unlabeledConfig{Unlabeled: true, ConsensusMin: 0.5}, func(c *runConfig) { c.Rise.Enable = true }, "--rise"},
		{unlabeledConfig{Unlabeled: true, ConsensusMin: 0.5}, func(c *runConfig) { c.Score.Turns = 2 }, "--turns 2"},
	} {
		rc := cfg
		if c.edit != nil {
			c.edit(&rc)
		}
		if err := c.uc.validate(rc); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v", c.uc, err)
		}
	}
}

func TestUnlabeledSummary(t *testing.T) {
	u := &unlabeledRun{Truth: &rewards.Weighted{}, dropped: true}
	hist := []map[string]float64{
		{"self_reward/agreement": 1, "self_reward/n": 30, "self_reward/label_rate": 0.5, "self_reward/true_accuracy": 0.2},
		{"self_reward/agreement": 0.5, "self_reward/n": 10, "self_reward/label_rate": 1},
		{"reward": 1}, // a step without the monitor's metrics
	}
	s := u.summary(&run.RunLog{History: hist})
	if u.summary(nil) != nil {
		t.Error("summary on a rank without a log")
	}
	if s["unlabeled"] != true || s["self_reward_agreement"] != (30.0+5)/40 || s["self_reward_label_rate"] != 0.75 || s["self_reward_true_accuracy"] != 0.2 {
		t.Fatalf("summary %v", s)
	}
	if _, ok := s["self_reward_label_accuracy"]; ok {
		t.Fatalf("summary invents a metric: %v", s)
	}
}
