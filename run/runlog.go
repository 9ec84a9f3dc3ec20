package run

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rl"
)

// RunLog writes a run's output folder: metrics.jsonl (one object per step,
// TRL's metric names), samples.jsonl (a few completions per step with their
// rewards and advantages), summary.json and PNG plots. A nil *RunLog writes
// nothing: the ranks of a data-parallel run other than rank 0 hold one.
type RunLog struct {
	Dir     string
	metrics *os.File
	samples *os.File
	evals   *os.File // evals.jsonl: every evaluation, for resuming
	mw, sw  *bufio.Writer
	// History keeps every step's metrics for the plots.
	History []map[string]float64
	// Evals keeps every evaluation (step → result) for the accuracy plot.
	Evals []StepEval
}

// StepEval is an evaluation taken after Step rollout batches.
type StepEval struct {
	Step int           `json:"step"`
	Eval rl.EvalResult `json:"eval"`
}

// OpenRunLog creates dir (and parents) and opens the log files for writing,
// truncating earlier ones.
func OpenRunLog(dir string) (*RunLog, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create run folder: %w", err)
	}
	l := &RunLog{Dir: dir}
	var err error
	if l.metrics, err = os.Create(filepath.Join(dir, "metrics.jsonl")); err != nil {
		return nil, err
	}
	if l.samples, err = os.Create(filepath.Join(dir, "samples.jsonl")); err != nil {
		l.metrics.Close()
		return nil, err
	}
	if l.evals, err = os.Create(filepath.Join(dir, evalsFile)); err != nil {
		l.metrics.Close()
		l.samples.Close()
		return nil, err
	}
	l.initWriters()
	return l, nil
}

// evalsFile records every evaluation of a run, one JSON object per line.
const evalsFile = "evals.jsonl"

func (l *RunLog) initWriters() { l.mw, l.sw = bufio.NewWriter(l.metrics), bufio.NewWriter(l.samples) }

// finiteMap drops NaN and Inf values, which JSON cannot hold.
func finiteMap(m map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out[k] = v
		}
	}
	return out
}

// Step appends one step's metrics (with "step" set) to metrics.jsonl.
func (l *RunLog) Step(step int, met map[string]float64) error {
	if l == nil {
		return nil
	}
	m := finiteMap(met)
	m["step"] = float64(step)
	l.History = append(l.History, m)
	b, err := json.Marshal(m) // map keys are sorted: stable lines
	if err != nil {
		return err
	}
	l.mw.Write(append(b, '\n'))
	return l.mw.Flush()
}

// SampleRecord is one line of samples.jsonl: one turn of a logged
// episode. The turns of an episode are adjacent lines sharing Step and
// Episode, in turn order, so a two-turn (SCoRe) episode reads as first
// attempt, then the correction prompt with that attempt in it, then the
// second attempt, each with its own rewards.
type SampleRecord struct {
	Step int `json:"step"`
	// Episode is the episode's index in the step's batch; Turn is the
	// turn's 1-based position in it, of Turns.
	Episode   int    `json:"episode"`
	Turn      int    `json:"turn"`
	Turns     int    `json:"turns"`
	Role      string `json:"role"`
	ExampleID string `json:"example_id"`
	// Prompt is what this turn was shown: the example's prompt for a first
	// turn, the rendered later-turn prompt (rl.Turn.PromptText) otherwise.
	Prompt     string `json:"prompt"`
	Completion string `json:"completion"`
	// Reward is the task reward's verdict on this turn (null when
	// unscorable); TrainedReward is what the advantages were computed from
	// when a builder shaped it (SCoRe's stages), else omitted.
	Reward        *float64            `json:"reward"`
	TrainedReward *float64            `json:"trained_reward,omitempty"`
	Rewards       map[string]*float64 `json:"rewards"`
	Reasons       map[string]string   `json:"reasons"`
	Advantage     float64             `json:"advantage"`
	Truncated     bool                `json:"truncated"`
}

func optFloat(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// Samples writes up to n episodes of a step's batch to samples.jsonl,
// spread over the batch, every turn of each (see SampleRecord).
func (l *RunLog) Samples(step int, res rl.StepResult, names []string, n int) error {
	if l == nil {
		return nil
	}
	b := res.Batch
	if b == nil || n <= 0 || len(b.Episodes) == 0 {
		return nil
	}
	stride := max(1, len(b.Episodes)/n)
	for i := 0; i < len(b.Episodes) && i/stride < n; i += stride {
		e := &b.Episodes[i]
		for j := range e.Turns {
			tu := &e.Turns[j]
			rec := SampleRecord{Step: step, Episode: i, Turn: j + 1, Turns: len(e.Turns), Role: string(tu.Role),
				ExampleID: e.Example.ID, Prompt: e.Example.Prompt, Completion: tu.Text, Reward: optFloat(tu.Total.Value()),
				Rewards: map[string]*float64{}, Reasons: map[string]string{}, Truncated: tu.Truncated,
				Advantage: float64(tu.Advantage)}
			if tu.PromptText != "" {
				rec.Prompt = tu.PromptText
			}
			if r, t := tu.Reward, float32(tu.Total.Value()); r != t && !(math.IsNaN(float64(r)) && math.IsNaN(float64(t))) {
				rec.TrainedReward = optFloat(float64(r))
			}
			for k, name := range names {
				if k < len(tu.Parts) {
					rec.Rewards[name] = optFloat(tu.Parts[k].Value())
					rec.Reasons[name] = tu.Parts[k].Reason
				}
			}
			// Completions are full of <think> and <answer>: keep them readable.
			enc := json.NewEncoder(l.sw)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(rec); err != nil {
				return err
			}
		}
	}
	return l.sw.Flush()
}

// AddEval records an evaluation taken after step rollout batches (in
// evals.jsonl too, so that a resumed run still has its eval_before).
func (l *RunLog) AddEval(step int, r rl.EvalResult) error {
	if l == nil {
		return nil
	}
	e := StepEval{Step: step, Eval: r}
	l.Evals = append(l.Evals, e)
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if _, err := l.evals.Write(append(b, '\n')); err != nil {
		return err
	}
	return l.evals.Sync()
}

// Close flushes and closes the log files.
func (l *RunLog) Close() error {
	if l == nil {
		return nil
	}
	l.mw.Flush()
	l.sw.Flush()
	err1 := l.metrics.Close()
	err2 := l.samples.Close()
	l.evals.Close()
	if err1 != nil {
		return err1
	}
	return err2
}

// Summary is summary.json.
type Summary struct {
	Algo        string  `json:"algorithm"`
	Task        string  `json:"task"`
	Steps       int     `json:"steps"`
	WallSeconds float64 `json:"wall_time_s"`
	// Kernels is the SIMD path the matrix products ran on (asm.Path): the
	// paths add in different orders, so a seeded run repeats bit for bit
	// only on the same one.
	Kernels    string        `json:"kernels,omitempty"`
	EvalBefore rl.EvalResult `json:"eval_before"`
	// EvalAfter and Gain are nil when the run was interrupted: a model
	// stopped part-way is not "after".
	EvalAfter *rl.EvalResult `json:"eval_after,omitempty"`
	Gain      *float64       `json:"pass@1_gain,omitempty"`
	// Interrupted says how an interrupted run ended ("exit 130"); empty when it finished.
	Interrupted string         `json:"interrupted,omitempty"`
	Config      any            `json:"config"`
	Extra       map[string]any `json:"extra,omitempty"`
}

// WriteSummary writes summary.json atomically (temp file, rename).
func (l *RunLog) WriteSummary(s Summary) error {
	if l == nil {
		return nil
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return nn.WriteFileAtomic(filepath.Join(l.Dir, "summary.json"), func(w io.Writer) error { _, err := w.Write(append(b, '\n')); return err })
}

// metricKeys returns the sorted metric names seen in the history.
func (l *RunLog) metricKeys() []string {
	seen := map[string]bool{}
	for _, m := range l.History {
		for k := range m {
			seen[k] = true
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
