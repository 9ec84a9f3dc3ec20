package rl

import (
	"context"
	"os"
	"testing"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/tokenizer"
)

func TestDebugImprovement(t *testing.T) {
	dir := os.Getenv("WARM")
	if dir == "" {
		t.Skip()
	}
	m, err := nn.LoadModel(dir)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := tokenizer.Load(dir + "/tokenizer.json")
	eos, _ := tok.SpecialID(tokenizer.EndOfText)
	gc := data.DefaultGenConfig()
	gc.Countdown.MinNumbers, gc.Countdown.MaxNumbers = 3, 3
	exs, _ := data.Generate("countdown", 2000, 1, gc)
	rw, _ := rewards.ForTask("countdown")
	algo, _ := Preset("grpo")
	algo.GRPO.MaxCompletionLen = 96
	cfg := DefaultTrainConfig()
	pol := &Policy{Model: m, Codec: tok, EOS: eos}
	tr, err := NewTrainer(cfg, algo, pol, nil, rw, exs)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		res, err := tr.Step(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		b := res.Batch
		var seqs []nn.Seq
		for _, e := range b.Episodes {
			tu := e.Turns[0]
			seqs = append(seqs, nn.Seq{Tokens: append(append([]int32{}, tu.Prompt...), tu.Completion...), Start: len(tu.Prompt)})
		}
		sc := m.Score(seqs, nn.ScoreOptions{})
		var pos, neg float64
		var np, nn_ int
		for i, e := range b.Episodes {
			tu := e.Turns[0]
			var d float64
			for j := range tu.LogProbs {
				d += float64(sc.LogP[i][j] - tu.LogProbs[j])
			}
			if res.Adv[i] > 0 {
				pos += d
				np++
			} else if res.Adv[i] < 0 {
				neg += d
				nn_++
			}
		}
		t.Logf("step %d: pos seqs %d mean Δlogp %.4f, neg seqs %d mean Δlogp %.4f, metrics loss %.4f gn %.3f", i, np, pos/float64(max(np, 1)), nn_, neg/float64(max(nn_, 1)), res.Metrics["loss"], res.Metrics["grad_norm"])
	}
}
