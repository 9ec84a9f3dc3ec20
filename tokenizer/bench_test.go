package tokenizer

import (
	"os"
	"strings"
	"testing"
)

// BenchmarkEncode measures encode throughput on the conformance corpus with
// warm word caches (the steady state of encoding a data set). The Node
// comparison is `rltrain bench tokenizer`.
func BenchmarkEncode(b *testing.B) {
	lines := readCorpus(b)
	n := 0
	for _, l := range lines {
		n += len(l)
	}
	toks := map[string]func() (*Tokenizer, error){
		"trained512": func() (*Tokenizer, error) {
			cfg := DefaultTrainConfig()
			return Train(lines, cfg)
		},
		"gpt2":  func() (*Tokenizer, error) { return Load(gpt2EncoderJSON) },
		"qwen3": func() (*Tokenizer, error) { return Load(qwen3JSON) },
	}
	for _, name := range []string{"trained512", "gpt2", "qwen3"} {
		b.Run(name, func(b *testing.B) {
			if name != "trained512" {
				if _, err := os.Stat(strings.TrimSuffix(map[string]string{"gpt2": gpt2EncoderJSON, "qwen3": qwen3JSON}[name], "")); err != nil {
					b.Skip("npm peers not installed (scripts/install-deps.sh)")
				}
			}
			tok, err := toks[name]()
			if err != nil {
				b.Fatal(err)
			}
			var ids []int32
			for _, l := range lines { // warm the cache
				ids = tok.AppendEncode(ids[:0], l)
			}
			b.SetBytes(int64(n))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for _, l := range lines {
					ids = tok.AppendEncode(ids[:0], l)
				}
			}
		})
	}
}
