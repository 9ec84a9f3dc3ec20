package selfimprove

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
)

// verdictPolicy is a byte-level model trained for a moment to answer any
// verification prompt with a verdict, "correct" or "wrong" at random, so
// that sampled judgments parse and differ.
func verdictPolicy(t *testing.T) *rl.Policy {
	t.Helper()
	m, err := nn.NewModel(nn.Config{VocabSize: 257, Dim: 32, NLayers: 1, NHeads: 2, NKVHeads: 2, FFNDim: 64, MaxSeqLen: 160,
		RopeTheta: 10000, NormEps: 1e-5, TieEmbeddings: true})
	if err != nil {
		t.Fatal(err)
	}
	m.InitRandom(rand.New(rand.NewPCG(1, 2)))
	pol := &rl.Policy{Model: m, Codec: rl.ByteCodec{}, EOS: 256}
	rng := rand.New(rand.NewPCG(3, 4))
	scale := rewards.DefaultVerdictScale()
	var seqs []nn.Seq
	for i := range 64 {
		resp := strings.Repeat(string(rune('a'+rng.IntN(26))), 1+rng.IntN(8))
		v := scale.Correct
		if i%2 == 1 {
			v = scale.Wrong
		}
		p := pol.EncodePrompt(RenderVerify(DefaultVerifyTemplate, "reach 10 with 2 5", resp))
		seqs = append(seqs, nn.Seq{Tokens: append(append(p, pol.Codec.Encode(rewards.VerdictText(v))...), pol.EOS), Start: len(p)})
	}
	sc := nn.DefaultSFTConfig()
	sc.Steps, sc.BatchSeqs, sc.LR, sc.EvalEvery = 150, 16, 1e-2, 0
	if err := nn.SFT(m, seqs, nil, sc, nil); err != nil {
		t.Fatal(err)
	}
	return pol
}

// TestSelfRewardLoop runs two tiny iterations of the loop end to end: the
// model's own sampled verdicts make pairs, DPO trains on them, every
// iteration (and the start) is reported once, and the verifier only
// measures.
func TestSelfRewardLoop(t *testing.T) {
	pol := verdictPolicy(t)
	solve, err := rewards.ParseSpec("format", rewards.SpecOptions{})
	if err != nil {
		t.Fatal(err)
	}
	exs := make([]data.Example, 12)
	for i := range exs {
		exs[i] = data.Example{ID: string(rune('a' + i)), Prompt: "reach 10 with 2 5"}
	}
	cfg := DefaultSelfRewardConfig()
	cfg.Iterations, cfg.Prompts, cfg.Samples, cfg.MaxNewTokens = 2, 4, 4, 8
	cfg.Judge.Samples, cfg.Judge.MaxNewTokens = 3, 24
	cfg.PrefProblems, cfg.PrefSamples = 4, 2
	cfg.Train.BatchPairs = 2
	ec := rl.DefaultEvalConfig()
	ec.K, ec.MaxNewTokens = 1, 8
	var iters []int
	steps := map[int]int{}
	sr := &SelfReward{Cfg: cfg, Eval: ec, Solve: solve, VerifyTemplate: DefaultVerifyTemplate, Scale: rewards.DefaultVerdictScale(),
		Iteration: func(st IterStats, p *rl.Policy) error {
			iters = append(iters, st.Iteration)
			if p != pol {
				t.Errorf("iteration %d reported another policy", st.Iteration)
			}
			return nil
		},
		DPOStep: func(it int, p rl.DPOProgress) { steps[it]++ },
	}
	out, err := sr.Run(context.Background(), pol, exs[:8], exs[8:])
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 3 || len(iters) != 3 || iters[0] != 0 || iters[2] != 2 {
		t.Fatalf("reported %v, returned %d iterations; want 0, 1, 2", iters, len(out))
	}
	pairs := 0
	for _, st := range out[1:] {
		pairs += st.Pairs
		if st.Responses != 16 || st.Pairs+st.Ties+st.Unscored+st.Identical != 4 || !(st.JudgeParse > 0.5) {
			t.Errorf("iteration %d: %d responses, %d pairs + %d/%d/%d skipped, parse rate %.2f", st.Iteration, st.Responses, st.Pairs, st.Ties, st.Unscored, st.Identical, st.JudgeParse)
		}
		if st.Pairs > 0 && (steps[st.Iteration] != 2*((st.Pairs+1)/2) || st.DPO.Pairs != st.Pairs) {
			t.Errorf("iteration %d: %d pairs, %d DPO steps, DPO stats over %d", st.Iteration, st.Pairs, steps[st.Iteration], st.DPO.Pairs)
		}
		if st.Eval.N != 4 {
			t.Errorf("iteration %d: held-out evaluation of %d problems, want 4", st.Iteration, st.Eval.N)
		}
	}
	if pairs == 0 {
		t.Fatal("no pair in two iterations: the judge's verdicts never differed")
	}
}
