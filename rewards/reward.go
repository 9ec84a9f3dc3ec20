package rewards

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/rltrain/rltrain/data"
)

// Completion is what a policy produced for an example.
type Completion struct {
	// Text is the decoded completion, without the prompt.
	Text string
	// Tokens is the completion length in tokens (the trainer knows it
	// exactly; rewards that need it report no score when it is 0 for a
	// non-empty Text).
	Tokens int
	// Truncated is true when generation stopped at the length cap rather
	// than at an end-of-sequence token.
	Truncated bool
}

// Result is a reward's verdict on one completion.
type Result struct {
	// Score is the reward; meaningful only when OK.
	Score float64
	// OK is false when the completion could not be scored (timeout, bad gold,
	// missing input). Such a result carries no score, not a score of 0.
	OK bool
	// Reason is a short human-readable explanation for logs.
	Reason string
}

// Scored returns an OK result.
func Scored(score float64, reason string) Result {
	return Result{Score: score, OK: true, Reason: reason}
}

// NoScore returns a could-not-score result.
func NoScore(reason string) Result { return Result{Score: math.NaN(), Reason: reason} }

// Value returns the score, or NaN when the result has no score, the form
// TRL's reward tensors use.
func (r Result) Value() float64 {
	if !r.OK {
		return math.NaN()
	}
	return r.Score
}

func (r Result) String() string {
	if !r.OK {
		return "no score (" + r.Reason + ")"
	}
	return fmt.Sprintf("%g (%s)", r.Score, r.Reason)
}

// Reward scores one completion of one example.
type Reward interface {
	// Name is the reward's name in logs ("accuracy", "format", …).
	Name() string
	// Score judges c against ex. It returns within ctx's deadline, reporting
	// no score if the deadline passes first.
	Score(ctx context.Context, ex data.Example, c Completion) Result
}

// ctxResult turns a context error into a no-score result.
func ctxResult(err error) Result {
	if errors.Is(err, context.DeadlineExceeded) {
		return NoScore("timeout")
	}
	return NoScore("canceled")
}

// quote shortens s for a reason string.
func quote(s string) string {
	const max = 24
	r := []rune(s)
	if len(r) > max {
		return fmt.Sprintf("%q…", string(r[:max]))
	}
	return fmt.Sprintf("%q", s)
}
