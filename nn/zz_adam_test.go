package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rltrain/rltrain/tensor"
)

func TestZZAdam(t *testing.T) {
	for _, cfg := range []Config{ConfigS(), ConfigM()} {
		m, _ := NewModel(cfg)
		m.InitRandom(rand.New(rand.NewPCG(1, 0)))
		o := NewAdamW(DefaultAdamWConfig(), m)
		o.Update(m, 1e-4)
		for r := 0; r < 3; r++ {
			for _, th := range []int{1, 2} {
				prev := tensor.SetThreads(th)
				t0 := time.Now()
				for i := 0; i < 10; i++ {
					o.Update(m, 1e-4)
				}
				d1 := time.Since(t0) / 10
				t0 = time.Now()
				for i := 0; i < 10; i++ {
					ClipGradNorm(m.G.Data, 1)
				}
				d2 := time.Since(t0) / 10
				t0 = time.Now()
				for i := 0; i < 10; i++ {
					m.ZeroGrad()
				}
				d3 := time.Since(t0) / 10
				fmt.Printf("params %d th=%d adamw %v clip %v zero %v\n", len(m.P.Data), th, d1, d2, d3)
				tensor.SetThreads(prev)
			}
		}
	}
}
