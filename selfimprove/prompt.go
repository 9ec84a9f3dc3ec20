package selfimprove

import (
	"fmt"
	"math"
	"strings"

	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
)

// DefaultVerifyTemplate is the verification prompt: the problem, then the
// model's solution verbatim. The verifier answers with a worked check and a
// verdict (rewards.VerdictText).
const DefaultVerifyTemplate = "verify {problem}\nsolution: {solution}"

// CheckTemplate reports an error unless template holds {problem} and
// {solution} exactly once each.
func CheckTemplate(template string) error {
	for _, k := range []string{"{problem}", "{solution}"} {
		if n := strings.Count(template, k); n != 1 {
			return fmt.Errorf("selfimprove: verification template %q has %s %d times: it needs it exactly once", template, k, n)
		}
	}
	return nil
}

// RenderVerify fills the template with the problem and the exact solution
// text. It substitutes in one pass, so text inside the solution that looks
// like a placeholder stays as it is.
func RenderVerify(template, problem, solution string) string {
	return strings.NewReplacer("{problem}", problem, "{solution}", solution).Replace(template)
}

// Outcome is the outcome score of a solution turn on scale: Correct when the
// turn is correct (rl.Turn.Correct at threshold), Wrong when it gave an
// answer that is not, NoAnswer when no answer can be extracted from it, and
// NaN when the accuracy reward could not score it. It is the label a
// verification of the solution is rewarded for matching.
func Outcome(t *rl.Turn, threshold float64, scale rewards.VerdictScale) float64 {
	c := t.Correct(threshold)
	switch {
	case math.IsNaN(float64(c)):
		return math.NaN()
	case c == 1:
		return scale.Correct
	}
	if _, _, ok := rewards.ExtractAnswer(t.Text, rewards.DefaultExtractConfig()); ok {
		return scale.Wrong
	}
	return scale.NoAnswer
}
