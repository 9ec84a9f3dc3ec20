package rl

import (
	"math"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rewards"
)

// Role says what a Turn does inside an Episode. Single-turn RLVR uses only
// RoleSolve; RISE adds RoleVerify turns built from the model's own solution;
// SCoRe is RoleSolve followed by RoleCorrect; self-rewarding adds RoleJudge.
type Role string

// The roles a Turn can play.
const (
	RoleSolve   Role = "solve"   // answer the task's prompt
	RoleVerify  Role = "verify"  // judge the model's own earlier solution
	RoleCorrect Role = "correct" // revise an earlier attempt
	RoleJudge   Role = "judge"   // rate another completion (LLM-as-judge)
)

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool {
	switch r {
	case RoleSolve, RoleVerify, RoleCorrect, RoleJudge:
		return true
	}
	return false
}

// Turn is one model call inside an Episode: the tokens it was shown, the
// tokens it produced, what they earned, and how they are trained. It is the
// unit of training: Rows turns each trainable turn into one loss row.
type Turn struct {
	// Role is what this turn does.
	Role Role
	// Prompt is the full context fed to the model before Completion (for a
	// later turn it already contains the earlier turns).
	Prompt []int32
	// Completion is the generated tokens, including the stop token if one was hit.
	Completion []int32
	// LogProbs are the behaviour policy's log-probs of Completion, one per
	// token, at the sampling temperature over the full vocabulary (lp_old).
	LogProbs []float32
	// Mask is the per-token loss mask over Completion (nil = train on every
	// token). Zero it for tool/environment tokens inserted into a completion.
	Mask []float32
	// Train says whether the turn is a loss row. A turn that is only context
	// for a later one (an earlier attempt shown again) sets it false.
	Train bool
	// Group is the turn's group key: advantages are normalised among the
	// turns that share it (the G samples of one prompt instance; the K
	// verifications of one solution; the second attempts of one prompt).
	// Turns of one group must be adjacent in row order.
	Group int
	// KLWeight multiplies β for this turn's tokens (1 for the usual KL; SCoRe
	// Stage I puts a larger weight on first attempts).
	KLWeight float32
	// LossWeight scales the turn's whole loss row (policy, KL and entropy
	// terms); 0 means 1. RISE weighs its verification turns with it.
	LossWeight float32
	// Text is the decoded completion, without the stop token.
	Text string
	// PromptText is the text of Prompt when it is not the example's prompt
	// (a later turn's context, e.g. SCoRe's correction prompt with the first
	// attempt in it), for samples.jsonl; "" means the example's prompt.
	PromptText string
	// Reward is the (weighted) total reward of this turn, the number the
	// advantages are computed from. NaN means unscorable (verifier error,
	// unparsable gold): such a turn is left out of group statistics and gets
	// advantage 0. Never map an error to 0. A builder that shapes rewards
	// (SCoRe's stages) overwrites it after SetReward and leaves Total and
	// Parts as scored, so the reward and accuracy metrics stay the task's.
	Reward float32
	// Total is the weighted reward's verdict with its reason (Reward is its
	// value unless a builder shaped it).
	Total rewards.Result
	// Parts are the individual reward functions' verdicts, in the order of
	// the reward set that produced them (for rewards/<fn>/mean and Correct).
	Parts []rewards.Result
	// NoVerdict keeps the turn's verdict out of training: objectives that
	// train on verdicts rather than rewards (NFT) give its row no policy
	// term, as a constant reward does for group estimators, so the row
	// trains through the KL (and entropy) terms only. SCoRe's Stage I sets
	// it on first attempts. Metrics still read Correct.
	NoVerdict bool
	// Truncated is true when generation hit the length cap without a stop token.
	Truncated bool
	// Advantage is the scalar advantage assigned to this turn (for logging).
	Advantage float32
}

// Scorable reports whether the turn has a reward (not NaN).
func (t *Turn) Scorable() bool { return !math.IsNaN(float64(t.Reward)) }

// SetReward stores a weighted verdict and its components on the turn.
func (t *Turn) SetReward(total rewards.Result, parts []rewards.Result) {
	t.Total, t.Parts = total, parts
	t.Reward = float32(total.Value())
}

// Correct is the verdict of the turn's first reward component (the task's
// accuracy reward): 1 when it scored at least threshold, 0 below, NaN when it
// could not score. It is the one definition of "correct" behind pass@1,
// greedy, pass@k, maj@k, NFT's verdict, dynamic sampling and the accuracy
// metric (docs/algorithms.md §0.1).
func (t *Turn) Correct(threshold float64) float32 {
	return Correct(t.Parts, threshold)
}

// Correct is Turn.Correct on a bare list of reward components.
func Correct(parts []rewards.Result, threshold float64) float32 {
	switch {
	case len(parts) == 0 || !parts[0].OK:
		return float32(math.NaN())
	case parts[0].Score >= threshold:
		return 1
	}
	return 0
}

// Episode is everything the model did for one example: one Turn for
// single-turn RLVR, several for verification or self-correction.
type Episode struct {
	// Example is the data example the episode answers.
	Example data.Example
	// Turns are the model calls in order.
	Turns []Turn
}

// Final returns the last turn, whose reward is the episode's outcome. It
// panics on an episode without turns, which no builder produces.
func (e *Episode) Final() *Turn {
	if len(e.Turns) == 0 {
		panic("rl: episode has no turns")
	}
	return &e.Turns[len(e.Turns)-1]
}

// Batch is one step's episodes, in row order, with the timing of the
// phases that produced them.
type Batch struct {
	Episodes []Episode
	// GenSeconds and ScoreSeconds time generation and scoring.
	GenSeconds, ScoreSeconds float64
	// GenTokens counts the generated tokens (prompt tokens excluded).
	GenTokens int
}

// Len is the number of episodes.
func (b *Batch) Len() int { return len(b.Episodes) }

// Append adds the episodes of o at the given indices and its timings
// (dynamic sampling keeps some groups of each generation round).
func (b *Batch) Append(o *Batch, idx []int) {
	b.GenSeconds += o.GenSeconds
	b.ScoreSeconds += o.ScoreSeconds
	b.GenTokens += o.GenTokens
	for _, i := range idx {
		b.Episodes = append(b.Episodes, o.Episodes[i])
	}
}

// Turns returns pointers to every turn of the batch with the given role
// (all roles when role is ""), in row order.
func (b *Batch) Turns(role Role) []*Turn {
	var out []*Turn
	for i := range b.Episodes {
		for j := range b.Episodes[i].Turns {
			if t := &b.Episodes[i].Turns[j]; role == "" || t.Role == role {
				out = append(out, t)
			}
		}
	}
	return out
}
