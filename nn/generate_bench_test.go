package nn

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/rltrain/rltrain/tensor"
)

// Benchmark shape of the generation goals: B prompts of
// benchPromptLen random tokens, 128 new tokens each, plain sampling at
// temperature 1 over the full vocabulary, no stop tokens. tok/s counts
// generated tokens only (the prefill is included in the time).
const (
	benchPromptLen = 32
	benchNewTokens = 128
)

func BenchmarkGenerate(b *testing.B) {
	// The pool's thread count is fixed at package init, before -cpu sets
	// GOMAXPROCS: follow -cpu so that -cpu 1 is one worker.
	defer tensor.SetThreads(tensor.SetThreads(runtime.GOMAXPROCS(0)))
	for _, mc := range []struct {
		name string
		cfg  Config
	}{{"S", ConfigS()}, {"M", ConfigM()}} {
		for _, batch := range []int{16, 1} {
			b.Run(fmt.Sprintf("%s/batch%d", mc.name, batch), func(b *testing.B) {
				m, err := NewModel(mc.cfg)
				if err != nil {
					b.Fatal(err)
				}
				m.InitRandom(rand.New(rand.NewPCG(1, 1)))
				prompts := make([][]int32, batch)
				rng := rand.New(rand.NewPCG(2, 2))
				for i := range prompts {
					prompts[i] = make([]int32, benchPromptLen)
					for j := range prompts[i] {
						prompts[i][j] = int32(rng.IntN(mc.cfg.VocabSize))
					}
				}
				g := NewGenerator(m, batch, benchPromptLen+benchNewTokens)
				sc := SampleConfig{Temperature: 1, MaxNewTokens: benchNewTokens}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					comps, err := g.Generate(prompts, sc, rand.New(rand.NewPCG(uint64(i), 3)))
					if err != nil {
						b.Fatal(err)
					}
					if len(comps[batch-1].Tokens) != benchNewTokens {
						b.Fatalf("%d tokens generated, want %d", len(comps[batch-1].Tokens), benchNewTokens)
					}
				}
				b.ReportMetric(float64(b.N*batch*benchNewTokens)/b.Elapsed().Seconds(), "tok/s")
			})
		}
	}
}

// BenchmarkGenerateGroups is the RL rollout shape: 2 prompts of 96 tokens ×
// 8 samples each in 16 slots, 128 new tokens, with and without the shared
// prefill of repeated prompts.
func BenchmarkGenerateGroups(b *testing.B) {
	defer tensor.SetThreads(tensor.SetThreads(runtime.GOMAXPROCS(0)))
	cfg := ConfigS()
	m, err := NewModel(cfg)
	if err != nil {
		b.Fatal(err)
	}
	m.InitRandom(rand.New(rand.NewPCG(1, 1)))
	rng := rand.New(rand.NewPCG(2, 2))
	var prompts [][]int32
	for range 2 {
		p := make([]int32, 96)
		for j := range p {
			p[j] = int32(rng.IntN(cfg.VocabSize))
		}
		for range 8 {
			prompts = append(prompts, p)
		}
	}
	for _, share := range []bool{true, false} {
		b.Run(fmt.Sprintf("S/share=%v", share), func(b *testing.B) {
			g := NewGenerator(m, 16, 96+benchNewTokens)
			g.noShare = !share
			sc := SampleConfig{Temperature: 1, MaxNewTokens: benchNewTokens}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := g.Generate(prompts, sc, rand.New(rand.NewPCG(uint64(i), 3))); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(prompts)*benchNewTokens)/b.Elapsed().Seconds(), "tok/s")
		})
	}
}
