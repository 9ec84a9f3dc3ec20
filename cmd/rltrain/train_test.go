package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// countFields counts the exported, flag-able fields of a struct (walking
// embedded and nested config structs except those named in skip).
func collectFlags(t *testing.T, v reflect.Value, prefix string, skip map[string]bool, out map[string]bool) {
	tp := v.Type()
	for i := 0; i < tp.NumField(); i++ {
		f := tp.Field(i)
		if !f.IsExported() || skip[f.Name] {
			continue
		}
		if f.Anonymous {
			collectFlags(t, v.Field(i), prefix, skip, out)
			continue
		}
		if _, isDur := v.Field(i).Interface().(time.Duration); !isDur && v.Field(i).Kind() == reflect.Struct {
			continue
		}
		if name := flagName(f); name != "" {
			out[prefix+name] = true
		}
	}
}

func TestEveryConfigFieldHasAFlag(t *testing.T) {
	for _, algo := range []string{"grpo", "dr_grpo", "dapo", "ppo", "rloo", "reinforce_pp", "nft"} {
		cfg, err := defaultRunConfig(algo)
		if err != nil {
			t.Fatal(err)
		}
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		bindRunFlags(fs, &cfg)
		want := map[string]bool{}
		collectFlags(t, reflect.ValueOf(cfg.Algo.Settings).Elem(), "", nil, want)
		collectFlags(t, reflect.ValueOf(cfg.Train), "", nil, want)
		collectFlags(t, reflect.ValueOf(cfg.Eval), "eval-", nil, want)
		collectFlags(t, reflect.ValueOf(cfg.Task), "", nil, want)
		collectFlags(t, reflect.ValueOf(cfg.Task.JSONL), "jsonl-", nil, want)
		collectFlags(t, reflect.ValueOf(cfg.Warm), "", nil, want)
		collectFlags(t, reflect.ValueOf(cfg.Warm.Build.Model), "model-", map[string]bool{"VocabSize": true}, want)
		collectFlags(t, reflect.ValueOf(cfg.Warm.Build.SFT), "sft-", nil, want)
		collectFlags(t, reflect.ValueOf(cfg.Out), "", nil, want)
		collectFlags(t, reflect.ValueOf(cfg.Rise.Stage), "rise-", nil, want)
		collectFlags(t, reflect.ValueOf(cfg.Rise.Demos), "verify-demos-", nil, want)
		want["rise"] = true
		collectFlags(t, reflect.ValueOf(cfg.Score.RL), "score-", nil, want)
		collectFlags(t, reflect.ValueOf(cfg.Score.Demos), "correct-demos-", nil, want)
		want["turns"] = true
		collectFlags(t, reflect.ValueOf(cfg.SelfReward), "", nil, want)
		for name := range want {
			if fs.Lookup(name) == nil {
				t.Errorf("%s: config field without a flag: --%s", algo, name)
			}
		}
		if len(want) < 40 {
			t.Errorf("%s: only %d fields collected; the walk is broken", algo, len(want))
		}
	}
}

func TestFlagsBindOntoConfig(t *testing.T) {
	cfg, err := parseRunConfig([]string{"--algo", "dapo", "--steps", "7", "--group-size", "4", "--epsilon-high", "0.3",
		"--eval-k", "2", "--model-hidden-size", "64", "--sft-lr", "0.01", "--reward-timeout", "3s", "--mask-truncated-completions"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	pc := cfg.Algo.Policy()
	if cfg.Train.Steps != 7 || pc.GroupSize != 4 || pc.EpsilonHigh != 0.3 || cfg.Eval.K != 2 ||
		cfg.Warm.Build.Model.Dim != 64 || cfg.Warm.Build.SFT.LR != 0.01 || cfg.Train.RewardTimeout != 3*time.Second || !pc.MaskTruncated {
		t.Fatalf("flags not applied: %+v %+v", cfg.Train, *pc)
	}
	if !pc.DynamicSampling {
		t.Fatal("dapo preset lost dynamic sampling")
	}
}

func TestConfigFileThenFlags(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.json")
	os.WriteFile(path, []byte(`{"algorithm":{"algo":"grpo","grpo":{"group_size":6,"epsilon_low":0.1}},"train":{"steps":9,"lr":0.001}}`), 0o644)
	cfg, err := parseRunConfig([]string{"--config", path, "--steps", "11"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if pc := cfg.Algo.Policy(); pc.GroupSize != 6 || pc.EpsilonLow != 0.1 || cfg.Train.LR != 0.001 {
		t.Fatalf("config file not applied: %+v", cfg)
	}
	if cfg.Train.Steps != 11 {
		t.Fatalf("flag should override the config file: steps = %d", cfg.Train.Steps)
	}
	// Unknown keys are errors that name the file.
	os.WriteFile(path, []byte(`{"train":{"stepz":9}}`), 0o644)
	if _, err := parseRunConfig([]string{"--config", path}, io.Discard); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("unknown key: err = %v", err)
	}
}

func TestBadFlagsNameTheFix(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--algo", "nope"}, "unknown algorithm"},
		{[]string{"--lr", "-1"}, "lr"},
		{[]string{"--group-size", "0"}, "GroupSize"},
		{[]string{"--temperature", "0"}, "temperature"},
		{[]string{"--steps", "x"}, "invalid value"},
		{[]string{"stray"}, "unexpected argument"},
	} {
		_, err := parseRunConfig(c.args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want it to mention %q", c.args, err, c.want)
		}
	}
}

// The nft preset's old --correct-threshold flag is an alias of the one
// threshold behind "correct" (--accuracy-threshold).
func TestCorrectThresholdAlias(t *testing.T) {
	cfg, err := parseRunConfig([]string{"--algo", "nft", "--correct-threshold", "0.7"}, io.Discard)
	if err != nil || cfg.Train.CorrectThreshold != 0.7 {
		t.Fatalf("alias: %v, threshold %g", err, cfg.Train.CorrectThreshold)
	}
}
