package nn

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/rltrain/rltrain/tensor"
)

func TestZZPhases(t *testing.T) {
	for _, th := range []int{1, 2} {
		prev := tensor.SetThreads(th)
		cfg := ConfigS()
		m, _ := NewModel(cfg)
		m.InitRandom(rand.New(rand.NewPCG(1, 0)))
		o := NewAdamW(DefaultAdamWConfig(), m)
		rng := rand.New(rand.NewPCG(1, 1))
		seqs := make([]Seq, 8)
		for i := range seqs {
			seqs[i] = Seq{Tokens: randTokens(rng, 256, cfg.VocabSize), Start: 1}
		}
		lmStep(m, seqs, true)
		acc := map[string]time.Duration{}
		tm := func(name string, f func()) { t0 := time.Now(); f(); acc[name] += time.Since(t0) }
		const reps = 5
		var total time.Duration
		for rep := 0; rep < reps; rep++ {
			t0 := time.Now()
			tm("zerograd", m.ZeroGrad)
			sc := m.Score(seqs, ScoreOptions{Grad: true})
			_ = sc
			// re-run forward pieces of layer 1 timed
			b := &m.batch
			n, C, F, d := b.n, cfg.Dim, cfg.FFNDim, dimsOf(cfg)
			a := &m.bufs.blocks[1]
			x := m.bufs.res[1][:n*C]
			lp, fv := &m.P.Layers[1], &m.pf[1]
			qkv := grow(&m.bufs.qkv, n*d.qkvDim())
			out := make([]float32, n*C)
			for l := 0; l < cfg.NLayers; l++ {
				tm("f.rms1", func() { rmsnormForward(a.ln1, a.rstd1, x, lp.AttnNorm, n, C, 1e-5) })
				tm("f.qkv", func() { linearForward(qkv, a.ln1, fv.wqkv, fv.bqkv, n, C, d.qkvDim()) })
				tm("f.split", func() { qkvSplit(a.q, a.k, a.v, qkv, b.pos, d, m.rope) })
				tm("f.attn", func() { attentionForward(a.atty, a.lse, a.q, a.k, a.v, b.seqs, d, &m.wb) })
				tm("f.copy", func() { copy(a.x2, x) })
				tm("f.o", func() { tensor.MatMulNT(a.x2, a.atty, lp.Wo, n, C, d.qDim(), true) })
				tm("f.rms2", func() { rmsnormForward(a.ln2, a.rstd2, a.x2, lp.MLPNorm, n, C, 1e-5) })
				tm("f.copy", func() { copy(out, a.x2) })
				tm("f.mlp.gu", func() { linearForward(a.gu, a.ln2, fv.wgu, nil, n, C, 2*F) })
				tm("f.mlp.swiglu", func() { swigluForward(a.h, a.gu, n, F) })
				tm("f.mlp.down", func() { tensor.MatMulNT(out, a.h, lp.WDown, n, C, F, true) })
			}
			// backward pieces
			s := &m.bufs
			gp, gv := &m.G.Layers[1], &m.gf[1]
			dx := make([]float32, n*C)
			for i := range dx {
				dx[i] = 1e-3
			}
			for l := 0; l < cfg.NLayers; l++ {
				dln := grow(&s.dln, n*C)
				dgu, dh := grow(&s.dgu, n*2*F), grow(&s.dh, n*F)
				tm("b.mlp.down", func() { linearBackward(dh, gp.WDown, nil, dx, a.h, lp.WDown, n, F, C, false) })
				tm("b.mlp.swiglu", func() { swigluBackward(dgu, dh, a.gu, n, F) })
				tm("b.mlp.gu", func() { linearBackward(dln, gv.wgu, nil, dgu, a.ln2, fv.wgu, n, C, 2*F, false) })
				tm("b.rms2", func() { rmsnormBackward(dx, gp.MLPNorm, dln, a.x2, lp.MLPNorm, a.rstd2, n, C) })
				datty := grow(&s.datty, n*d.qDim())
				tm("b.o", func() { linearBackward(datty, gp.Wo, nil, dx, a.atty, lp.Wo, n, d.qDim(), C, false) })
				dq, dk, dv := grow(&s.dq, n*d.qDim()), grow(&s.dk, n*d.kvDim()), grow(&s.dv, n*d.kvDim())
				tm("b.attn", func() { attentionBackward(dq, dk, dv, datty, a.q, a.k, a.v, a.atty, a.lse, b.seqs, d, &m.wb) })
				dqkv := grow(&s.qkv, n*d.qkvDim())
				tm("b.split", func() { qkvSplitBackward(dqkv, dq, dk, dv, b.pos, d, m.rope) })
				tm("b.qkv", func() { linearBackward(dln, gv.wqkv, gv.bqkv, dqkv, a.ln1, fv.wqkv, n, C, d.qkvDim(), false) })
				tm("b.rms1", func() { rmsnormBackward(dx, gp.AttnNorm, dln, x, lp.AttnNorm, a.rstd1, n, C) })
			}
			tm("all.step", func() { lmStep(m, seqs, true) })
			tm("clip", func() { ClipGradNorm(m.G.Data, 1) })
			tm("adamw", func() { o.Update(m, o.Cfg.LR) })
			total += time.Since(t0)
		}
		var names []string
		var sum time.Duration
		for k, v := range acc {
			names = append(names, k)
			if k != "all.step" {
				sum += v
			}
		}
		sort.Strings(names)
		fmt.Printf("threads=%d\n", th)
		for _, k := range names {
			fmt.Printf("  %-14s %8.2f ms\n", k, float64(acc[k].Microseconds())/1000/reps)
		}
		fmt.Printf("  sum(no step)   %8.2f ms\n", float64(sum.Microseconds())/1000/reps)
		tensor.SetThreads(prev)
	}
}
