// Package warmstart builds or loads the model an RL run starts from: a
// byte-level BPE trained on the demonstrations, a fresh model trained on
// them by SFT, and a disk cache keyed by everything the result depends on;
// or a checkpoint folder given by the user.
package warmstart

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/tokenizer"
)

// Config says how a warm-start policy is built from demonstrations
// when no checkpoint is given: a byte-level BPE trained on the demos, a fresh
// model of the given architecture, and SFT on (prompt, worked solution).
type Config struct {
	// Model is the architecture; its VocabSize is replaced by the
	// tokenizer's. Default: 128 wide, 4 layers, 4 heads, SwiGLU 352, 256
	// positions, tied embeddings (≈0.85M parameters).
	Model nn.Config `json:"model"`
	// SFT configures the supervised warm start.
	SFT nn.SFTConfig `json:"sft"`
	// VocabSize is the BPE vocabulary trained on the demonstrations (256
	// byte tokens and 4 specials included). Default 320.
	VocabSize int `json:"vocab_size"`
	// Seed initialises the model weights. Default 1.
	Seed uint64 `json:"seed"`
	// ChatTemplate is the prompt format the demonstrations are shown in
	// (tokenizer.LoadTemplate: none, chatml, llama3 or a Jinja file);
	// "" is none. The run's --chat-template sets it.
	ChatTemplate string `json:"chat_template,omitempty"`
	// SystemPrompt is put first in every demonstration (--system-prompt).
	SystemPrompt string `json:"system_prompt,omitempty"`
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	sft := nn.DefaultSFTConfig()
	sft.Steps = 1500
	return Config{
		Model: nn.Config{Dim: 128, NLayers: 4, NHeads: 4, NKVHeads: 4, FFNDim: 352, MaxSeqLen: 256,
			RopeTheta: 10000, NormEps: 1e-5, TieEmbeddings: true},
		SFT:       sft,
		VocabSize: 320,
		Seed:      1,
	}
}

// WarmStart is a policy ready for RL.
type WarmStart struct {
	Model    *nn.Model
	Tok      *tokenizer.Tokenizer
	Dir      string  // where it is saved (the cache entry), "" if not saved
	Cached   bool    // loaded from the cache instead of trained
	EvalLoss float64 // held-out SFT loss (NaN when not measured)
}

// warmMeta is warm.json in a cache entry.
type warmMeta struct {
	Config    Config   `json:"config"`
	Demos     int      `json:"demos"`
	EvalLoss  *float64 `json:"eval_loss,omitempty"`
	TrainSecs float64  `json:"train_seconds"`
}

// cacheKey hashes everything the warm start depends on.
func cacheKey(cfg Config, demos []data.Example) string {
	h := sha256.New()
	b, _ := json.Marshal(cfg)
	h.Write(b)
	for _, d := range demos {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00", d.ID, d.Prompt, d.Solution)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// SFTSeqs tokenizes (prompt, solution) demonstrations as rl.PromptText(prompt)
// followed by the solution and EOS; the loss covers the solution and EOS.
// Examples without a solution are skipped.
func SFTSeqs(codec rl.Codec, eos int32, exs []data.Example) []nn.Seq {
	var seqs []nn.Seq
	for _, ex := range exs {
		if ex.Solution == "" {
			continue
		}
		p := codec.Encode(data.PlainPrompt(ex.Conversation()))
		toks := append(append(p, codec.Encode(ex.Solution)...), eos)
		seqs = append(seqs, nn.Seq{Tokens: toks, Start: len(p)})
	}
	return seqs
}

// Build returns the warm-start policy for demos, loading it from
// cacheDir when an entry with the same configuration and demonstrations
// exists, and otherwise training it (and saving it there, when cacheDir is
// not ""). heldOut demonstrations give the SFT eval loss. Progress goes to log.
func Build(cfg Config, demos, heldOut []data.Example, cacheDir string, log io.Writer) (*WarmStart, error) {
	return BuildChecked(cfg, demos, heldOut, cacheDir, log, nil)
}

// BuildChecked is Build calling check (when not nil) with the tokenizer and
// the model's context as soon as the tokenizer exists, before SFT; its error
// is returned as it is, so that inputs that cannot fit (CheckFit) stop the
// build before minutes of training.
func BuildChecked(cfg Config, demos, heldOut []data.Example, cacheDir string, log io.Writer,
	check func(tok *tokenizer.Tokenizer, context int) error) (*WarmStart, error) {
	if len(demos) == 0 {
		return nil, errors.New("warm start: no demonstrations (examples with a solution)")
	}
	var dir string
	if cacheDir != "" {
		dir = filepath.Join(cacheDir, "warm-"+cacheKey(cfg, demos))
		if m, tok, err := Load(dir); err == nil {
			if check != nil {
				if err := check(tok, m.Cfg.MaxSeqLen); err != nil {
					return nil, err
				}
			}
			fmt.Fprintf(log, "warm start: reusing %s\n", dir)
			ws := &WarmStart{Model: m, Tok: tok, Dir: dir, Cached: true, EvalLoss: math.NaN()}
			if b, err := os.ReadFile(filepath.Join(dir, "warm.json")); err == nil {
				var meta warmMeta
				if json.Unmarshal(b, &meta) == nil && meta.EvalLoss != nil {
					ws.EvalLoss = *meta.EvalLoss
				}
			}
			return ws, nil
		}
	}
	start := time.Now()
	texts := make([]string, 0, len(demos))
	for _, d := range demos {
		texts = append(texts, rl.PromptText(d.Prompt)+d.Solution)
	}
	tcfg := tokenizer.DefaultTrainConfig()
	tcfg.VocabSize = cfg.VocabSize
	var tok *tokenizer.Tokenizer
	var err error
	rl.Phase(context.Background(), rl.PhaseTokenizer, func(context.Context) { tok, err = tokenizer.TrainReport(texts, tcfg, BPEProgress(log)) })
	if err != nil {
		return nil, fmt.Errorf("warm start: train tokenizer: %w", err)
	}
	if check != nil {
		if err := check(tok, cfg.Model.MaxSeqLen); err != nil {
			return nil, err
		}
	}
	eos, ok := tok.SpecialID(tokenizer.EndOfText)
	if !ok {
		return nil, errors.New("warm start: tokenizer has no end-of-text token")
	}
	mc := cfg.Model
	mc.VocabSize = tok.VocabSize()
	m, err := nn.NewModel(mc)
	if err != nil {
		return nil, fmt.Errorf("warm start: model: %w", err)
	}
	m.InitRandom(rand.New(rand.NewPCG(cfg.Seed, 0x696e6974)))
	train, eval, err := chatSFTSeqs(cfg, tok, eos, demos, heldOut)
	if err != nil {
		return nil, fmt.Errorf("warm start: %w", err)
	}
	params := m.P.Len()
	fmt.Fprintf(log, "warm start: SFT of a %.2fM-parameter model (vocab %d) on %d demonstrations, %d steps\n",
		float64(params)/1e6, mc.VocabSize, len(train), cfg.SFT.Steps)
	var last nn.SFTProgress
	sftLog := PhaseLog(log, "sft", ProgressEvery)
	progress := func(p nn.SFTProgress) {
		last = p
		el := ""
		if !math.IsNaN(p.EvalLoss) {
			el = fmt.Sprintf("  eval loss %.4f", p.EvalLoss)
		}
		sftLog(int64(p.Step), int64(p.Steps), fmt.Sprintf("  step %d/%d  loss %.4f%s  lr %.2e  %.0f tok/s", p.Step, p.Steps, p.Loss, el, p.LR, p.TokensPerSec))
	}
	rl.Phase(context.Background(), rl.PhaseSFT, func(context.Context) { err = nn.SFT(m, train, eval, cfg.SFT, progress) })
	if err != nil {
		return nil, fmt.Errorf("warm start: %w", err)
	}
	ws := &WarmStart{Model: m, Tok: tok, EvalLoss: last.EvalLoss}
	if dir != "" {
		if err := save(dir, m, tok); err != nil {
			return nil, fmt.Errorf("warm start: %w", err)
		}
		meta := warmMeta{Config: cfg, Demos: len(train), TrainSecs: time.Since(start).Seconds()}
		if !math.IsNaN(last.EvalLoss) {
			meta.EvalLoss = &last.EvalLoss
		}
		b, _ := json.MarshalIndent(meta, "", "  ")
		if err := nn.WriteFileAtomic(filepath.Join(dir, "warm.json"), func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
			return nil, fmt.Errorf("warm start: save: %w", err)
		}
		ws.Dir = dir
	}
	return ws, nil
}

// Load reads a checkpoint folder (model.safetensors + config.json +
// tokenizer.json, as run.SaveCheckpoint writes, or any Llama/Qwen2 folder
// with a tokenizer.json).
func Load(dir string) (*nn.Model, *tokenizer.Tokenizer, error) {
	m, err := nn.LoadModel(dir)
	if err != nil {
		return nil, nil, err
	}
	tok, err := tokenizer.Load(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		return nil, nil, fmt.Errorf("%w (a checkpoint folder needs its tokenizer.json)", err)
	}
	if tok.VocabSize() > m.Cfg.VocabSize {
		return nil, nil, fmt.Errorf("load checkpoint %s: tokenizer.json has %d tokens but the model's embedding has %d rows: the tokenizer belongs to another model; put the model's own tokenizer.json beside it", dir, tok.VocabSize(), m.Cfg.VocabSize)
	}
	return m, tok, nil
}

// save writes a cache entry in the checkpoint layout Load reads.
func save(dir string, m *nn.Model, tok *tokenizer.Tokenizer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// generation_config.json: the tokenizer's end-of-text ends generation.
	var opt nn.SaveOptions
	if id, ok := tok.SpecialID(tokenizer.EndOfText); ok {
		opt.EOSTokenIDs = []int{int(id)}
		opt.Generation = &nn.GenerationConfig{EOSTokenIDs: opt.EOSTokenIDs}
	}
	if err := nn.SaveModelWith(dir, m, opt); err != nil {
		return err
	}
	return tok.Save(filepath.Join(dir, "tokenizer.json"))
}
