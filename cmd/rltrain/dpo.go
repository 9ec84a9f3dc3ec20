package main

// `rltrain dpo --init DIR --data pairs.jsonl` — Direct Preference
// Optimization on JSONL preference pairs (prompt, chosen, rejected) against
// a frozen copy of the starting checkpoint (docs/algorithms.md §6.1).

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/run"
	"github.com/rltrain/rltrain/tensor"
	"github.com/rltrain/rltrain/tokenizer"
)

func init() {
	register("dpo", "DPO on JSONL preference pairs (prompt, chosen, rejected) from a checkpoint folder", runDPO)
}

// dpoCmdConfig is what `rltrain dpo` reads besides the loss and the
// optimisation; summary.json's "config" holds all three.
type dpoCmdConfig struct {
	// Init is the checkpoint folder trained; a frozen copy of it is the
	// reference. Required.
	Init string `json:"init"`
	// Data is the JSONL file of preference pairs. Required.
	Data string `json:"data"`
	// EvalData is an optional JSONL file of held-out pairs, measured before
	// and after training (loss, margin, accuracy against the reference).
	EvalData string `json:"eval_data"`
	// Out is the output folder: final/ (a checkpoint folder --init loads),
	// metrics.jsonl and summary.json. Default runs/dpo-<timestamp>.
	Out string `json:"out"`
	// Threads is the number of worker threads (0: GOMAXPROCS).
	Threads int `json:"threads"`
}

type dpoSummary struct {
	Init        string       `json:"init"`
	Pairs       int          `json:"pairs"`
	Steps       int          `json:"steps"`
	Final       rl.DPOStats  `json:"final_step"`
	EvalBefore  *rl.DPOStats `json:"eval_before,omitempty"`
	EvalAfter   *rl.DPOStats `json:"eval_after,omitempty"`
	WallSeconds float64      `json:"wall_time_s"`
	Config      any          `json:"config"`
}

var dpoFlagHelp = map[string]string{
	"init":      "checkpoint folder to train (model.safetensors + config.json + tokenizer.json); a frozen copy is the reference",
	"data":      "JSONL preference pairs: one object per line with prompt, chosen, rejected",
	"eval-data": "held-out JSONL pairs: loss, margin and accuracy before and after",
	"out":       "output folder (default runs/dpo-<timestamp>): final/, metrics.jsonl, summary.json",
	"beta":      "DPO β: scale of the implicit reward β·(log π − log π_ref)",
	"seed":      "seed of the order of the pairs",
}

func runDPO(args []string) error { return dpoCmd(args, os.Stdout, os.Stderr) }

func dpoCmd(args []string, stdout, stderr io.Writer) error {
	start := time.Now()
	cc := dpoCmdConfig{}
	lc, tc := rl.DefaultDPOConfig(), rl.DefaultDPOTrainConfig()
	fs := newFlagSet("dpo")
	fs.SetOutput(stderr)
	bindStruct(fs, &cc, "", "dpoCmdConfig", dpoFlagHelp)
	bindStruct(fs, &lc, "", "rl.DPOConfig", dpoFlagHelp)
	bindStruct(fs, &tc, "", "rl.DPOTrainConfig", dpoFlagHelp)
	if err := parseSubcmdFlags(fs, args); err != nil {
		return inputErr(err)
	}
	switch {
	case cc.Init == "":
		return badInput(errors.New("--init is required: the checkpoint folder to train (e.g. runs/X/final)"))
	case cc.Data == "":
		return badInput(errors.New("--data is required: a JSONL file of preference pairs (prompt, chosen, rejected)"))
	}
	if err := errors.Join(lc.Validate(), tc.Validate()); err != nil {
		return badInput(err)
	}
	if cc.Threads > 0 {
		defer tensor.SetThreads(tensor.SetThreads(cc.Threads))
	}
	pol, err := loadCheckpoint(cc.Init)
	if err != nil {
		return badInput(err)
	}
	load := func(flag, path string) ([]rl.DPOPair, error) {
		ps, err := data.LoadPairs(path)
		if err != nil {
			return nil, badInput(fmt.Errorf("%s: %w", flag, err))
		}
		enc, err := rl.EncodePairs(pol.Codec, pol.EOS, ps, path, pol.Model.Cfg.MaxSeqLen)
		if err != nil {
			return nil, badInput(fmt.Errorf("%s: %w", flag, err))
		}
		return enc, nil
	}
	pairs, err := load("--data", cc.Data)
	if err != nil {
		return err
	}
	var evalPairs []rl.DPOPair
	if cc.EvalData != "" {
		if evalPairs, err = load("--eval-data", cc.EvalData); err != nil {
			return err
		}
	}
	if cc.Out == "" {
		cc.Out = filepath.Join("runs", "dpo-"+time.Now().Format("20060102-150405"))
	}
	log, err := run.OpenRunLog(cc.Out)
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	defer log.Close()
	ref := pol.Model.Clone()
	evalStats := func() *rl.DPOStats {
		if len(evalPairs) == 0 {
			return nil
		}
		st := rl.EvalDPO(pol.Model, ref, evalPairs, lc, tc.BatchPairs)
		return &st
	}
	sum := dpoSummary{Init: cc.Init, Pairs: len(pairs), Steps: tc.TotalSteps(len(pairs)),
		Config: map[string]any{"command": cc, "dpo": lc, "train": tc}}
	sum.EvalBefore = evalStats()
	fmt.Fprintf(stdout, "dpo: %.2fM parameters, %d pairs, %d steps of %d pairs, β %g; %d threads, kernels %s\n",
		float64(pol.Model.P.Len())/1e6, len(pairs), sum.Steps, tc.BatchPairs, lc.Beta, tensor.Threads(), kernelPath())
	every := max(1, sum.Steps/20)
	var logErr error
	err = rl.TrainDPO(pol.Model, ref, pairs, lc, tc, func(p rl.DPOProgress) {
		sum.Final = p.DPOStats
		if e := log.Step(p.Step, p.Metrics()); e != nil && logErr == nil {
			logErr = e
		}
		if p.Step%every == 0 || p.Step == p.Steps {
			fmt.Fprintf(stdout, "step %d/%d  epoch %d  loss %.4f  margin %+.4f  acc %.3f  chosen %+.4f  rejected %+.4f  |g| %.3f  [%.1fs]\n",
				p.Step, p.Steps, p.Epoch, p.Loss, p.Margin, p.Accuracy, p.RewardChosen, p.RewardRejected, p.GradNorm, p.Seconds)
		}
	})
	if err != nil {
		return err
	}
	if logErr != nil {
		return fmt.Errorf("metrics.jsonl: %w", logErr)
	}
	if sum.EvalAfter = evalStats(); sum.EvalAfter != nil {
		fmt.Fprintf(stdout, "held-out pairs: loss %.4f → %.4f, margin %+.4f → %+.4f, accuracy %.3f → %.3f\n",
			sum.EvalBefore.Loss, sum.EvalAfter.Loss, sum.EvalBefore.Margin, sum.EvalAfter.Margin, sum.EvalBefore.Accuracy, sum.EvalAfter.Accuracy)
	}
	tok, ok := pol.Codec.(*tokenizer.Tokenizer)
	if !ok {
		return errors.New("dpo: the checkpoint's tokenizer cannot be saved")
	}
	final := filepath.Join(cc.Out, "final")
	if err := run.SaveCheckpoint(final, pol.Model, tok); err != nil {
		return err
	}
	sum.WallSeconds = time.Since(start).Seconds()
	b, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	if err := nn.WriteFileAtomic(filepath.Join(cc.Out, "summary.json"), func(w io.Writer) error { _, err := w.Write(append(b, '\n')); return err }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "saved %s (loadable by --init)\n", final)
	return nil
}
