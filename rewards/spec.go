package rewards

// Reward specs, the trainer's --reward flag: "name:weight,name:weight", e.g.
// "countdown:1,format:0.1,overlong". Every reward is built by its validating
// constructor with its default configuration.

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// SpecOptions carries what spec rewards need from the trainer.
type SpecOptions struct {
	// MaxCompletionLen is the generation cap in tokens. overlong takes it as
	// MaxLen, with Cache = max(1, cap/4): the penalty ramps over the last
	// quarter of the allowed length. Must be >= 1 when overlong is named.
	MaxCompletionLen int
	// ConsensusMin is consensus's ConsensusConfig.MinAgreement: the fraction
	// of a group's completions that must share the majority answer for it to
	// become the pseudo-label. 0 selects DefaultConsensusMin (0.5); otherwise
	// (0, 1].
	ConsensusMin float64
	// Extra are rewards the caller defines under their own names: reward
	// programs (--reward-cmd, --reward-http) and rewards that need the
	// model (judge, self-verify). A name may not shadow a built-in one.
	Extra map[string]Reward
}

// registry maps spec names to constructors, so adding a reward is one line.
var registry = map[string]func(SpecOptions) (Reward, error){
	"countdown": func(SpecOptions) (Reward, error) { return component(NewCountdown(DefaultCountdownConfig())) },
	"accuracy":  newAccuracy,
	"math":      newAccuracy, // alias: the reward is named "accuracy" in logs
	"format":    func(SpecOptions) (Reward, error) { return component(NewFormat(DefaultFormatConfig())) },
	"overlong":  newOverlong,
	"consensus": newConsensus,
}

func newAccuracy(SpecOptions) (Reward, error) { return component(NewMath(DefaultMathConfig())) }

func newConsensus(opt SpecOptions) (Reward, error) {
	c := DefaultConsensusConfig()
	if opt.ConsensusMin != 0 {
		c.MinAgreement = opt.ConsensusMin
	}
	return component(NewConsensus(c))
}

func newOverlong(opt SpecOptions) (Reward, error) {
	if opt.MaxCompletionLen < 1 {
		return nil, fmt.Errorf("overlong needs the generation cap: SpecOptions.MaxCompletionLen is %d, want >= 1", opt.MaxCompletionLen)
	}
	c := DefaultOverlongConfig()
	c.MaxLen, c.Cache = opt.MaxCompletionLen, max(1, opt.MaxCompletionLen/4)
	return component(NewOverlong(c))
}

// component turns a constructor's (*T, error) into (Reward, error) without
// wrapping a nil *T in a non-nil interface.
func component[T Reward](r T, err error) (Reward, error) {
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Known returns the reward names ParseSpec accepts, sorted.
func Known() []string { return slices.Sorted(maps.Keys(registry)) }

// ParseSpec builds the weighted sum (MissingStrict) a spec names. Entries are
// separated by commas and are "name" or "name:weight" (weight default 1);
// spaces around names and weights are ignored. Errors name the offending
// entry: an empty spec or name, a bad or non-finite weight, an unknown name,
// or a reward given twice ("accuracy" and its alias "math" are one reward).
func ParseSpec(spec string, opt SpecOptions) (*Weighted, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, errors.New("rewards: empty reward spec; want name:weight,… with names from " + strings.Join(Known(), ", "))
	}
	var rs []Reward
	var ws []float64
	entries := strings.Split(spec, ",")
	for i, entry := range entries {
		entry = strings.TrimSpace(entry)
		at := fmt.Sprintf("rewards: reward spec entry %d %q", i+1, entry)
		name, wstr, hasW := strings.Cut(entry, ":")
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, fmt.Errorf("%s: empty reward name", at)
		}
		build, ok := registry[name]
		if extra, isExtra := opt.Extra[name]; isExtra {
			if ok {
				return nil, fmt.Errorf("%s: %q is a built-in reward: give the program or model reward another name", at, name)
			}
			build, ok = func(SpecOptions) (Reward, error) { return extra, nil }, true
		}
		if !ok {
			return nil, fmt.Errorf("%s: unknown reward %q; known: %s", at, name, strings.Join(append(Known(), slices.Sorted(maps.Keys(opt.Extra))...), ", "))
		}
		w := 1.0
		if hasW {
			var err error
			if w, err = strconv.ParseFloat(strings.TrimSpace(wstr), 64); err != nil {
				return nil, fmt.Errorf("%s: bad weight: %w", at, err)
			}
			if math.IsNaN(w) || math.IsInf(w, 0) {
				return nil, fmt.Errorf("%s: weight %v is not finite", at, w)
			}
		}
		r, err := build(opt)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", at, err)
		}
		for j, prev := range rs {
			if prev.Name() == r.Name() {
				return nil, fmt.Errorf("%s: reward %q already given by entry %d %q", at, r.Name(), j+1, strings.TrimSpace(entries[j]))
			}
		}
		rs = append(rs, r)
		ws = append(ws, w)
	}
	return NewWeighted(rs, ws, MissingStrict)
}
