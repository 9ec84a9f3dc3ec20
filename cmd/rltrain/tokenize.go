package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rltrain/rltrain/tokenizer"
)

func init() {
	register("tokenize", "encode stdin lines to token ids, one line of ids per line (--decode: the reverse)", runTokenize)
	register("tokenizer train", "train a byte-level BPE on the text of stdin and save it as tokenizer.json", runTokenizerTrain)
}

// TokenizeConfig configures `rltrain tokenize`.
type TokenizeConfig struct {
	// Tokenizer is a tokenizer.json, a GPT-2 vocab.json/encoder.json (with
	// merges.txt/vocab.bpe beside it) or a directory holding either.
	// Required.
	Tokenizer string
	// Decode reads lines of space-separated token ids and prints the text
	// of each line instead. Default false.
	Decode bool
}

// DefaultTokenizeConfig returns the defaults documented on the fields.
func DefaultTokenizeConfig() TokenizeConfig { return TokenizeConfig{} }

// Validate checks the fields and says how to fix a bad one.
func (c TokenizeConfig) Validate() error {
	if c.Tokenizer == "" {
		return errors.New("--tokenizer is required: a tokenizer.json, vocab.json/encoder.json or a directory holding one")
	}
	return nil
}

func runTokenize(args []string) error {
	cfg := DefaultTokenizeConfig()
	fs := newFlagSet("tokenize")
	fs.StringVar(&cfg.Tokenizer, "tokenizer", cfg.Tokenizer, "tokenizer.json, vocab.json/encoder.json, or a directory holding one (required)")
	fs.BoolVar(&cfg.Decode, "decode", cfg.Decode, "read space-separated ids per line and print their text")
	if err := fs.Parse(args); err != nil {
		return inputErr(err)
	}
	if fs.NArg() > 0 {
		return badInput(fmt.Errorf("unexpected arguments %q: text comes on stdin", fs.Args()))
	}
	if err := cfg.Validate(); err != nil {
		return badInput(err)
	}
	tok, err := tokenizer.Load(cfg.Tokenizer)
	if err != nil {
		return badInput(fmt.Errorf("--tokenizer: %w", err))
	}
	w := bufio.NewWriterSize(os.Stdout, 64<<10)
	if err := tokenizeStream(tok, cfg.Decode, os.Stdin, w); err != nil {
		return err
	}
	return w.Flush()
}

// tokenizeStream encodes (or decodes) r line by line into w. A line is the
// text before a '\n'; a last line without '\n' counts too.
func tokenizeStream(tok *tokenizer.Tokenizer, decode bool, r io.Reader, w *bufio.Writer) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var ids []int32
	var num []byte
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return fmt.Errorf("stdin: %w", err)
		}
		if line == "" && err == io.EOF {
			return nil
		}
		line = strings.TrimSuffix(line, "\n")
		if decode {
			ids = ids[:0]
			for _, f := range strings.Fields(line) {
				v, perr := strconv.ParseInt(f, 10, 32)
				if perr != nil {
					return fmt.Errorf("stdin line %d: %q is not a token id", lineNo, f)
				}
				ids = append(ids, int32(v))
			}
			text, derr := tok.DecodeStrict(ids)
			if derr != nil {
				return fmt.Errorf("stdin line %d: %w", lineNo, derr)
			}
			w.WriteString(text)
		} else {
			ids = tok.AppendEncode(ids[:0], line)
			for i, id := range ids {
				if i > 0 {
					w.WriteByte(' ')
				}
				num = strconv.AppendInt(num[:0], int64(id), 10)
				w.Write(num)
			}
		}
		if err := w.WriteByte('\n'); err != nil {
			return err
		}
		if err == io.EOF {
			return nil
		}
	}
}

// TokenizerTrainConfig configures `rltrain tokenizer train`: the training
// settings of tokenizer.TrainConfig plus where to write the result.
type TokenizerTrainConfig struct {
	tokenizer.TrainConfig
	// Out is the tokenizer.json to write. Required.
	Out string
}

// DefaultTokenizerTrainConfig returns tokenizer.DefaultTrainConfig and no
// output path.
func DefaultTokenizerTrainConfig() TokenizerTrainConfig {
	return TokenizerTrainConfig{TrainConfig: tokenizer.DefaultTrainConfig()}
}

// Validate checks the fields and says how to fix a bad one.
func (c TokenizerTrainConfig) Validate() error {
	if c.Out == "" {
		return errors.New("--out is required: the tokenizer.json to write")
	}
	return c.TrainConfig.Validate()
}

func runTokenizerTrain(args []string) error {
	cfg := DefaultTokenizerTrainConfig()
	fs := newFlagSet("tokenizer train")
	fs.IntVar(&cfg.VocabSize, "vocab-size", cfg.VocabSize, "tokens wanted: specials + 256 bytes + merges (≥ 256+#specials)")
	fs.IntVar(&cfg.MinFrequency, "min-frequency", cfg.MinFrequency, "fewest occurrences of a pair to merge it (≥ 1)")
	fs.Func("specials", "comma-separated special tokens, given ids 0.. (default "+strings.Join(cfg.Specials, ",")+"; \"\" for none)", func(s string) error {
		cfg.Specials = nil
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				cfg.Specials = append(cfg.Specials, p)
			}
		}
		return nil
	})
	fs.Func("pattern", "split regex family: gpt2 or llama3 (default "+string(cfg.PreTokenizer.Pattern)+")", func(s string) error {
		cfg.PreTokenizer.Pattern = tokenizer.Pattern(s)
		return nil
	})
	fs.IntVar(&cfg.PreTokenizer.MaxDigits, "max-digits", cfg.PreTokenizer.MaxDigits, "longest digit run in one word (0 = unlimited, 1 = single digits, 3 = Llama 3)")
	fs.BoolVar(&cfg.PreTokenizer.AddPrefixSpace, "add-prefix-space", cfg.PreTokenizer.AddPrefixSpace, "prepend a space to text that does not start with one (gpt2 pattern with unlimited digits only)")
	fs.StringVar(&cfg.Out, "out", cfg.Out, "tokenizer.json to write (required)")
	if err := fs.Parse(args); err != nil {
		return inputErr(err)
	}
	if fs.NArg() > 0 {
		return badInput(fmt.Errorf("unexpected arguments %q: the corpus comes on stdin", fs.Args()))
	}
	if err := cfg.Validate(); err != nil {
		return badInput(err)
	}
	start := time.Now()
	tok, err := tokenizer.TrainReader(os.Stdin, cfg.TrainConfig)
	if err != nil {
		return err
	}
	if err := tok.Save(cfg.Out); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "rltrain tokenizer train: %d tokens (%d merges, %d special) in %v → %s\n",
		tok.VocabSize(), len(tok.Merges()), len(tok.AddedTokens()), time.Since(start).Round(time.Millisecond), cfg.Out)
	return nil
}
