package rl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Algorithm is what the trainer needs from an algorithm's configuration:
// its checks, the settings every algorithm shares, the loss settings, and
// the estimator that turns rewards into advantages. GRPOConfig, PPOConfig and
// NFTConfig implement it; adding an algorithm is a new config type and one
// line in registry.
type Algorithm interface {
	// Validate checks the configuration and says how to fix it.
	Validate() error
	// Policy returns the shared settings; the pointer aliases the config so
	// that flags and presets can set them.
	Policy() *PolicyConfig
	// LossConfig returns what the loss functions read.
	LossConfig() LossConfig
	// Advantages turns one optimiser batch's rewards into advantages (and,
	// for NFT, verdicts and group rates; for PPO, value targets).
	Advantages(in AdvantageInput) AdvantageOutput
	// UsesCritic reports whether the algorithm trains a value head (PPO):
	// the policy model then needs one, and ValueLoss joins the policy loss.
	UsesCritic() bool
	// BuiltinTaskDefaults adjusts the defaults for the built-in tasks of the
	// CLI, where measurement chose settings that differ from the papers'.
	BuiltinTaskDefaults(tc *TrainConfig)
}

// Algo names an algorithm preset; the CLI's --algo maps onto it through Preset.
type Algo string

// The algorithm presets.
const (
	AlgoGRPO        Algo = "grpo"         // DeepSeekMath GRPO: group std-scaled advantages, seq-mean-token-mean
	AlgoDrGRPO      Algo = "dr_grpo"      // Dr. GRPO: no std scaling, constant normaliser
	AlgoDAPO        Algo = "dapo"         // DAPO: clip-higher, dynamic sampling, global token mean
	AlgoPPO         Algo = "ppo"          // PPO with a value head and GAE
	AlgoRLOO        Algo = "rloo"         // REINFORCE leave-one-out baseline
	AlgoReinforcePP Algo = "reinforce_pp" // REINFORCE++: per-token returns, global whitening
	AlgoNFT         Algo = "nft"          // Negative-aware Fine-Tuning
)

// preset is one registry entry: the name, the JSON section its settings live
// under (several presets may share a config type and so a section), and the
// constructor of its defaults.
type preset struct {
	name    Algo
	section string
	make    func() Algorithm
}

// registry lists the presets in the order the CLI shows them.
var registry = []preset{
	{AlgoGRPO, "grpo", func() Algorithm { c := DefaultGRPOConfig(); return &c }},
	{AlgoDrGRPO, "grpo", func() Algorithm { c := DefaultDrGRPOConfig(); return &c }},
	{AlgoDAPO, "grpo", func() Algorithm { c := DefaultDAPOConfig(); return &c }},
	{AlgoPPO, "ppo", func() Algorithm { c := DefaultPPOConfig(); return &c }},
	{AlgoRLOO, "grpo", func() Algorithm { c := DefaultRLOOConfig(); return &c }},
	{AlgoReinforcePP, "grpo", func() Algorithm { c := DefaultReinforcePPConfig(); return &c }},
	{AlgoNFT, "nft", func() Algorithm { c := DefaultNFTConfig(); return &c }},
}

// Algos lists every preset name in the order the CLI shows them.
var Algos = func() []Algo {
	out := make([]Algo, len(registry))
	for i, p := range registry {
		out[i] = p.name
	}
	return out
}()

func algoNames() string {
	names := make([]string, len(registry))
	for i, p := range registry {
		names[i] = string(p.name)
	}
	return strings.Join(names, ", ")
}

func lookupPreset(a Algo) (preset, bool) {
	for _, p := range registry {
		if p.name == a {
			return p, true
		}
	}
	return preset{}, false
}

// Config is the algorithm section of a run: the preset's name and its
// settings. In JSON it is {"algo": name, "<section>": settings}, the
// section named by the registry ("grpo" for the whole GRPO family).
type Config struct {
	Algo     Algo
	Settings Algorithm
}

// Preset returns the defaults of the named algorithm (the values of --algo).
func Preset(algo string) (Config, error) {
	p, ok := lookupPreset(Algo(algo))
	if !ok {
		return Config{}, fmt.Errorf("rl: unknown algorithm %q: choose one of %s", algo, algoNames())
	}
	return Config{Algo: p.name, Settings: p.make()}, nil
}

// Validate checks that the settings are set and valid.
func (c Config) Validate() error {
	if _, ok := lookupPreset(c.Algo); !ok {
		return fmt.Errorf("rl: unknown algorithm %q: choose one of %s", c.Algo, algoNames())
	}
	if c.Settings == nil {
		return fmt.Errorf("rl: Config for %q has no settings: build it with rl.Preset(%q)", c.Algo, c.Algo)
	}
	if err := c.Settings.Validate(); err != nil {
		return fmt.Errorf("rl: invalid %s config: %w", c.Algo, err)
	}
	return nil
}

// Policy returns the shared settings (nil without settings).
func (c Config) Policy() *PolicyConfig {
	if c.Settings == nil {
		return nil
	}
	return c.Settings.Policy()
}

// LossConfig returns the loss settings.
func (c Config) LossConfig() LossConfig { return c.Settings.LossConfig() }

// MarshalJSON writes {"algo": name, "<section>": settings}.
func (c Config) MarshalJSON() ([]byte, error) {
	p, ok := lookupPreset(c.Algo)
	if !ok || c.Settings == nil {
		return nil, fmt.Errorf("rl: cannot write algorithm %q without its settings", c.Algo)
	}
	name, err := json.Marshal(c.Algo)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(c.Settings)
	if err != nil {
		return nil, err
	}
	return fmt.Appendf(nil, `{"algo":%s,%q:%s}`, name, p.section, body), nil
}

// UnmarshalJSON reads {"algo": name, "<section>": settings} onto c. Settings
// already present for the same algorithm are kept as defaults and
// overwritten field by field; a different algorithm starts from its preset.
// Unknown keys, in the object or in the section, are errors.
func (c *Config) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	algo := c.Algo
	if v, ok := raw["algo"]; ok {
		if err := json.Unmarshal(v, &algo); err != nil {
			return fmt.Errorf("algorithm.algo: %w", err)
		}
	}
	p, ok := lookupPreset(algo)
	if !ok {
		return fmt.Errorf("algorithm.algo = %q: choose one of %s", algo, algoNames())
	}
	if algo != c.Algo || c.Settings == nil {
		c.Algo, c.Settings = algo, p.make()
	}
	var unknown []string
	for k := range raw {
		if k != "algo" && k != p.section {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("algorithm: unknown key(s) %s for algo %q (its settings go under %q)", strings.Join(unknown, ", "), algo, p.section)
	}
	if v, ok := raw[p.section]; ok {
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(c.Settings); err != nil {
			return fmt.Errorf("algorithm.%s: %w", p.section, err)
		}
	}
	return nil
}
