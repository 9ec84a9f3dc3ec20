package rl

import (
	"fmt"

	"github.com/rltrain/rltrain/data"
)

// EncodePairs tokenizes preference pairs read from the file name: the prompt
// as PromptText, each completion followed by eos, as SFT demonstrations and
// sampled completions are. A pair whose prompt plus longer completion does
// not fit maxLen positions is an error naming its file:line.
func EncodePairs(codec Codec, eos int32, pairs []data.Pair, name string, maxLen int) ([]DPOPair, error) {
	out := make([]DPOPair, len(pairs))
	for i, p := range pairs {
		d := DPOPair{
			Prompt:   codec.Encode(PromptText(p.Prompt)),
			Chosen:   append(codec.Encode(p.Chosen), eos),
			Rejected: append(codec.Encode(p.Rejected), eos),
		}
		if n := len(d.Prompt) + max(len(d.Chosen), len(d.Rejected)); n > maxLen {
			return nil, &data.LineError{File: name, Line: p.Line, Err: fmt.Errorf(
				"prompt + completion is %d tokens, over the model's %d positions: shorten the pair or drop the line", n, maxLen)}
		}
		out[i] = d
	}
	return out, nil
}
