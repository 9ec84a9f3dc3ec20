package rewards

// Self-verification verdicts (RISE, Liu et al., arXiv 2505.13445;
// docs/algorithms.md §4). A solution's outcome score is +1 (correct), −0.5
// (an answer, but wrong) or −1 (no answer); a verification completion ends
// with the model's guess of that score in one strict tag, and is rewarded on
// the same scale for guessing it.

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/rltrain/rltrain/data"
)

// VerdictTag is the tag a verification completion ends with:
// <verdict>-0.5</verdict>.
const VerdictTag = "verdict"

// VerdictScale is the outcome-score scale of solutions, and so of verdicts.
type VerdictScale struct {
	// Correct, Wrong and NoAnswer score a correct solution, one whose answer
	// is wrong, and one without an answer. Default RISE's 1, −0.5, −1.
	Correct, Wrong, NoAnswer float64
}

// DefaultVerdictScale returns RISE's scale.
func DefaultVerdictScale() VerdictScale { return VerdictScale{Correct: 1, Wrong: -0.5, NoAnswer: -1} }

// Validate checks that the three scores are finite and distinct.
func (s VerdictScale) Validate() error {
	for _, v := range []float64{s.Correct, s.Wrong, s.NoAnswer} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("rewards: verdict scale %v: scores must be finite", s)
		}
	}
	if s.Correct == s.Wrong || s.Correct == s.NoAnswer || s.Wrong == s.NoAnswer {
		return fmt.Errorf("rewards: verdict scale %v: the three scores must differ", s)
	}
	return nil
}

// FormatVerdict writes a score as a verdict value ("1", "-0.5").
func FormatVerdict(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// VerdictText is the closing tag pair of a verification completion.
func VerdictText(v float64) string {
	return "<" + VerdictTag + ">" + FormatVerdict(v) + "</" + VerdictTag + ">"
}

// ParseVerdict reads the verdict of a verification completion. The format
// is strict so that text quoted from the solution under check can never be
// taken for the verdict: the completion must hold exactly one
// <verdict>…</verdict> pair, with nothing but white space after it, and its
// content must be one of the scale's three values.
func ParseVerdict(completion string, scale VerdictScale) (float64, bool) {
	open, close := "<"+VerdictTag+">", "</"+VerdictTag+">"
	if strings.Count(completion, open) != 1 || strings.Count(completion, close) != 1 {
		return 0, false
	}
	i := strings.Index(completion, open)
	j := strings.Index(completion, close)
	if j < i || strings.TrimSpace(completion[j+len(close):]) != "" {
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(completion[i+len(open):j]), 64)
	if err != nil {
		return 0, false
	}
	for _, s := range []float64{scale.Correct, scale.Wrong, scale.NoAnswer} {
		if v == s {
			return v, true
		}
	}
	return 0, false
}

// SelfVerify is the verification reward. The example's Answer holds the
// outcome score of the solution under check (FormatVerdict of it); a
// verdict equal to it earns Scale.Correct, a different verdict Scale.Wrong,
// and no parsable verdict Scale.NoAnswer, so the verifier is rewarded on the
// same scale as the solver.
type SelfVerify struct{ Scale VerdictScale }

// NewSelfVerify returns the verification reward after validating scale.
func NewSelfVerify(scale VerdictScale) (*SelfVerify, error) {
	if err := scale.Validate(); err != nil {
		return nil, err
	}
	return &SelfVerify{Scale: scale}, nil
}

// Name returns "verify".
func (r *SelfVerify) Name() string { return "verify" }

// Score implements Reward.
func (r *SelfVerify) Score(ctx context.Context, ex data.Example, c Completion) Result {
	if err := ctx.Err(); err != nil {
		return ctxResult(err)
	}
	want, err := strconv.ParseFloat(strings.TrimSpace(ex.Answer), 64)
	if err != nil {
		return NoScore("gold unusable: outcome score " + quote(ex.Answer))
	}
	got, ok := ParseVerdict(c.Text, r.Scale)
	switch {
	case !ok:
		return Scored(r.Scale.NoAnswer, "no verdict")
	case got == want:
		return Scored(r.Scale.Correct, "verdict "+FormatVerdict(got)+" right")
	}
	return Scored(r.Scale.Wrong, "verdict "+FormatVerdict(got)+", want "+FormatVerdict(want))
}
