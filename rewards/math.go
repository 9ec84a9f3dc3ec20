package rewards

// The math accuracy reward: TRL's accuracy_reward and verl's math_dapo in one
// Go verifier (docs/algorithms.md §8.2). A gold answer that is empty gives no
// score (TRL returns None and skips it); a missing answer in the completion
// is wrong, not unscorable.

import (
	"context"
	"errors"
	"fmt"

	"github.com/rltrain/rltrain/data"
)

// Verdict is the outcome of checking one completion against a gold answer.
type Verdict int

const (
	Incorrect     Verdict = iota // an answer was found and does not match
	Correct                      // an answer was found and matches
	NoAnswer                     // no answer could be extracted
	VerifierError                // could not verify: bad gold, timeout
)

var verdictNames = [...]string{"incorrect", "correct", "no answer", "verifier error"}

func (v Verdict) String() string {
	if v < 0 || int(v) >= len(verdictNames) {
		return fmt.Sprintf("Verdict(%d)", int(v))
	}
	return verdictNames[v]
}

// MathConfig configures the math accuracy reward.
type MathConfig struct {
	Extract ExtractConfig
	Compare CompareConfig
	// CorrectScore, WrongScore and NoAnswerScore are the rewards of each
	// verdict. Defaults 1, 0, 0 (TRL accuracy_reward); verl's math_dapo
	// uses 1, −1, −1.
	CorrectScore, WrongScore, NoAnswerScore float64
}

// DefaultMathConfig returns the defaults documented on MathConfig and its parts.
func DefaultMathConfig() MathConfig {
	return MathConfig{Extract: DefaultExtractConfig(), Compare: DefaultCompareConfig(), CorrectScore: 1}
}

// Validate checks the configuration.
func (c MathConfig) Validate() error {
	e := c.Extract
	if e.AnswerTag == "" && !e.Boxed && !e.AnswerLine && !e.LastNumber {
		return errors.New("rewards: MathConfig.Extract: every answer source is off; enable at least one (AnswerTag, Boxed, AnswerLine, LastNumber)")
	}
	return c.Compare.Validate()
}

// VerifyMath extracts the answer of completion and compares it with gold.
// The reason is a short log string.
func VerifyMath(ctx context.Context, gold, completion string, cfg MathConfig) (Verdict, string) {
	if err := ctx.Err(); err != nil {
		return VerifierError, ctxResult(err).Reason
	}
	pred, src, ok := ExtractAnswer(completion, cfg.Extract)
	if !ok {
		return NoAnswer, "no answer"
	}
	eq, err := Compare(ctx, gold, pred, cfg.Compare)
	switch {
	case errors.Is(err, ErrGold):
		return VerifierError, "gold unusable: " + quote(gold)
	case err != nil:
		return VerifierError, ctxResult(err).Reason
	case eq:
		return Correct, "correct (" + src + ")"
	}
	return Incorrect, "got " + quote(pred) + " want " + quote(gold)
}

// Math is the accuracy reward for answers with a single correct value
// (numbers, fractions, tuples, sets, LaTeX), checked against Example.Answer.
type Math struct{ Cfg MathConfig }

// NewMath returns a Math reward after validating cfg.
func NewMath(cfg MathConfig) (*Math, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Math{Cfg: cfg}, nil
}

// Name returns "accuracy", TRL's name for this reward.
func (m *Math) Name() string { return "accuracy" }

// Score implements Reward.
func (m *Math) Score(ctx context.Context, ex data.Example, c Completion) Result {
	v, reason := VerifyMath(ctx, ex.Answer, c.Text, m.Cfg)
	switch v {
	case Correct:
		return Scored(m.Cfg.CorrectScore, reason)
	case Incorrect:
		return Scored(m.Cfg.WrongScore, reason)
	case NoAnswer:
		return Scored(m.Cfg.NoAnswerScore, reason)
	}
	return NoScore(reason)
}
