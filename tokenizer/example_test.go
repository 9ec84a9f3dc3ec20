package tokenizer_test

import (
	"fmt"
	"strings"

	"github.com/rltrain/rltrain/tokenizer"
)

// A small tokenizer for arithmetic: single digits (the default split), the
// task's tags learned as merges, the ChatML specials first. The corpus is too
// small for 300 tokens, so training stops when no pair occurs twice.
func ExampleTrain() {
	var corpus []string
	for a := 10; a < 60; a++ {
		corpus = append(corpus, fmt.Sprintf("<think>%d + %d = %d</think> <answer>%d</answer>", a, 2*a, 3*a, 3*a))
	}
	cfg := tokenizer.DefaultTrainConfig()
	cfg.VocabSize = 300
	tok, err := tokenizer.Train(corpus, cfg)
	if err != nil {
		panic(err)
	}
	ids := tok.Encode("<think>12 + 24 = 36</think><|im_end|>")
	var parts []string
	for _, id := range ids {
		s, _ := tok.Token(id)
		parts = append(parts, fmt.Sprintf("%q", s))
	}
	fmt.Println(tok.VocabSize(), strings.Join(parts, " "))
	eos, _ := tok.SpecialID("<|im_end|>")
	fmt.Println("im_end:", eos, "round trip:", tok.Decode(ids) == "<think>12 + 24 = 36</think><|im_end|>")
	// Output:
	// 274 "<think" ">" "1" "2" " +" " " "2" "4" " =" " " "3" "6" "</" "think" ">" "<|im_end|>"
	// im_end: 2 round trip: true
}

func ExampleTokenizer_EncodeChat() {
	cfg := tokenizer.DefaultTrainConfig()
	cfg.VocabSize = 280
	tok, err := tokenizer.Train([]string{"What is 2+2? <answer>4</answer>"}, cfg)
	if err != nil {
		panic(err)
	}
	enc, err := tok.EncodeChat([]tokenizer.Message{
		{Role: tokenizer.RoleUser, Content: "What is 2+2?"},
		{Role: tokenizer.RoleAssistant, Content: "<answer>4</answer>"},
	}, false)
	if err != nil {
		panic(err)
	}
	var asst []int32
	for i, id := range enc.IDs {
		if enc.AssistantMask[i] {
			asst = append(asst, id)
		}
	}
	fmt.Printf("%d tokens, %d by the assistant: %q\n", len(enc.IDs), len(asst), tok.Decode(asst))
	// Output:
	// 39 tokens, 9 by the assistant: "<answer>4</answer><|im_end|>"
}
