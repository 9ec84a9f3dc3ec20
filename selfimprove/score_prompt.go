package selfimprove

import (
	"fmt"
	"strings"
)

// DefaultCorrectTemplate is SCoRe's second-turn prompt: the problem, the
// model's first attempt verbatim, and a fixed instruction saying the attempt
// may hold a mistake and asking for the answer again, in the same format as
// the first (for the built-in countdown task, <think>…</think><answer>…</answer>).
// It carries the sense of the paper's instruction (arXiv 2409.12917), not
// its words: that sentence is written for a large chat model and would cost
// a ~1M-parameter model's 256-token context as much as a whole attempt; the
// prompt and both attempts must fit (docs/algorithms.md §5).
const DefaultCorrectTemplate = "{problem}\nattempt: {attempt}\nthere may be a mistake. answer again:"

// CheckCorrectTemplate reports an error unless template holds {problem}
// and {attempt} exactly once each.
func CheckCorrectTemplate(template string) error {
	for _, k := range []string{"{problem}", "{attempt}"} {
		if n := strings.Count(template, k); n != 1 {
			return fmt.Errorf("score-template %q has %s %d times: it needs it exactly once", template, k, n)
		}
	}
	return nil
}

// RenderCorrect fills the second-turn template with the problem and the
// exact text of the first attempt. It substitutes in one pass (like
// RenderVerify), so an attempt that contains "{problem}" stays as written.
func RenderCorrect(template, problem, attempt string) string {
	return strings.NewReplacer("{problem}", problem, "{attempt}", attempt).Replace(template)
}
