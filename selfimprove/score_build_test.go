package selfimprove_test

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/selfimprove"
)

// randomPolicy is an untrained byte-level model with a 128-token context.
func randomPolicy(t *testing.T) *rl.Policy {
	t.Helper()
	m, err := nn.NewModel(nn.Config{VocabSize: 257, Dim: 16, NLayers: 1, NHeads: 2, NKVHeads: 2, FFNDim: 32, MaxSeqLen: 128,
		RopeTheta: 10000, NormEps: 1e-5, TieEmbeddings: true})
	if err != nil {
		t.Fatal(err)
	}
	m.InitRandom(rand.New(rand.NewPCG(1, 2)))
	return &rl.Policy{Model: m, Codec: rl.ByteCodec{}, EOS: 256}
}

// TestSCoReBuild builds two-turn batches with an untrained model whose
// 128-token context holds a short problem's second turn but never a long
// one's: the long problem's episodes are skipped whole and counted, the
// others get a second attempt whose prompt holds the first attempt's exact
// text, in groups of their own, credited and KL-weighted by the stage;
// with only long problems Build fails and names the fix.
func TestSCoReBuild(t *testing.T) {
	pol := randomPolicy(t)
	reward, err := rewards.ParseSpec("format", rewards.SpecOptions{})
	if err != nil {
		t.Fatal(err)
	}
	short := data.Example{ID: "s", Prompt: strings.Repeat("s", 10)}
	long := data.Example{ID: "l", Prompt: strings.Repeat("l", 110)} // turn 1 fits (110+1+8), turn 2 never (> 110+49+8)
	cfg := selfimprove.DefaultSCoReConfig()
	cfg.Schedule, cfg.Alpha, cfg.Beta2 = 1, 10, 0.1
	s, err := selfimprove.NewSCoRe(cfg, reward, 0.01, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	const G = 2
	rc := rl.RolloutConfig{GroupSize: G, MaxBatch: 8, Sample: nn.SampleConfig{Temperature: 1, MaxNewTokens: 8}}
	keys := &rl.KeySource{}
	for _, step := range []int{1, 2} {
		stage := step // score-schedule 1: Stage I at step 1, Stage II after
		in := rl.BuildInput{Examples: []data.Example{short, long, short}, Rollout: rc, Keys: keys, Streams: rl.Streams{Seed: 3, Step: step}, Step: step}
		b, err := s.Build(context.Background(), pol, in)
		if err != nil {
			t.Fatal(err)
		}
		if b.Len() != 2*G {
			t.Fatalf("step %d: %d episodes, want %d (the long problem's %d skipped)", step, b.Len(), 2*G, G)
		}
		t1keys, t2keys := map[int]int{}, map[int]int{}
		for _, e := range b.Episodes {
			if e.Example.ID != "s" || len(e.Turns) != 2 || e.Turns[0].Role != rl.RoleSolve || e.Turns[1].Role != rl.RoleCorrect {
				t.Fatalf("step %d: episode %s with %d turns", step, e.Example.ID, len(e.Turns))
			}
			t1, t2 := e.Turns[0], e.Turns[1]
			t1keys[t1.Group]++
			t2keys[t2.Group]++
			if got, want := (rl.ByteCodec{}).Decode(t2.Prompt), rl.PromptText(selfimprove.RenderCorrect(cfg.Template, e.Example.Prompt, t1.Text)); got != want {
				t.Fatalf("second-turn prompt %q, want %q", got, want)
			}
			r1, r2 := selfimprove.SCoReCredit(stage, t1.Total.Value(), t2.Total.Value(), cfg.Alpha)
			if !same(float64(t1.Reward), r1) || !same(float64(t2.Reward), r2) {
				t.Fatalf("stage %d: rewards (%g, %g), want (%g, %g)", stage, t1.Reward, t2.Reward, r1, r2)
			}
			w1, w2 := selfimprove.SCoReKLWeights(stage, cfg.Beta2/0.01)
			if t1.KLWeight != w1 || t2.KLWeight != w2 || t1.NoVerdict != (stage == 1) || t2.NoVerdict || !t1.Train || !t2.Train {
				t.Fatalf("stage %d: KL weights (%g, %g), no-verdict %v, train %v %v", stage, t1.KLWeight, t2.KLWeight, t1.NoVerdict, t1.Train, t2.Train)
			}
			if len(t1.Parts) == 0 || len(t2.Parts) == 0 {
				t.Fatal("reward parts not kept for the metrics")
			}
		}
		for k, n := range t2keys {
			if _, clash := t1keys[k]; clash || n != G {
				t.Fatalf("second-attempt group %d: %d rows, shared with first attempts %v", k, n, clash)
			}
		}
		if len(t1keys) != 2 || len(t2keys) != 2 {
			t.Fatalf("groups: %d first-attempt, %d second-attempt; want 2 and 2", len(t1keys), len(t2keys))
		}
		rows, err := rl.Rows(b.Episodes)
		if err != nil {
			t.Fatal(err)
		}
		keysOf := make([]int, len(rows))
		for i, r := range rows {
			keysOf[i] = r.Group
		}
		for _, sp := range rl.GroupSpans(keysOf) {
			role := b.Episodes[rows[sp.Lo].Episode].Turns[rows[sp.Lo].Turn].Role
			for i := sp.Lo; i < sp.Hi; i++ {
				if b.Episodes[rows[i].Episode].Turns[rows[i].Turn].Role != role || sp.Len() != G {
					t.Fatalf("row group %v mixes roles or has %d rows", sp, sp.Len())
				}
			}
		}
		met, err := s.Extend(context.Background(), pol, b, in)
		if err != nil {
			t.Fatal(err)
		}
		if met["score/skipped_overlong"] != G || met["score/stage"] != float64(stage) {
			t.Fatalf("step %d: metrics %v", step, met)
		}
		for _, k := range []string{"score/edit_ratio", "score/mean_length_t2"} {
			if _, ok := met[k]; !ok {
				t.Errorf("metric %s missing: %v", k, met)
			}
		}
	}
	if met, _ := s.Extend(context.Background(), pol, &rl.Batch{}, rl.BuildInput{}); met["score/skipped_overlong"] != 0 {
		t.Fatalf("skip count not reset: %v", met)
	}
	_, err = s.Build(context.Background(), pol, rl.BuildInput{Examples: []data.Example{long}, Rollout: rc, Keys: keys, Streams: rl.Streams{Seed: 3, Step: 1}, Step: 1})
	if err == nil || !strings.Contains(err.Error(), "--score-max-new-tokens") {
		t.Fatalf("nothing fits: error %v, want one naming --score-max-new-tokens", err)
	}
}

// TestEvalSCoReKeys runs the evaluation with an untrained model and checks
// the keys summary.json gets, the skip count and the Δ identity.
func TestEvalSCoReKeys(t *testing.T) {
	pol := randomPolicy(t)
	reward, err := rewards.ParseSpec("format", rewards.SpecOptions{})
	if err != nil {
		t.Fatal(err)
	}
	exs := []data.Example{{ID: "a", Prompt: "aaaa"}, {ID: "l", Prompt: strings.Repeat("l", 110)}, {ID: "b", Prompt: "bbbb"}, {ID: "c", Prompt: "c"}}
	ec := rl.DefaultEvalConfig()
	ec.K, ec.MaxNewTokens = 3, 8
	m, err := selfimprove.EvalSCoRe(context.Background(), pol, selfimprove.DefaultSCoReConfig(), exs, reward, ec, rl.Streams{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"acc_t1", "acc_t2", "delta_t1_t2", "delta_i2c", "delta_c2i", "edit_ratio", "delta_t1_t2_se", "skipped_overlong"} {
		if _, ok := m[k]; !ok {
			t.Errorf("key %s missing: %v", k, m)
		}
	}
	if m["skipped_overlong"] != 3 {
		t.Errorf("skipped_overlong = %g, want 3 (the long problem's K samples)", m["skipped_overlong"])
	}
	if d := m["delta_t1_t2"] - (m["delta_i2c"] - m["delta_c2i"]); math.Abs(d) > 1e-12 {
		t.Errorf("Δ identity off by %g: %v", d, m)
	}
	if _, err := selfimprove.EvalSCoRe(context.Background(), pol, selfimprove.DefaultSCoReConfig(), exs[1:2], reward, ec, rl.Streams{Seed: 5}); err == nil {
		t.Error("nothing fits: want an error")
	}
}
