package main

// Resuming a run: `--resume RUN_DIR`, or an --out folder that holds an
// unfinished run, continues from the last complete checkpoint-N (weights,
// reference model, optimiser, data order, generator) with the metrics
// logged up to step N; a finished run's folder is refused unless
// --overwrite.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/run"
	"github.com/rltrain/rltrain/tokenizer"
	"github.com/rltrain/rltrain/warmstart"
)

// resumePoint is where a run continues from ("" and 0: from the start).
type resumePoint struct {
	dir  string
	step int
}

// findResume decides whether the run continues one in cfg.Out.Out.
func findResume(cfg runConfig, resumeFlag bool, stdout io.Writer) (resumePoint, error) {
	out := cfg.Out.Out
	if cfg.Out.Overwrite {
		return resumePoint{}, nil
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	switch {
	case err == nil && !bytes.Contains(b, []byte(`"interrupted"`)):
		return resumePoint{}, badInput(fmt.Errorf("--out %s already holds a finished run (summary.json): choose another --out, or add --overwrite to replace it", out))
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return resumePoint{}, badInput(fmt.Errorf("--out %s: %w", out, err))
	}
	if _, err := os.Stat(filepath.Join(out, "config.json")); err != nil {
		if resumeFlag {
			return resumePoint{}, badInput(fmt.Errorf("--resume %s: no run there (no config.json)", out))
		}
		return resumePoint{}, nil // a new run
	}
	dir, step, warnings, err := run.LatestCheckpoint(out)
	if err != nil {
		return resumePoint{}, badInput(fmt.Errorf("--resume %s: %w", out, err))
	}
	for _, w := range warnings {
		fmt.Fprintln(stdout, w)
	}
	if dir == "" {
		if resumeFlag {
			return resumePoint{}, badInput(fmt.Errorf("--resume %s: no complete checkpoint to resume from (write them with --save-every N)", out))
		}
		fmt.Fprintf(stdout, "warning: %s holds an unfinished run without a complete checkpoint: starting it again\n", out)
		return resumePoint{}, nil
	}
	fmt.Fprintf(stdout, "resuming %s from %s (step %d)\n", out, dir, step)
	return resumePoint{dir: dir, step: step}, nil
}

// loadResumed loads the policy, the reference model (nil when the run had
// none) and the trainer state of a checkpoint; a checkpoint that does not
// load is bad input (exit 2).
func loadResumed(rp resumePoint) (*nn.Model, *nn.Model, *tokenizer.Tokenizer, *nn.TrainState, error) {
	m, tok, err := warmstart.Load(rp.dir)
	if err != nil {
		return nil, nil, nil, nil, badInput(fmt.Errorf("--resume %s: %w", rp.dir, err))
	}
	var ref *nn.Model
	if _, err := os.Stat(filepath.Join(rp.dir, "reference")); err == nil {
		if ref, err = nn.LoadModel(filepath.Join(rp.dir, "reference")); err != nil {
			return nil, nil, nil, nil, badInput(fmt.Errorf("--resume %s: reference model: %w", rp.dir, err))
		}
	}
	st, err := nn.LoadTrainState(filepath.Join(rp.dir, nn.TrainStateFile))
	if err != nil {
		return nil, nil, nil, nil, badInput(fmt.Errorf("--resume %s: %w", rp.dir, err))
	}
	return m, ref, tok, st, nil
}
