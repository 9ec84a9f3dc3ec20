package main

import (
	"fmt"
	"io"
	"runtime"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/run"
)

// stepMemory estimates the peak bytes of one training step from the cost
// model (nn.Config.TrainMemoryBytes and GenerateMemoryBytes, whose weights
// are counted once), with the reference model when there is one. seq is
// the longest prompt among the first examples plus the completion cap.
func stepMemory(cfg runConfig, pol *rl.Policy, withRef bool, exs []data.Example) (bytes int64, micro, seq int) {
	mc := pol.Model.Cfg
	longest := 0
	for _, ex := range exs[:min(len(exs), 512)] {
		if ids, err := pol.EncodeExample(ex); err == nil {
			longest = max(longest, len(ids))
		}
	}
	pc := cfg.Algo.Policy()
	seq = min(mc.MaxSeqLen, max(2, longest+pc.MaxCompletionLen))
	rows := max(1, cfg.Train.PromptsPerStep*max(1, pc.GroupSize))
	micro = min(cfg.Train.MicroBatch, rows)
	weights := 4 * mc.ParamCount()
	bytes = mc.TrainMemoryBytes(micro, seq) + mc.GenerateMemoryBytes(min(cfg.Train.MaxBatch, rows), seq, runtime.GOMAXPROCS(0)) - weights
	if withRef {
		bytes += weights
	}
	return bytes, micro, seq
}

// warnMemory prints memoryWarning's warning, if any, before the first step:
// at 0.5B parameters the default micro-batch does not fit 24 GiB, and an
// out-of-memory kill would otherwise end the run mid-step.
func warnMemory(w io.Writer, cfg runConfig, pol *rl.Policy, withRef bool, exs []data.Example) {
	if avail, ok := run.MemAvailable(); ok {
		if msg := memoryWarning(cfg, pol, withRef, exs, avail); msg != "" {
			fmt.Fprintln(w, msg)
		}
	}
}

// memoryWarning is "" when a step's estimate fits in avail bytes, else a
// warning naming the largest micro-batch that would fit.
func memoryWarning(cfg runConfig, pol *rl.Policy, withRef bool, exs []data.Example, avail int64) string {
	if len(exs) == 0 {
		return ""
	}
	need, micro, seq := stepMemory(cfg, pol, withRef, exs)
	if need <= avail {
		return ""
	}
	hint := "no micro-batch fits: use a smaller model or a machine with more memory"
	for m := micro - 1; m >= 1; m-- {
		c := cfg
		c.Train.MicroBatch = m
		if n, _, _ := stepMemory(c, pol, withRef, exs); n <= avail {
			hint = fmt.Sprintf("--micro-batch %d fits", m)
			break
		}
	}
	return fmt.Sprintf("warning: one step needs about %s (cost model: micro-batch %d, %d-token rows) but %s is available: %s",
		run.GiB(need), micro, seq, run.GiB(avail), hint)
}
