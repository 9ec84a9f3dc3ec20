package rl

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPresetsValidate(t *testing.T) {
	for _, a := range Algos {
		c, err := Preset(string(a))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("%s preset invalid: %v", a, err)
		}
		if c.Policy() == nil {
			t.Fatalf("%s: no policy section", a)
		}
		_ = c.LossConfig()
		// JSON round trip (the -config file path).
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		var back Config
		if err := json.Unmarshal(b, &back); err != nil || back.Validate() != nil {
			t.Fatalf("%s: JSON round trip: %v %v", a, err, back.Validate())
		}
		if b2, _ := json.Marshal(back); string(b2) != string(b) {
			t.Fatalf("%s: JSON round trip changed the config", a)
		}
	}
	if _, err := Preset("ppo2"); err == nil || !strings.Contains(err.Error(), "grpo, dr_grpo") {
		t.Fatalf("unknown preset: %v", err)
	}
}

func TestPresetValues(t *testing.T) {
	get := func(a string) Config { c, _ := Preset(a); return c }
	grpo := func(a string) *GRPOConfig { return get(a).Settings.(*GRPOConfig) }
	g := grpo("grpo")
	if g.LossType != LossGRPO || g.ScaleRewards != ScaleGroup || g.Beta != 0 || g.EpsilonHigh != 0.2 {
		t.Fatalf("grpo %+v", g)
	}
	d := grpo("dr_grpo")
	if d.LossType != LossDrGRPO || d.ScaleRewards != ScaleNone {
		t.Fatalf("dr_grpo %+v", d)
	}
	p := grpo("dapo")
	if p.LossType != LossDAPO || p.EpsilonHigh != 0.28 || !p.DynamicSampling {
		t.Fatalf("dapo %+v", p)
	}
	r := grpo("rloo")
	if r.Advantage != AdvRLOO || r.KLPlacement != KLInReward || r.LossConfig().Beta != 0 {
		t.Fatalf("rloo: in-reward KL must not reach the loss: %+v", r)
	}
	if grpo("reinforce_pp").Advantage != AdvReinforcePP {
		t.Fatal("reinforce_pp")
	}
	o := get("ppo").Settings.(*PPOConfig)
	if o.Lambda != 0.95 || o.VFCoef != 0.1 || o.ValueClip != 0.2 || o.NumIterations != 4 {
		t.Fatalf("ppo %+v", o)
	}
	n := get("nft").Settings.(*NFTConfig)
	if lc := n.LossConfig(); lc.Objective != ObjNFT || lc.NFT.ClampNegative != 1 || lc.NFT.Weighting != NFTWeightDrGRPO {
		t.Fatalf("nft %+v", lc)
	}
	g2 := DefaultGRPOConfig()
	g2.Beta = 0.04
	if g2.LossConfig().Beta != 0.04 {
		t.Fatal("in-loss β must reach the loss")
	}
}

// Validation errors name the field and the fix.
func TestValidateMessages(t *testing.T) {
	for _, c := range []struct {
		mut  func(*Config)
		want string
	}{
		{func(c *Config) { c.Settings.(*GRPOConfig).GroupSize = 1 }, "GroupSize ≥ 2"},
		{func(c *Config) { c.Settings.(*GRPOConfig).LossType = "mean" }, "choose one of grpo, bnpo"},
		{func(c *Config) { c.Settings.(*GRPOConfig).Objective = ObjGSPO }, "EpsilonLow = 3e-4"},
		{func(c *Config) { c.Settings.(*GRPOConfig).DualClipC = 0.5 }, "DualClipC"},
		{func(c *Config) { c.Settings.(*GRPOConfig).TargetKL = 0.1 }, "set Beta > 0"},
		{func(c *Config) { c.Settings.(*GRPOConfig).PGCoef = 0 }, "entropy-only"},
		{func(c *Config) { c.Settings.(*GRPOConfig).Advantage = AdvGAE }, "ppo preset"},
		{func(c *Config) { c.Settings.(*GRPOConfig).EpsilonLow = 1 }, "EpsilonLow"},
		{func(c *Config) { c.Settings.(*GRPOConfig).KLEstimator = "k4" }, "k1, k2, k3"},
		{func(c *Config) { c.Settings = nil }, "no settings"},
		{func(c *Config) { c.Algo = "ppo2" }, "unknown algorithm"},
	} {
		cfg, _ := Preset("grpo")
		c.mut(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("want error containing %q, got %v", c.want, err)
		}
	}
	p := DefaultPPOConfig()
	p.VFCoef = 0
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "VFCoef") {
		t.Fatalf("ppo: %v", err)
	}
	n := DefaultNFTConfig()
	n.Weighting, n.RateClamp = NFTWeightStd, 0
	if err := n.Validate(); err == nil || !strings.Contains(err.Error(), "RateClamp > 0") {
		t.Fatalf("nft: %v", err)
	}
	n = DefaultNFTConfig()
	n.NegWeight = -1
	if err := n.Validate(); err == nil || !strings.Contains(err.Error(), "dapo preset") {
		t.Fatalf("nft: %v", err)
	}
}

// The JSON form is {"algo": name, "<section>": settings}, as config.json and
// --config files have always had it; unknown keys are errors.
func TestConfigJSON(t *testing.T) {
	c, _ := Preset("dapo")
	b, err := json.Marshal(c)
	if err != nil || !strings.HasPrefix(string(b), `{"algo":"dapo","grpo":{"group_size":8,`) {
		t.Fatalf("%s %v", b, err)
	}
	if err := json.Unmarshal([]byte(`{"algo":"dapo","grpo":{"epsilon_high":0.3}}`), &c); err != nil {
		t.Fatal(err)
	}
	if g := c.Settings.(*GRPOConfig); g.EpsilonHigh != 0.3 || !g.DynamicSampling {
		t.Fatalf("partial section must keep the preset's other values: %+v", g)
	}
	for in, want := range map[string]string{
		`{"algo":"dapo","ppo":{}}`:              "unknown key(s) ppo",
		`{"algo":"dapo","grpo":{"epsilon":1}}`:  "unknown field",
		`{"algo":"nope"}`:                       "choose one of grpo",
		`{"algo":"nft","nft":{"neg_weight":0}}`: "",
	} {
		c, _ := Preset("dapo")
		err := json.Unmarshal([]byte(in), &c)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Fatalf("%s: %v, want %q", in, err, want)
		}
	}
}
