package selfimprove

// The self-verify reward (docs/algorithms.md §6): the model's own
// probability that a completion is correct, read from its verification
// format (§4) instead of sampled: after the verification prompt (and, by
// default, the model's greedy worked check), each verdict option
// <verdict>v</verdict><eos> is scored by teacher forcing, and
//
//	reward = p(Correct) / (p(Correct) + p(Wrong) + p(NoAnswer)),
//
// a dense reward in [0, 1] normalised over the scale's three options. It
// reads no label.
//
// Decisions:
//   - with Check = greedy the check is generated greedily (one batched
//     generation for the whole batch, no randomness, so no streams are
//     needed) and cut where its own verdict tag opens; a check that never
//     writes a verdict tag (cut by the cap, or off format) gives no score;
//   - the options are encoded with the check as one text, and scored from
//     the first token where their encodings differ, so a BPE merge across
//     the check/verdict boundary cannot give one option a different prefix
//     than another;
//   - a verification prompt plus the cap that does not fit the context
//     gives no score.

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
)

// Self-verify check modes (SelfVerifyConfig.Check).
const (
	CheckGreedy = "greedy" // the model writes its check greedily, the verdict options follow it
	CheckNone   = "none"   // the verdict options follow the verification prompt directly
)

// SelfVerifyConfig configures the self-verify reward.
type SelfVerifyConfig struct {
	// Check is greedy (the verdict options are scored after the model's own
	// greedy worked check, as its verification format has them) or none
	// (right after the prompt, for a model that answers with the verdict
	// alone). Default greedy.
	Check string `json:"check"`
	// Template is the verification prompt with {problem} and {solution};
	// "" is the RISE verification template (--rise-template).
	Template string `json:"template"`
	// MaxNewTokens caps the greedy check. Default 96.
	MaxNewTokens int `json:"max_new_tokens"`
}

// DefaultSelfVerifyConfig returns the defaults documented on SelfVerifyConfig.
func DefaultSelfVerifyConfig() SelfVerifyConfig {
	return SelfVerifyConfig{Check: CheckGreedy, MaxNewTokens: 96}
}

// Validate checks the configuration and says how to fix it.
func (c SelfVerifyConfig) Validate() error {
	switch {
	case c.Check != CheckGreedy && c.Check != CheckNone:
		return fmt.Errorf("self-verify-check = %q: choose greedy or none", c.Check)
	case c.MaxNewTokens < 1:
		return fmt.Errorf("self-verify-max-new-tokens = %d: must be ≥ 1", c.MaxNewTokens)
	}
	if c.Template != "" {
		if err := CheckTemplate(c.Template); err != nil {
			return fmt.Errorf("self-verify-template: %w", err)
		}
	}
	return nil
}

// SelfVerifyReward is the self-verify reward.
type SelfVerifyReward struct {
	Cfg      SelfVerifyConfig
	Scale    rewards.VerdictScale
	Template string // the resolved verification prompt

	policy *rl.Policy
}

// NewSelfVerifyReward returns the self-verify reward; verify is the RISE
// verification template (the default prompt) and scale its verdict scale.
// The configuration is the caller's to validate.
func NewSelfVerifyReward(cfg SelfVerifyConfig, verify string, scale rewards.VerdictScale) *SelfVerifyReward {
	t := cfg.Template
	if t == "" {
		t = verify
	}
	return &SelfVerifyReward{Cfg: cfg, Scale: scale, Template: t}
}

// Name returns "self-verify".
func (r *SelfVerifyReward) Name() string { return "self-verify" }

// NeedsLabel returns false: the model's own verdict reads no label.
func (r *SelfVerifyReward) NeedsLabel() bool { return false }

// Bind implements ModelReward.
func (r *SelfVerifyReward) Bind(p *rl.Policy) { r.policy = p }

// Bound implements ModelReward.
func (r *SelfVerifyReward) Bound() *rl.Policy { return r.policy }

// setRound implements ModelReward: the greedy check draws no randomness.
func (r *SelfVerifyReward) setRound(*round) {}

// Score implements rewards.Reward as a batch of one.
func (r *SelfVerifyReward) Score(ctx context.Context, ex data.Example, c rewards.Completion) rewards.Result {
	return r.ScoreBatch(ctx, []rewards.Item{{Example: ex, Completion: c}})[0]
}

// Options returns the verdict options in scale order: Correct, Wrong, NoAnswer.
func (r *SelfVerifyReward) Options() []float64 {
	return []float64{r.Scale.Correct, r.Scale.Wrong, r.Scale.NoAnswer}
}

// ScoreBatch implements rewards.BatchReward.
func (r *SelfVerifyReward) ScoreBatch(ctx context.Context, items []rewards.Item) []rewards.Result {
	out := make([]rewards.Result, len(items))
	probs, why := r.Probabilities(ctx, items)
	for i, ps := range probs {
		if ps == nil {
			out[i] = rewards.NoScore("self-verify: " + why[i])
			continue
		}
		out[i] = rewards.Scored(ps[0], fmt.Sprintf("p(correct) %.3f", ps[0]))
	}
	return out
}

// Probabilities returns, per item, the normalised probabilities of the
// verdict options (Options order; they sum to 1), or nil with the reason
// when the item cannot be scored.
func (r *SelfVerifyReward) Probabilities(ctx context.Context, items []rewards.Item) ([][]float64, []string) {
	probs := make([][]float64, len(items))
	why := make([]string, len(items))
	p := r.policy
	if p == nil {
		for i := range why {
			why[i] = "no model bound"
		}
		return probs, why
	}
	capTokens := 0
	if r.Cfg.Check == CheckGreedy {
		capTokens = r.Cfg.MaxNewTokens
	}
	prompts := make([][]int32, len(items))
	var at []int // items whose prompt fits
	for i, it := range items {
		prompts[i] = p.EncodePrompt(RenderVerify(r.Template, it.Example.Prompt, it.Completion.Text))
		if need := capTokens + r.optionTokens(p); !fits(p, len(prompts[i]), need) {
			why[i] = fmt.Sprintf("verification prompt of %d tokens + %d (check and verdict) exceeds the context of %d", len(prompts[i]), need, p.Model.Cfg.MaxSeqLen)
			continue
		}
		at = append(at, i)
	}
	checks := make([]string, len(items))
	if r.Cfg.Check == CheckGreedy && len(at) > 0 {
		batch := make([][]int32, len(at))
		for k, i := range at {
			batch[k] = prompts[i]
		}
		rc := rl.RolloutConfig{GroupSize: 1, MaxBatch: 256,
			Sample: nn.SampleConfig{Greedy: true, Temperature: 1, MaxNewTokens: r.Cfg.MaxNewTokens}}
		comps, _, err := p.Sample(ctx, batch, rc, nil)
		if err != nil {
			for _, i := range at {
				why[i] = err.Error()
			}
			return probs, why
		}
		kept := at[:0:0]
		for k, i := range at {
			text := p.DecodeCompletion(comps[k])
			cut := strings.Index(text, "<"+rewards.VerdictTag+">")
			if cut < 0 {
				why[i] = "the check wrote no verdict tag"
				continue
			}
			checks[i] = text[:cut]
			kept = append(kept, i)
		}
		at = kept
	}
	opts := r.Options()
	var seqs []nn.Seq
	for _, i := range at {
		seqs = append(seqs, optionSeqs(p, prompts[i], checks[i], opts)...)
	}
	lps := p.SequenceLogProbs(ctx, seqs)
	for k, i := range at {
		ps := rl.NormalizeLogProbs(lps[k*len(opts) : (k+1)*len(opts)])
		if math.IsNaN(ps[0]) {
			why[i] = "every verdict option has probability 0"
			continue
		}
		probs[i] = ps
	}
	return probs, why
}

// optionTokens bounds the tokens of one verdict option with its EOS.
func (r *SelfVerifyReward) optionTokens(p *rl.Policy) int {
	n := 0
	for _, v := range r.Options() {
		n = max(n, len(p.Codec.Encode(rewards.VerdictText(v)))+1)
	}
	return n
}

// optionSeqs returns one sequence per verdict option: the prompt tokens,
// then check + <verdict>v</verdict> encoded as one text, then EOS, each
// scored from the first token where the options' completions differ.
func optionSeqs(p *rl.Policy, prompt []int32, check string, opts []float64) []nn.Seq {
	comps := make([][]int32, len(opts))
	common := -1
	for k, v := range opts {
		comps[k] = append(p.Codec.Encode(check+rewards.VerdictText(v)), p.EOS)
		if k == 0 {
			common = len(comps[k])
			continue
		}
		n := 0
		for n < min(common, len(comps[k])) && comps[k][n] == comps[0][n] {
			n++
		}
		common = n
	}
	seqs := make([]nn.Seq, len(opts))
	for k, c := range comps {
		toks := append(append(make([]int32, 0, len(prompt)+len(c)), prompt...), c...)
		seqs[k] = nn.Seq{Tokens: toks, Start: len(prompt) + common}
	}
	return seqs
}
