package main

// The body of `rltrain --algo X`: data, the starting policy, evaluation
// before, RL steps with logging and checkpoints, evaluation after, summary.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/dist"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/run"
	"github.com/rltrain/rltrain/tensor"
	"github.com/rltrain/rltrain/tokenizer"
	"github.com/rltrain/rltrain/warmstart"
)

func train(intr *interrupts, cfg runConfig, comm dist.Comm, stdout io.Writer) error {
	primary := comm.Rank() == 0
	// Steps and evaluations run to their end: an interrupt is seen between
	// steps (stopAll), so no step is cut short and no evaluation scores a
	// half-finished rollout.
	ctx := context.WithoutCancel(intr.ctx)
	rp, err := findResume(cfg, cfg.Out.Resume != "", stdout)
	if err != nil {
		return err
	}
	start := time.Now()
	resolved, _ := json.MarshalIndent(cfg, "", "  ")
	fmt.Fprintf(stdout, "rltrain %s: resolved config\n%s\n", cfg.Algo.Algo, resolved)
	progs, err := startPrograms(cfg.Task.Programs, os.Stderr) // on an error, none is left running
	if cfg.Task.running = progs; err != nil {
		return badInput(err)
	}
	defer progs.Close() // on every return: the end of the run, an error or an interrupt
	trainEx, evalEx, reward, taskName, err := taskData(cfg)
	if err != nil {
		return badInput(err)
	}
	ul, err := setupUnlabeled(cfg, cfg.SelfReward, trainEx, reward)
	if err != nil {
		return badInput(err)
	}
	fmt.Fprintf(stdout, "task %s: %d training problems, %d held-out; rewards %v; %d threads, kernels %s; %d rank(s)\n",
		taskName, len(trainEx), len(evalEx), reward.Names(), tensor.Threads(), kernelPath(), comm.Size())
	printNote(stdout, rewardNote(cfg.Task, trainEx))
	if d := ul.describe(reward); d != "" {
		fmt.Fprintln(stdout, d)
	}

	// The starting policy.
	var model, ref *nn.Model
	var tok *tokenizer.Tokenizer
	var state *nn.TrainState
	switch {
	case rp.dir != "":
		if model, ref, tok, state, err = loadResumed(rp); err != nil {
			return err
		}
	case cfg.Warm.Init != "":
		if model, tok, err = warmstart.Load(cfg.Warm.Init); err != nil {
			return badInput(fmt.Errorf("--init: %w", err))
		}
	default:
		demos := trainEx
		if cfg.Warm.SFTData != "" {
			if demos, err = loadJSONL("--sft-data", cfg.Warm.SFTData, cfg.Task.JSONL, "--jsonl-on-error skip"); err != nil {
				return badInput(err)
			}
		}
		var withSol []data.Example
		for _, d := range demos {
			if d.Solution != "" {
				withSol = append(withSol, d)
			}
		}
		if len(withSol) == 0 {
			src := "the training examples have no solution field"
			if cfg.Warm.SFTData != "" {
				src = "--sft-data " + cfg.Warm.SFTData + " holds no example with a solution"
			}
			return badInput(fmt.Errorf("no demonstrations for the warm start (%s): give --init CHECKPOINT, or --sft-data demos.jsonl whose lines have a solution field", src))
		}
		if withSol, err = riseDemos(cfg, withSol, stdout); err != nil {
			return err
		}
		if withSol, err = scoreDemos(cfg.Score, cfg.Task.Data == "" && cfg.Warm.SFTData == "", withSol, stdout); err != nil {
			return err
		}
		ws, err := buildWarmStart(intr, cfg, comm, trainEx, withSol, evalEx, stdout)
		if err != nil {
			return err
		}
		model, tok = ws.Model, ws.Tok
	}
	if err := checkLoadedFits(cfg, rp.dir != "", tok, model.Cfg.MaxSeqLen, trainEx, evalEx); err != nil {
		return err
	}
	if cfg.Algo.Settings.UsesCritic() {
		model = model.WithValueHead()
	}
	eos, ok := warmstart.EndToken(tok, model)
	if !ok {
		return fmt.Errorf("tokenizer has no %s token and the checkpoint names no eos_token_id to end completions", tokenizer.EndOfText)
	}
	// generation_config.json's other eos ids (nn.Model.Origin) stop too
	pol := &rl.Policy{Model: model, Codec: tok, EOS: eos, MoreStops: model.Origin.Generation.StopTokens()}
	if pol.Format, pol.EOS, err = chatFormat(cfg.Chat, cfg.Warm.Init, tok, eos, trainEx, evalEx); err != nil {
		return badInput(err)
	}
	if cfg.Algo.Policy().Beta > 0 && ref == nil {
		ref = model.Clone()
	}
	warnMemory(stdout, cfg, pol, ref != nil, trainEx)
	cfg.Score.warnSchedule(stdout, cfg.Train.Steps)
	score, err := scoreBuilder(cfg.Score, cfg.Algo, cfg.Train.CorrectThreshold, reward)
	if err != nil {
		return err
	}
	var builder rl.EpisodeBuilder = rl.SingleTurn{Reward: reward}
	if score != nil {
		builder = score
	}
	builder, judges, err := bindModelRewards(cfg, reward, pol, builder, score != nil, stdout) // judge, self-verify
	if err != nil {
		return err
	}
	tr, err := rl.NewTrainer(cfg.Train, cfg.Algo, pol, ref, builder, reward, ul.Train, comm)
	if err != nil {
		return err
	}
	tr.Stages = append(tr.Stages, judges...)
	if score != nil {
		tr.Stages = append(tr.Stages, score) // its score/ metrics of each step
	}
	if state != nil {
		if err := tr.Restore(state); err != nil {
			return badInput(fmt.Errorf("--resume %s: %w: resume with the run's own settings (drop the flags that change them), or start a new run with another --out", rp.dir, err))
		}
	}
	rise, err := riseStage(cfg)
	if err != nil {
		return fmt.Errorf("--rise: %w", err)
	}
	if rise != nil {
		tr.Stages = append(tr.Stages, rise)
	}
	if err := ul.attach(tr, comm); err != nil {
		return err
	}
	var log *run.RunLog // nil on ranks other than 0: they write nothing
	switch {
	case primary && rp.dir != "":
		if log, err = run.ReopenRunLog(cfg.Out.Out, rp.step); err != nil {
			return err
		}
		defer log.Close()
	case primary:
		if log, err = run.OpenRunLog(cfg.Out.Out); err != nil {
			return err
		}
		defer log.Close()
		if err := os.WriteFile(filepath.Join(cfg.Out.Out, "config.json"), append(resolved, '\n'), 0o644); err != nil {
			return err
		}
	}

	evalReward := ul.evalReward(reward) // the task's verifier when training is self-rewarded
	evaluateAt := func(ctx context.Context, step int) (rl.EvalResult, error) {
		t0 := time.Now()
		r, err := pol.EvaluateDist(ctx, comm, evalEx, evalReward, cfg.Eval, rl.Streams{Seed: cfg.Train.Seed, Step: step})
		if err != nil {
			return r, err
		}
		fmt.Fprintf(stdout, "eval @ step %d: %s  [%.1fs]\n", step, r, time.Since(t0).Seconds())
		if primary {
			if err := riseEval(ctx, rise, pol, evalEx, cfg, evalReward, step, &r, stdout); err != nil {
				return r, err
			}
			if err := scoreEval(ctx, score, pol, evalEx, cfg.Eval, cfg.Train.Seed, evalReward, step, &r, stdout); err != nil {
				return r, err
			}
		}
		return r, log.AddEval(step, r)
	}
	evaluate := func(step int) (r rl.EvalResult, err error) { // the whole of it under the eval label
		rl.Phase(ctx, rl.PhaseEval, func(ctx context.Context) { r, err = evaluateAt(ctx, step) })
		return r, err
	}
	var before rl.EvalResult
	if rp.dir == "" {
		if before, err = evaluate(0); err != nil {
			return err
		}
	} else if primary {
		if len(log.Evals) == 0 || log.Evals[0].Step != 0 {
			return fmt.Errorf("resume %s: evals.jsonl holds no evaluation before training", cfg.Out.Out)
		}
		before = log.Evals[0].Eval
	}
	prog := run.NewProgress(stdout, cfg.Train.Steps)
	after := before
	saveCkpt := func(step int) (string, error) {
		st, err := tr.State()
		if err != nil || !primary {
			return "", err
		}
		var dir string
		rl.Phase(ctx, rl.PhaseCheckpoint, func(context.Context) {
			dir, err = run.SaveTrainCheckpoint(cfg.Out.Out, step, cfg.Out.Keep, run.TrainCheckpoint{Model: model, Ref: ref, Tok: tok, State: st})
		})
		return dir, err
	}
	steps := rp.step
	for s := rp.step + 1; s <= cfg.Train.Steps; s++ {
		if stop, err := stopAll(intr.ctx, comm); err != nil || stop {
			if err != nil {
				return err
			}
			ckpt := ""
			if steps > 0 {
				if ckpt, err = saveCkpt(steps); err != nil {
					return fmt.Errorf("checkpoint at step %d: %w", steps, err)
				}
			}
			sum := run.Summary{Algo: string(cfg.Algo.Algo), Task: taskName, Steps: steps, WallSeconds: time.Since(start).Seconds(), Kernels: kernelPath(),
				EvalBefore: before, Config: cfg, Interrupted: fmt.Sprintf("exit %d", intr.code()), Extra: ul.summary(log)}
			if err := log.WriteSummary(sum); err != nil {
				return err
			}
			log.Plot()
			err = interrupted(intr, steps, cfg.Train.Steps, ckpt, cfg.Out.Out)
			fmt.Fprintln(stdout, err)
			return err
		}
		res, err := tr.Step(ctx)
		if err != nil {
			return err
		}
		if res.Warning != "" {
			fmt.Fprintf(stdout, "warning: step %d: %s\n", s, res.Warning)
		}
		steps = s
		if err := log.Step(s, res.Metrics); err != nil {
			return err
		}
		if err := log.Samples(s, res, reward.Names(), cfg.Train.LogSamples); err != nil {
			return err
		}
		prog.Step(s, res.Metrics)
		if cfg.Out.EvalEvery > 0 && s%cfg.Out.EvalEvery == 0 && s < cfg.Train.Steps {
			if _, err := evaluate(s); err != nil {
				return err
			}
			if err := log.Plot(); err != nil {
				return err
			}
		}
		if cfg.Out.SaveEvery > 0 && s%cfg.Out.SaveEvery == 0 {
			if _, err := saveCkpt(s); err != nil {
				return fmt.Errorf("checkpoint at step %d: %w", s, err)
			}
		}
	}
	if after, err = evaluate(steps); err != nil {
		return err
	}
	if err := log.Plot(); err != nil {
		return err
	}
	if primary {
		rl.Phase(ctx, rl.PhaseCheckpoint, func(context.Context) { err = run.SaveCheckpoint(filepath.Join(cfg.Out.Out, "final"), model, tok) })
		if err != nil {
			return fmt.Errorf("final checkpoint: %w", err)
		}
	}
	gain := after.Pass1 - before.Pass1
	sum := run.Summary{Algo: string(cfg.Algo.Algo), Task: taskName, Steps: steps, WallSeconds: time.Since(start).Seconds(), Kernels: kernelPath(),
		EvalBefore: before, EvalAfter: &after, Gain: &gain, Config: cfg, Extra: ul.summary(log)}
	if err := log.WriteSummary(sum); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nheld-out %s, %d problems, k=%d (T=%g):\n  before: %s\n  after:  %s\n  pass@1 gain: %+.1f points   wall time %s   run folder %s\n",
		taskName, after.N, after.K, cfg.Eval.Temperature, before, after, 100*(after.Pass1-before.Pass1),
		time.Since(start).Round(time.Second), cfg.Out.Out)
	if math.IsNaN(after.Pass1) {
		return errors.New("evaluation produced no score")
	}
	return paramChecksum(comm, model, stdout)
}
