package selfimprove_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/selfimprove"
)

// handVerdictProbs computes the self-verify probabilities of one item by
// hand: each full option sequence (prompt, check, verdict, EOS) is scored
// from the end of the prompt — the tokens the options share add the same
// log-probability to each and cancel — and the exponentials are
// normalised in float64.
func handVerdictProbs(t *testing.T, pol *rl.Policy, prompt, check string, opts []float64) []float64 {
	t.Helper()
	p := pol.EncodePrompt(prompt)
	var seqs []nn.Seq
	for _, v := range opts {
		toks := append(append(append([]int32{}, p...), pol.Codec.Encode(check+rewards.VerdictText(v))...), pol.EOS)
		seqs = append(seqs, nn.Seq{Tokens: toks, Start: len(p)})
	}
	sc := pol.Model.Score(seqs, nn.ScoreOptions{})
	lp := make([]float64, len(opts))
	for k, row := range sc.LogP {
		for _, v := range row {
			lp[k] += float64(v)
		}
	}
	sum := 0.0
	for _, v := range lp {
		sum += math.Exp(v)
	}
	out := make([]float64, len(opts))
	for k, v := range lp {
		out[k] = math.Exp(v) / sum
	}
	return out
}

// TestSelfVerifyProbabilities: with no check the reward is p(Correct)
// normalised over the three verdict options, which sum to 1 and match the
// hand computation; with a greedy check the options follow the check, cut
// where its verdict tag opens; a check without a verdict tag gives no
// score.
func TestSelfVerifyProbabilities(t *testing.T) {
	scale := rewards.DefaultVerdictScale()
	items := judgeItems(2, 2)
	t.Run("none", func(t *testing.T) {
		pol := randomPolicy(t)
		cfg := selfimprove.DefaultSelfVerifyConfig()
		cfg.Check = selfimprove.CheckNone
		r := selfimprove.NewSelfVerifyReward(cfg, selfimprove.DefaultVerifyTemplate, scale)
		if r.Name() != "self-verify" || rewards.NeedsLabel(r) {
			t.Fatalf("name %q, needs label %v", r.Name(), rewards.NeedsLabel(r))
		}
		r.Bind(pol)
		probs, why := r.Probabilities(context.Background(), items)
		res := r.ScoreBatch(context.Background(), items)
		for i, ps := range probs {
			if ps == nil {
				t.Fatalf("item %d: %s", i, why[i])
			}
			sum := 0.0
			for _, p := range ps {
				sum += p
			}
			if math.Abs(sum-1) > 1e-9 {
				t.Errorf("item %d: probabilities %v sum to %v", i, ps, sum)
			}
			want := handVerdictProbs(t, pol, selfimprove.RenderVerify(selfimprove.DefaultVerifyTemplate, items[i].Example.Prompt, items[i].Completion.Text), "", r.Options())
			for k := range ps {
				if math.Abs(ps[k]-want[k]) > 1e-5 {
					t.Errorf("item %d option %d: %v, by hand %v", i, k, ps[k], want[k])
				}
			}
			if !res[i].OK || res[i].Score != ps[0] || ps[0] <= 0 || ps[0] >= 1 {
				t.Errorf("item %d: reward %v, p(correct) %v", i, res[i], ps[0])
			}
		}
	})
	t.Run("greedy check", func(t *testing.T) {
		pol := randomPolicy(t)
		pol.Codec = checkCodec{}
		cfg := selfimprove.DefaultSelfVerifyConfig()
		cfg.MaxNewTokens = 8
		r := selfimprove.NewSelfVerifyReward(cfg, selfimprove.DefaultVerifyTemplate, scale)
		r.Bind(pol)
		probs, why := r.Probabilities(context.Background(), items)
		for i, ps := range probs {
			if ps == nil {
				t.Fatalf("item %d: %s", i, why[i])
			}
			want := handVerdictProbs(t, pol, selfimprove.RenderVerify(selfimprove.DefaultVerifyTemplate, items[i].Example.Prompt, items[i].Completion.Text), "answer 3. ok.", r.Options())
			for k := range ps {
				if math.Abs(ps[k]-want[k]) > 1e-5 {
					t.Errorf("item %d option %d: %v, by hand %v", i, k, ps[k], want[k])
				}
			}
		}
		pol.Codec = garbleCodec{}
		for _, res := range r.ScoreBatch(context.Background(), items) {
			if res.OK || !strings.Contains(res.Reason, "no verdict tag") {
				t.Errorf("check without a verdict: %v", res)
			}
		}
	})
}

// checkCodec reads and writes bytes, but every generated check decodes to
// one with a verdict, whose tag the reward cuts off.
type checkCodec struct{ rl.ByteCodec }

func (checkCodec) Decode(ids []int32) string {
	return "answer 3. ok.<verdict>-1</verdict>"
}
