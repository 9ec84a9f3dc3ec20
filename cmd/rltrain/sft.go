package main

// `rltrain sft` — supervised fine-tuning on JSONL prompt/solution pairs, with
// the loss on the solution tokens only.

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/run"
	"github.com/rltrain/rltrain/tensor"
	"github.com/rltrain/rltrain/tokenizer"
	"github.com/rltrain/rltrain/warmstart"
)

func init() {
	register("sft", "supervised fine-tuning on JSONL prompt/solution pairs (loss on the solution)", runSFT)
}

// sftCmdConfig is what `rltrain sft` reads besides the SFT schedule.
type sftCmdConfig struct {
	// Data is the JSONL training file (prompt + solution; the solution key is
	// --jsonl-solution-key, default "solution"). Required.
	Data string `json:"data"`
	// EvalData is a held-out JSONL file; without it EvalFrac of Data is split off.
	EvalData string `json:"eval_data"`
	// EvalFrac is the held-out fraction when EvalData is empty. Default 0.05.
	EvalFrac float64 `json:"eval_frac"`
	// Init continues from this checkpoint folder (with its tokenizer.json);
	// without it a new model of the --model-* architecture is trained.
	Init string `json:"init"`
	// Tokenizer is a tokenizer file for a new model; without it a BPE of
	// --vocab-size is trained on the data.
	Tokenizer string `json:"tokenizer"`
	// VocabSize of the BPE trained when neither Init nor Tokenizer is given. Default 320.
	VocabSize int `json:"vocab_size"`
	// Out is the output folder (checkpoints). Default runs/sft-<timestamp>.
	Out string `json:"out"`
	// SaveEvery writes out/checkpoint-N every N steps (0: only the final one).
	SaveEvery int `json:"save_every"`
	// Seed initialises a new model. Default 1.
	Seed uint64 `json:"seed"`
	// Threads is the number of worker threads (0: GOMAXPROCS).
	Threads int `json:"threads"`
}

func runSFT(args []string) error {
	cc := sftCmdConfig{EvalFrac: 0.05, VocabSize: 320, Seed: 1}
	jc := data.DefaultJSONLConfig()
	jc.RequireAnswer = false
	wc := warmstart.DefaultConfig()
	sc := wc.SFT
	mc := wc.Model
	fs := newFlagSet("sft")
	bindStruct(fs, &cc, "", "sftCmdConfig", map[string]string{"data": "training demonstrations (JSONL prompt+solution)"})
	bindStruct(fs, &jc, "jsonl-", "data.JSONLConfig", nil)
	bindStruct(fs, &sc, "sft-", "nn.SFTConfig", nil)
	bindStruct(fs, &mc, "model-", "nn.Config", nil, "VocabSize")
	var chat chatConfig
	bindStruct(fs, &chat, "", "chatConfig", chatFlagHelp)
	if err := parseSubcmdFlags(fs, args); err != nil {
		return inputErr(err)
	}
	if cc.Data == "" {
		return badInput(errors.New("--data is required: a JSONL file of prompt/solution pairs"))
	}
	if cc.Threads > 0 {
		tensor.SetThreads(cc.Threads)
	}
	if cc.Out == "" {
		cc.Out = filepath.Join("runs", "sft-"+time.Now().Format("20060102-150405"))
	}
	train, err := loadJSONL("--data", cc.Data, jc, "--jsonl-on-error skip")
	if err != nil {
		return badInput(err)
	}
	var eval []data.Example
	if cc.EvalData != "" {
		if eval, err = loadJSONL("--eval-data", cc.EvalData, jc, "--jsonl-on-error skip"); err != nil {
			return badInput(err)
		}
	} else if train, eval, err = data.Split(train, cc.EvalFrac, "rltrain-sft"); err != nil {
		return badInput(fmt.Errorf("--eval-frac: %w", err))
	}
	var m *nn.Model
	var tok *tokenizer.Tokenizer
	switch {
	case cc.Init != "":
		if m, tok, err = warmstart.Load(cc.Init); err != nil {
			return badInput(fmt.Errorf("--init: %w", err))
		}
	default:
		if cc.Tokenizer != "" {
			if tok, err = tokenizer.Load(cc.Tokenizer); err != nil {
				return badInput(fmt.Errorf("--tokenizer: %w", err))
			}
		} else {
			texts := make([]string, 0, len(train))
			for _, ex := range train {
				texts = append(texts, rl.PromptText(ex.Prompt)+ex.Solution)
			}
			tcfg := tokenizer.DefaultTrainConfig()
			tcfg.VocabSize = cc.VocabSize
			if tok, err = tokenizer.TrainReport(texts, tcfg, warmstart.BPEProgress(os.Stdout)); err != nil {
				return badInput(fmt.Errorf("--vocab-size: %w", err))
			}
		}
		mc.VocabSize = tok.VocabSize()
		if m, err = nn.NewModel(mc); err != nil {
			return badInput(fmt.Errorf("--model-*: %w", err))
		}
		m.InitRandom(newRngT(cc.Seed, 1))
	}
	trainSeqs, evalSeqs, err := sftSeqs(chat, cc.Init, tok, train, eval)
	if err != nil {
		return err
	}
	if len(trainSeqs) == 0 {
		return badInput(fmt.Errorf("--data %s: no example has a solution (field %q): give prompt/solution lines, or name the field with --jsonl-solution-key", cc.Data, jc.SolutionKey))
	}
	evalFile := [2]string{"--eval-data", cc.EvalData}
	if cc.EvalData == "" {
		evalFile = [2]string{"--data (held-out split)", cc.Data}
	}
	if err := sftFits(tok, m.Cfg.MaxSeqLen, cc.Init != "", jc, [][2]string{{"--data", cc.Data}, evalFile}, train, eval); err != nil {
		return badInput(err)
	}
	save := func(name string) error { return run.SaveCheckpoint(filepath.Join(cc.Out, name), m, tok) }
	fmt.Printf("sft: %.2fM parameters, %d train / %d held-out demonstrations, %d steps of %d sequences\n",
		float64(m.P.Len())/1e6, len(trainSeqs), len(evalSeqs), sc.Steps, sc.BatchSeqs)
	var saveErr error
	err = nn.SFT(m, trainSeqs, evalSeqs, sc, func(p nn.SFTProgress) {
		el := ""
		if !math.IsNaN(p.EvalLoss) {
			el = fmt.Sprintf("  eval loss %.4f", p.EvalLoss)
		}
		width := 20
		done := width * p.Step / max(1, p.Steps)
		fmt.Printf("\r[%-20s] step %d/%d  loss %.4f%s  %.0f tok/s   ", strings.Repeat("#", done), p.Step, p.Steps, p.Loss, el, p.TokensPerSec)
		if el != "" {
			fmt.Println()
		}
		if cc.SaveEvery > 0 && p.Step%cc.SaveEvery == 0 && saveErr == nil {
			saveErr = save(fmt.Sprintf("checkpoint-%d", p.Step))
		}
	})
	fmt.Println()
	if err != nil {
		return err
	}
	if saveErr != nil {
		return fmt.Errorf("checkpoint: %w", saveErr)
	}
	if err := save("final"); err != nil {
		return fmt.Errorf("final checkpoint: %w", err)
	}
	fmt.Printf("saved %s\n", filepath.Join(cc.Out, "final"))
	return nil
}
