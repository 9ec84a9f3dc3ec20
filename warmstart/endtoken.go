package warmstart

import (
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/tokenizer"
)

// EndToken is the id that ends a completion: the tokenizer's <|endoftext|>
// (our own and the Qwen tokenizers have it), else the first end-of-sequence
// id of the checkpoint's generation_config.json or config.json (Llama 3's
// <|end_of_text|>, SmolLM2's <|endoftext|> under another id). ok is false
// when neither names one.
func EndToken(tok *tokenizer.Tokenizer, m *nn.Model) (id int32, ok bool) {
	if id, ok := tok.SpecialID(tokenizer.EndOfText); ok {
		return id, true
	}
	if m != nil {
		if stops := m.Origin.Generation.StopTokens(); len(stops) > 0 {
			return stops[0], true
		}
	}
	return 0, false
}
