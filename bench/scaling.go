package bench

// The inputs and the table of `rltrain bench scaling`: a run folder's
// measured step phases fed to the ring all-reduce cost model of package
// dist (dist/costmodel.go).

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/rltrain/rltrain/dist"
	"github.com/rltrain/rltrain/nn"
)

// NamedLink is a link with the name its table rows carry.
type NamedLink struct {
	Name string
	dist.Link
}

// StepPhasesFromRun reads a finished one-process run folder: the median
// rollout_s, score_s and train_s of metrics.jsonl (the first step, which
// allocates buffers, is left out when there are three or more), the
// completions per step and optimiser passes of config.json, and the
// gradient size from the parameter count of final/config.json.
// smallReduces is passed through (the trainer's reductions per step).
func StepPhasesFromRun(dir string, smallReduces int) (dist.StepPhases, error) {
	s := dist.StepPhases{SmallReduces: smallReduces}
	mpath := filepath.Join(dir, "metrics.jsonl")
	f, err := os.Open(mpath)
	if err != nil {
		return s, fmt.Errorf("bench scaling: %w (point --run at a finished run folder)", err)
	}
	defer f.Close()
	var ro, sc, tr, toks, clen []float64
	sn := bufio.NewScanner(f)
	sn.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; sn.Scan(); line++ {
		var m map[string]float64
		if err := json.Unmarshal(sn.Bytes(), &m); err != nil {
			return s, fmt.Errorf("%s:%d: %v", mpath, line, err)
		}
		if m["skipped"] == 1 {
			continue
		}
		if _, ok := m["train_s"]; !ok {
			return s, fmt.Errorf("%s:%d: no train_s: not a metrics line of rltrain", mpath, line)
		}
		ro, sc, tr = append(ro, m["rollout_s"]), append(sc, m["score_s"]), append(tr, m["train_s"])
		if tps, ok := m["tokens_per_s"]; ok {
			toks = append(toks, tps*(m["rollout_s"]+m["score_s"]+m["train_s"]))
			clen = append(clen, m["completions/mean_length"])
		}
	}
	if err := sn.Err(); err != nil {
		return s, fmt.Errorf("%s: %w", mpath, err)
	}
	if len(tr) == 0 {
		return s, fmt.Errorf("%s: no trained steps", mpath)
	}
	if len(tr) >= 3 {
		ro, sc, tr = ro[1:], sc[1:], tr[1:]
	}
	s.Rollout, s.Score, s.Train = Median(ro), Median(sc), Median(tr)

	cpath := filepath.Join(dir, "config.json")
	b, err := os.ReadFile(cpath)
	if err != nil {
		return s, fmt.Errorf("bench scaling: %w", err)
	}
	var cfg struct {
		Algorithm map[string]json.RawMessage `json:"algorithm"`
		Train     struct {
			PromptsPerStep int   `json:"prompts_per_step"`
			BalanceBatch   *bool `json:"balance_batch"`
		} `json:"train"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return s, fmt.Errorf("%s: %v", cpath, err)
	}
	group, iters := 1, 1
	for _, raw := range cfg.Algorithm { // the preset's own object: grpo, ppo, nft, …
		var a struct {
			GroupSize     int `json:"group_size"`
			NumIterations int `json:"num_iterations"`
		}
		if json.Unmarshal(raw, &a) == nil && a.GroupSize > 0 {
			group, iters = a.GroupSize, max(a.NumIterations, 1)
		}
	}
	s.Completions = cfg.Train.PromptsPerStep * group
	s.AllReduces = iters
	// Rows re-dealt across ranks (rl/balance.go, on unless the run turned
	// it off; never for PPO's critic) share per row its tokens, three
	// values per completion token and four more.
	var algo string
	json.Unmarshal(cfg.Algorithm["algo"], &algo)
	if bal := cfg.Train.BalanceBatch; (bal == nil || *bal) && algo != "ppo" && len(toks) > 0 {
		if len(toks) >= 3 {
			toks, clen = toks[1:], clen[1:]
		}
		s.ShareFloats64 = int(math.Round(4*float64(s.Completions) + Median(toks) + 3*Median(clen)*float64(s.Completions)))
	}
	hc, err := nn.ReadHFConfig(filepath.Join(dir, "final"))
	if err != nil {
		return s, fmt.Errorf("bench scaling: the gradient size comes from the run's final model: %w", err)
	}
	s.GradFloats = int(hc.ParamCount())
	return s, s.Validate()
}

// WriteScaling prints the cost model's prediction for every link and rank
// count: step time, its communication part, steps/s, completions/s of the
// job and the weak-scaling efficiency.
func WriteScaling(w io.Writer, s dist.StepPhases, ranks []int, links []NamedLink) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if len(ranks) == 0 || len(links) == 0 {
		return errors.New("bench scaling: no rank counts or no links")
	}
	one := dist.Predict(s, 1, dist.Link{Bandwidth: 1})
	fmt.Fprintf(w, "# step phases per rank: rollout %.3f s, score %.3f s, train %.3f s (compute %.3f s); %d completions/rank/step\n",
		s.Rollout, s.Score, s.Train, one.Compute, s.Completions)
	fmt.Fprintf(w, "# gradient %d floats (%.1f MB), %d all-reduce(s) and %d small reductions per step; rows re-dealt: %d float64 values per rank\n",
		s.GradFloats, 4*float64(s.GradFloats)/1e6, max(s.AllReduces, 1), s.SmallReduces, s.ShareFloats64)
	fmt.Fprintf(w, "# T_ring = 2(p-1)/p * 4n/B + 2(p-1)*latency; small = ceil(log2 p)*latency; step = compute + comm (balanced ranks, no overlap)\n")
	fmt.Fprintf(w, "%-22s %6s %10s %10s %7s %9s %12s %6s\n", "link", "ranks", "step s", "comm ms", "comm%", "steps/s", "completions/s", "eff")
	fmt.Fprintf(w, "%-22s %6d %10.3f %10.2f %6.1f%% %9.3f %12.1f %5.1f%%\n", "(one rank)", 1, one.Step, 0.0, 0.0, one.StepsPerSec, one.CompletionsPerSec, 100.0)
	for _, l := range links {
		if !(l.Bandwidth > 0) || l.Latency < 0 || math.IsInf(l.Latency, 0) {
			return fmt.Errorf("bench scaling: link %s: need a positive bandwidth and a latency ≥ 0", l.Name)
		}
		for _, p := range ranks {
			if p < 1 {
				return fmt.Errorf("bench scaling: rank count %d: must be ≥ 1", p)
			}
			pr := dist.Predict(s, p, l.Link)
			fmt.Fprintf(w, "%-22s %6d %10.3f %10.2f %6.1f%% %9.3f %12.1f %5.1f%%\n", l.Name, p, pr.Step, 1e3*pr.Comm, 100*pr.CommShare,
				pr.StepsPerSec, pr.CompletionsPerSec, 100*pr.Efficiency)
		}
	}
	return nil
}
