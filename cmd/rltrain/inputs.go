package main

// Reading the user's JSONL files the same way in every command: errors
// prefixed with the flag that named the file, the hint for bad lines in the
// words of the command that was run, and prompts that cannot fit the model's
// context refused with their file:line once the tokenizer is known.

import (
	"errors"
	"flag"
	"fmt"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/warmstart"
)

// inputErr is badInput for errors of flag parsing, except the request for
// help, which main answers with exit 0.
func inputErr(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return badInput(err)
}

// loadJSONL reads the file given by flagName; skipFlag is how this command
// skips bad lines ("--jsonl-on-error skip" for train and sft, "--on-error
// skip" for data check/split).
func loadJSONL(flagName, path string, cfg data.JSONLConfig, skipFlag string) ([]data.Example, error) {
	exs, _, err := data.LoadJSONL(path, cfg)
	if err != nil {
		var ble *data.BadLinesError
		if errors.As(err, &ble) {
			ble.SkipHint = skipFlag
		}
		return nil, fmt.Errorf("%s: %w", flagName, err)
	}
	return exs, nil
}

// lineOf returns a function naming an example's file:line in path, reading
// the file again only when first asked (the good path never pays for it).
func lineOf(path string, cfg data.JSONLConfig) func(data.Example) string {
	var lines map[string]int
	return func(ex data.Example) string {
		if lines == nil {
			_, st, _ := data.LoadJSONL(path, cfg)
			lines = st.LineOf
			if lines == nil {
				lines = map[string]int{}
			}
		}
		if n, ok := lines[ex.ID]; ok {
			return fmt.Sprintf("%s:%d", path, n)
		}
		return fmt.Sprintf("%s (example %s)", path, ex.ID)
	}
}

// checkRunFits refuses a run whose training or held-out prompts (with the
// completion cap) or demonstrations (prompt + solution) pass the model's
// context, naming each by file:line. Built-in tasks are not checked: their
// generators size the problems. fixedModel says the context cannot be
// changed by a flag (--init, --resume).
func checkRunFits(cfg runConfig, tok rl.Codec, context int, trainEx, evalEx, demos []data.Example, fixedModel bool) error {
	tc := cfg.Task
	raise := "raise --model-max-position-embeddings"
	if fixedModel {
		raise = "use a checkpoint with a longer context"
	}
	var errs []error
	check := func(flagName, path string, exs []data.Example, f warmstart.Fit) {
		if path == "" || len(exs) == 0 {
			return
		}
		f.Context, f.Where = context, lineOf(path, tc.JSONL)
		if err := warmstart.CheckFit(tok, exs, f); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", flagName, err))
		}
	}
	check("--data", tc.Data, trainEx, warmstart.Fit{Reserve: cfg.Algo.Policy().MaxCompletionLen, ReserveFlag: "--max-completion-length",
		Fix: "shorten or drop these lines, lower --max-completion-length, or " + raise})
	evalFlag, evalPath := "--eval-data", tc.EvalData
	if evalPath == "" {
		evalFlag, evalPath = "--data (held-out split)", tc.Data
	}
	check(evalFlag, evalPath, evalEx, warmstart.Fit{Reserve: cfg.Eval.MaxNewTokens, ReserveFlag: "--eval-max-new-tokens",
		Fix: "shorten or drop these lines, lower --eval-max-new-tokens, or " + raise})
	demoFlag, demoPath := "--sft-data", cfg.Warm.SFTData
	if demoPath == "" {
		demoFlag, demoPath = "--data (solutions as demonstrations)", tc.Data
	}
	if !fixedModel {
		check(demoFlag, demoPath, demos, warmstart.Fit{Solution: true,
			Fix: "shorten or drop these demonstrations, or " + raise})
	}
	return errors.Join(errs...)
}

// checkLoadedFits is checkRunFits for a model loaded with --init or
// --resume (a warm start being built checks before its SFT instead), as bad
// input.
func checkLoadedFits(cfg runConfig, resumed bool, tok rl.Codec, context int, trainEx, evalEx []data.Example) error {
	if !resumed && cfg.Warm.Init == "" {
		return nil
	}
	return badInput(checkRunFits(cfg, tok, context, trainEx, evalEx, nil, true))
}

// sftFits refuses `rltrain sft` demonstrations longer than the model's
// context, by file:line.
func sftFits(tok rl.Codec, context int, fixedModel bool, jc data.JSONLConfig, files [][2]string, sets ...[]data.Example) error {
	fix := "shorten or drop these demonstrations, or raise --model-max-position-embeddings"
	if fixedModel {
		fix = "shorten or drop these demonstrations (the --init checkpoint's context is fixed)"
	}
	var errs []error
	for i, f := range files {
		if err := warmstart.CheckFit(tok, sets[i], warmstart.Fit{Context: context, Solution: true, Where: lineOf(f[1], jc), Fix: fix}); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f[0], err))
		}
	}
	return errors.Join(errs...)
}
