package rl

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/dist"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
)

// EvalConfig configures held-out evaluation.
type EvalConfig struct {
	// K samples per problem at Temperature give pass@1 (their mean accuracy,
	// the number RLVR papers report), pass@k and maj@k. Default 4; ≥ 1.
	K int `json:"k"`
	// Temperature of the sampled evaluation; the training temperature.
	// Default 1.
	Temperature float32 `json:"temperature"`
	// MaxNewTokens caps each completion (the training cap). Default 128.
	MaxNewTokens int `json:"max_new_tokens"`
	// MaxBatch bounds the rows decoded together. Default 256.
	MaxBatch int `json:"max_batch"`
	// CorrectThreshold: a completion is correct when its first reward
	// component (accuracy) scores at least this (Turn.Correct). Default 0.5.
	CorrectThreshold float64 `json:"correct_threshold"`
	// RewardTimeout bounds each reward call. Default 2s.
	RewardTimeout time.Duration `json:"reward_timeout"`
}

// DefaultEvalConfig returns the defaults documented on EvalConfig.
func DefaultEvalConfig() EvalConfig {
	return EvalConfig{K: 4, Temperature: 1, MaxNewTokens: 128, MaxBatch: 256, CorrectThreshold: 0.5, RewardTimeout: 2 * time.Second}
}

// Validate checks the configuration.
func (c EvalConfig) Validate() error {
	if c.K < 1 {
		return fmt.Errorf("eval k = %d: must be ≥ 1", c.K)
	}
	if !(c.Temperature > 0) {
		return fmt.Errorf("eval temperature = %g: must be > 0 (greedy accuracy is reported separately)", c.Temperature)
	}
	if c.MaxNewTokens < 1 || c.MaxBatch < 1 {
		return fmt.Errorf("eval max_new_tokens = %d and max_batch = %d: both must be ≥ 1", c.MaxNewTokens, c.MaxBatch)
	}
	return nil
}

// EvalResult holds held-out metrics over N problems.
type EvalResult struct {
	N int `json:"n"` // problems evaluated
	K int `json:"k"` // samples per problem
	// Pass1 is the mean accuracy of the K samples per problem at the
	// evaluation temperature (pass@1 as RLVR papers report it).
	Pass1 float64 `json:"pass@1"`
	// Greedy is the accuracy of the greedy completion.
	Greedy float64 `json:"greedy"`
	// PassK is the fraction of problems with at least one correct sample.
	PassK float64 `json:"pass@k"`
	// MajK is the accuracy of the majority answer among the K samples
	// (answers extracted by rewards.ExtractAnswer; ties go to the answer seen
	// first; samples without an answer do not vote).
	MajK float64 `json:"maj@k"`
	// Reward is the mean (weighted) reward of the sampled completions.
	Reward float64 `json:"reward"`
	// Unscored is the fraction of samples the reward could not score.
	Unscored float64 `json:"unscored"`
	// MeanLength is the mean sampled completion length in tokens.
	MeanLength float64 `json:"mean_length"`
	// Extra holds the metrics of evaluations that extend this one (RISE's
	// verify_acc, self_verify@k, …); they are written beside the fields
	// above, as keys of the same JSON object.
	Extra map[string]float64 `json:"-"`
}

// evalFields is EvalResult without its methods, for encoding.
type evalFields EvalResult

// MarshalJSON writes the fields and the Extra metrics as one object.
func (r EvalResult) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(evalFields(r))
	if err != nil || len(r.Extra) == 0 {
		return b, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range r.Extra {
		if _, clash := m[k]; clash {
			return nil, fmt.Errorf("rl: eval metric %q in Extra shadows a field", k)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			m[k] = nil
		} else {
			m[k] = v
		}
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads the fields and keeps every other numeric key in Extra.
func (r *EvalResult) UnmarshalJSON(b []byte) error {
	var f evalFields
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	known, _ := json.Marshal(evalFields{})
	var km map[string]json.RawMessage
	json.Unmarshal(known, &km)
	for k, v := range m {
		if _, ok := km[k]; ok {
			continue
		}
		var x float64
		if json.Unmarshal(v, &x) == nil {
			if f.Extra == nil {
				f.Extra = map[string]float64{}
			}
			f.Extra[k] = x
		}
	}
	*r = EvalResult(f)
	return nil
}

func (r EvalResult) String() string {
	return fmt.Sprintf("pass@1 %.3f  greedy %.3f  pass@%d %.3f  maj@%d %.3f  (n=%d)",
		r.Pass1, r.Greedy, r.K, r.PassK, r.K, r.MajK, r.N)
}

// Evaluate measures the policy on held-out examples: K samples per problem at
// cfg.Temperature and one greedy completion each.
//
// Every sampled row has its own stream from s (kind StreamEval, the row's
// index), so a sharded evaluation samples what one process would.
func (p *Policy) Evaluate(ctx context.Context, exs []data.Example, reward *rewards.Weighted, cfg EvalConfig, s Streams) (EvalResult, error) {
	return p.EvaluateDist(ctx, nil, exs, reward, cfg, s)
}

// EvaluateDist is Evaluate across the ranks of c (nil: one process): each
// rank evaluates its shard of exs with the streams of the rows' global
// indices, and the counts and sums are added up, so every rank returns what
// one process would, up to the order of the floating-point sums.
func (p *Policy) EvaluateDist(ctx context.Context, c dist.Comm, exs []data.Example, reward *rewards.Weighted, cfg EvalConfig, s Streams) (EvalResult, error) {
	if err := cfg.Validate(); err != nil {
		return EvalResult{}, err
	}
	if c == nil {
		c = dist.Local()
	}
	res := EvalResult{N: len(exs), K: cfg.K}
	if len(exs) == 0 {
		return res, nil
	}
	lo, hi := shard(c, len(exs))
	var sums evalSums
	if hi > lo {
		var err error
		Phase(ctx, PhaseEval, func(ctx context.Context) {
			sums, err = p.evalShard(ctx, exs[lo:hi], lo, reward, cfg, s)
		})
		if err != nil {
			return res, err
		}
	}
	if err := allSum(c, sums.fields()...); err != nil {
		return res, fmt.Errorf("evaluate: %w", err)
	}
	n := float64(len(exs))
	if sums.scored > 0 {
		res.Reward = sums.reward / sums.scored
	}
	res.Pass1 = sums.pass1 / (n * float64(cfg.K))
	res.Greedy = sums.greedy / n
	res.PassK = sums.passK / n
	res.MajK = sums.majK / n
	res.Unscored = sums.unscored / (n * float64(cfg.K))
	res.MeanLength = sums.length / (n * float64(cfg.K))
	return res, nil
}

// evalSums are the additive parts of an EvalResult.
type evalSums struct {
	pass1, greedy, passK, majK, reward, scored, unscored, length float64
}

func (e *evalSums) fields() []*float64 {
	return []*float64{&e.pass1, &e.greedy, &e.passK, &e.majK, &e.reward, &e.scored, &e.unscored, &e.length}
}

// evalShard samples and scores exs, whose first problem has the global
// index base, and returns the sums of its metrics.
func (p *Policy) evalShard(ctx context.Context, exs []data.Example, base int, reward *rewards.Weighted, cfg EvalConfig, s Streams) (evalSums, error) {
	var e evalSums
	rc := RolloutConfig{GroupSize: cfg.K, MaxBatch: cfg.MaxBatch, RewardTimeout: cfg.RewardTimeout,
		Sample: nn.SampleConfig{Temperature: cfg.Temperature, MaxNewTokens: cfg.MaxNewTokens}}
	st := SingleTurn{Reward: reward}
	s.Purpose = StreamEval
	sampled, err := st.Build(ctx, p, BuildInput{Examples: exs, Rollout: rc, Keys: &KeySource{}, Streams: s, RowBase: base})
	if err != nil {
		return e, fmt.Errorf("evaluate (sampled): %w", err)
	}
	rc.GroupSize = 1
	rc.Sample = nn.SampleConfig{Greedy: true, MaxNewTokens: cfg.MaxNewTokens}
	greedy, err := st.Build(ctx, p, BuildInput{Examples: exs, Rollout: rc, Keys: &KeySource{}, Streams: s, RowBase: base})
	if err != nil {
		return e, fmt.Errorf("evaluate (greedy): %w", err)
	}
	for i := range exs {
		eps := sampled.Episodes[i*cfg.K : (i+1)*cfg.K]
		row := make([]float32, cfg.K)
		texts := make([]string, cfg.K)
		any := false
		for j := range eps {
			tu := eps[j].Final()
			row[j], texts[j] = tu.Correct(cfg.CorrectThreshold), tu.Text
			e.length += float64(len(tu.Completion))
			if v := tu.Total.Value(); !math.IsNaN(v) {
				e.reward += v
				e.scored++
			}
			if math.IsNaN(float64(row[j])) {
				e.unscored++
				continue
			}
			e.pass1 += float64(row[j])
			any = any || row[j] == 1
		}
		if any {
			e.passK++
		}
		if greedy.Episodes[i].Final().Correct(cfg.CorrectThreshold) == 1 {
			e.greedy++
		}
		if MajorityCorrect(texts, row) {
			e.majK++
		}
	}
	return e, nil
}

// MajorityCorrect reports whether the most frequent extracted answer among
// texts (ties: the one seen first) belongs to a correct sample.
func MajorityCorrect(texts []string, correct []float32) bool {
	counts := map[string]int{}
	first := map[string]int{}
	best, bestN := "", 0
	for i, t := range texts {
		a, _, ok := rewards.ExtractAnswer(t, rewards.DefaultExtractConfig())
		if !ok {
			continue
		}
		a = strings.Join(strings.Fields(a), "")
		if _, seen := first[a]; !seen {
			first[a] = i
		}
		counts[a]++
		if counts[a] > bestN || (counts[a] == bestN && first[a] < first[best]) {
			best, bestN = a, counts[a]
		}
	}
	if bestN == 0 {
		return false
	}
	return correct[first[best]] == 1
}
