package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/rltrain/rltrain/tensor"
)

// BenchmarkTrainStep measures one training step — Score with Grad over a
// micro-batch, Backward of the LM loss, grad-norm clipping and an AdamW
// update — on the S and M configurations, and reports tokens/s (batch ×
// sequence length per step). Threads follow tensor.Threads (GOMAXPROCS by
// default); run with -cpu 1,2 to get both. tok/cpu-s divides by the
// process's CPU time instead of wall time: on a loaded machine it is the
// steadier number (at -cpu 1 it estimates tok/s on an idle core).
//
//	go test ./nn -run '^$' -bench TrainStep -benchtime 3x -cpu 1,2
func BenchmarkTrainStep(b *testing.B) {
	for _, bc := range []struct {
		name       string
		cfg        Config
		batch, seq int
	}{
		{"S/seq256", ConfigS(), 8, 256},
		{"S/seq256", ConfigS(), 1, 256},
		{"M/seq512", ConfigM(), 4, 512},
	} {
		b.Run(fmt.Sprintf("%s/B%d", bc.name, bc.batch), func(b *testing.B) {
			prev := tensor.SetThreads(0) // follow -cpu (GOMAXPROCS)
			defer tensor.SetThreads(prev)
			m, err := NewModel(bc.cfg)
			if err != nil {
				b.Fatal(err)
			}
			m.InitRandom(rand.New(rand.NewPCG(1, 0)))
			o := NewAdamW(DefaultAdamWConfig(), m)
			rng := rand.New(rand.NewPCG(1, 1))
			seqs := make([]Seq, bc.batch)
			for i := range seqs {
				seqs[i] = Seq{Tokens: randTokens(rng, bc.seq, bc.cfg.VocabSize), Start: 1}
			}
			step := func() {
				m.ZeroGrad()
				lmStep(m, seqs, true)
				ClipGradNorm(m.G.Data, 1)
				o.Update(m, o.Cfg.LR)
			}
			step() // grow the buffers outside the timing
			b.ResetTimer()
			cpu0 := processCPUSeconds()
			for i := 0; i < b.N; i++ {
				step()
			}
			tokens := float64(bc.batch * bc.seq * b.N)
			b.ReportMetric(tokens/b.Elapsed().Seconds(), "tok/s")
			if cpu := processCPUSeconds() - cpu0; cpu > 0 {
				// CPU time summed over threads: at -cpu 2 this is ≈ tok/s per core.
				b.ReportMetric(tokens/cpu, "tok/cpu-s")
			}
		})
	}
}
