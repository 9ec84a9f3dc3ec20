package data

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
)

// GenConfig holds the difficulty knobs of every built-in task.
type GenConfig struct {
	Arithmetic ArithmeticConfig
	Countdown  CountdownConfig
	Linear     LinearConfig
	Word       WordConfig
}

// DefaultGenConfig returns each task's defaults.
func DefaultGenConfig() GenConfig {
	return GenConfig{
		Arithmetic: DefaultArithmeticConfig(),
		Countdown:  DefaultCountdownConfig(),
		Linear:     DefaultLinearConfig(),
		Word:       DefaultWordConfig(),
	}
}

// generator draws one example, or false to ask for another draw.
type generator func(rng *rand.Rand) (Example, bool)

// task is one built-in task: its validated generator.
type task struct {
	summary string
	build   func(c GenConfig) (generator, error)
}

var tasks = map[string]task{
	"arithmetic": {"multi-digit + - * with chained operations and parentheses", func(c GenConfig) (generator, error) {
		return c.Arithmetic.Generate, c.Arithmetic.Validate()
	}},
	"countdown": {"reach a target with + - * / using each given number once (TinyZero)", func(c GenConfig) (generator, error) {
		return c.Countdown.Generate, c.Countdown.Validate()
	}},
	"linear": {"linear equations in x with an integer solution", func(c GenConfig) (generator, error) {
		return c.Linear.Generate, c.Linear.Validate()
	}},
	"word": {"templated GSM8K-style word problems with whole-number answers", func(c GenConfig) (generator, error) {
		return c.Word.Generate, c.Word.Validate()
	}},
}

// Tasks returns the names of the built-in tasks, sorted.
func Tasks() []string {
	names := make([]string, 0, len(tasks))
	for n := range tasks {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// TaskSummary returns a one-line description of a built-in task, or "".
func TaskSummary(name string) string { return tasks[name].summary }

// TaskRand returns the generator stream Generate uses for (task, seed):
// PCG seeded with seed and a stream derived from the task name, so tasks
// generated from one seed do not share draws.
func TaskRand(name string, seed uint64) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// Generate returns n distinct examples of a built-in task, deterministically
// from seed. IDs are "<task>-" plus a hash of the prompt, so the same problem
// has the same ID in every run and Split never puts it on both sides. It fails
// when the task name is unknown, the task's config is invalid, or the
// problem space is too small for n distinct prompts.
func Generate(name string, n int, seed uint64, cfg GenConfig) ([]Example, error) {
	t, ok := tasks[name]
	if !ok {
		return nil, fmt.Errorf("data: unknown task %q; built-in tasks: %s", name, strings.Join(Tasks(), ", "))
	}
	if n < 0 {
		return nil, fmt.Errorf("data: generate %d examples: want n >= 0", n)
	}
	gen, err := t.build(cfg)
	if err != nil {
		return nil, err
	}
	rng := TaskRand(name, seed)
	out := make([]Example, 0, n)
	seen := make(map[string]bool, n)
	maxDraws := 20*n + 1000
	for draws := 0; len(out) < n; draws++ {
		if draws == maxDraws {
			return nil, fmt.Errorf("data: task %s: only %d distinct problems after %d draws, want %d; raise the difficulty knobs or lower n", name, len(out), draws, n)
		}
		ex, ok := gen(rng)
		if !ok {
			continue
		}
		ex.ID = name + "-" + ContentID(ex.Prompt)[1:13]
		if seen[ex.ID] {
			continue
		}
		seen[ex.ID] = true
		ex.Task = name
		out = append(out, ex)
	}
	return out, nil
}
