package warmstart

// Inputs that cannot fit the model's context are refused when the tokenizer
// is known — at load time with --init, right after the tokenizer is trained
// for a warm start — naming the file and line, instead of failing at the
// first step that samples them.

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rl"
)

// Fit says what must fit in a model's context for each example.
type Fit struct {
	// Context is the model's positions (nn.Config.MaxSeqLen).
	Context int
	// Reserve is the completion tokens kept free after a prompt (the RL
	// completion cap or the evaluation's max new tokens); ReserveFlag names
	// the flag that sets it, for the message.
	Reserve     int
	ReserveFlag string
	// Solution counts the example's solution and the end token after the
	// prompt instead of Reserve (SFT demonstrations); examples without a
	// solution are skipped.
	Solution bool
	// Where names an example's source ("train.jsonl:12"); nil names its ID.
	Where func(data.Example) string
	// Fix says how to get past a too-long example; appended to the error.
	Fix string
}

// maxListed is how many too-long examples an error lists.
const maxListed = 5

// CheckFit returns an error listing the examples (the first maxListed, and
// how many more) whose prompt — rl.PromptText(prompt), as rollouts, SFT and
// evaluation encode it — plus the reserve or the solution passes the
// context: "file:line: N tokens > context C (…)".
func CheckFit(codec rl.Codec, exs []data.Example, f Fit) error {
	var lines []string
	bad := 0
	for _, ex := range exs {
		if f.Solution && ex.Solution == "" {
			continue
		}
		p := len(codec.Encode(rl.PromptText(ex.Prompt)))
		n, what := p+f.Reserve, fmt.Sprintf("a %d-token prompt + %d completion tokens (%s)", p, f.Reserve, f.ReserveFlag)
		if f.Solution {
			s := len(codec.Encode(ex.Solution))
			n, what = p+s+1, fmt.Sprintf("a %d-token prompt + a %d-token solution + the end token", p, s)
		}
		if n <= f.Context {
			continue
		}
		bad++
		if len(lines) < maxListed {
			where := "example " + ex.ID
			if f.Where != nil {
				where = f.Where(ex)
			}
			lines = append(lines, fmt.Sprintf("%s: %d tokens > context %d (%s)", where, n, f.Context, what))
		}
	}
	if bad == 0 {
		return nil
	}
	if bad > len(lines) {
		lines = append(lines, fmt.Sprintf("… and %d more", bad-len(lines)))
	}
	msg := strings.Join(lines, "\n")
	if f.Fix != "" {
		msg += "\n" + f.Fix
	}
	return errors.New(msg)
}
