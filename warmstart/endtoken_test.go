package warmstart

import (
	"testing"

	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/tokenizer"
)

func TestEndToken(t *testing.T) {
	tc := tokenizer.DefaultTrainConfig()
	tc.VocabSize = 300
	plain := tc
	plain.Specials = []string{"<|end_of_text|>"}
	withEOT := tc
	withEOT.Specials = []string{"<|pad|>", tokenizer.EndOfText}
	texts := []string{"a b c", "1 2 3"}
	own, err := tokenizer.Train(texts, withEOT)
	if err != nil {
		t.Fatal(err)
	}
	llama, err := tokenizer.Train(texts, plain)
	if err != nil {
		t.Fatal(err)
	}
	hf := &nn.Model{Origin: nn.Origin{Generation: nn.GenerationConfig{EOSTokenIDs: []int{0, 7}}}}
	if id, ok := EndToken(own, hf); !ok || id != 1 {
		t.Errorf("own tokenizer: %d %v, want its <|endoftext|> id 1", id, ok)
	}
	if id, ok := EndToken(llama, hf); !ok || id != 0 {
		t.Errorf("no <|endoftext|>: %d %v, want generation_config's first eos id 0", id, ok)
	}
	if _, ok := EndToken(llama, &nn.Model{}); ok {
		t.Error("no <|endoftext|> and no eos ids: accepted")
	}
}
