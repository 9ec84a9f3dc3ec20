package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rltrain/rltrain/data"
)

func init() {
	register("data gen", "write generated task examples as JSONL ("+strings.Join(data.Tasks(), "|")+")", runDataGen)
	register("data check", "validate a JSONL file and print its statistics", runDataCheck)
	register("data split", "split a JSONL file into train and test by ID hash", runDataSplit)
}

// bindGenConfig binds every difficulty knob of every task to a flag.
func bindGenConfig(fs interface {
	IntVar(*int, string, int, string)
	StringVar(*string, string, string, string)
	Float64Var(*float64, string, float64, string)
	BoolVar(*bool, string, bool, string)
}, c *data.GenConfig) {
	a := &c.Arithmetic
	fs.IntVar(&a.MinOps, "arith-min-ops", a.MinOps, "arithmetic: fewest operators (1..8)")
	fs.IntVar(&a.MaxOps, "arith-max-ops", a.MaxOps, "arithmetic: most operators (1..8)")
	fs.IntVar(&a.MaxDigits, "arith-digits", a.MaxDigits, "arithmetic: most digits of a + - operand (1..9)")
	fs.IntVar(&a.MulDigits, "arith-mul-digits", a.MulDigits, "arithmetic: most digits of a * operand (1..4)")
	fs.StringVar(&a.Ops, "arith-ops", a.Ops, "arithmetic: operators to draw from (subset of +-*)")
	fs.Float64Var(&a.ParenProb, "arith-paren-prob", a.ParenProb, "arithmetic: probability of a parenthesised group ([0,1])")
	cd := &c.Countdown
	fs.IntVar(&cd.MinNumbers, "countdown-min-numbers", cd.MinNumbers, "countdown: fewest given numbers (2..5)")
	fs.IntVar(&cd.MaxNumbers, "countdown-max-numbers", cd.MaxNumbers, "countdown: most given numbers (2..5)")
	fs.IntVar(&cd.MinValue, "countdown-min-value", cd.MinValue, "countdown: smallest given number (>= 1)")
	fs.IntVar(&cd.MaxValue, "countdown-max-value", cd.MaxValue, "countdown: largest given number (<= 1000)")
	fs.IntVar(&cd.MinTarget, "countdown-min-target", cd.MinTarget, "countdown: smallest target")
	fs.IntVar(&cd.MaxTarget, "countdown-max-target", cd.MaxTarget, "countdown: largest target")
	fs.BoolVar(&cd.Fractions, "countdown-fractions", cd.Fractions, "countdown: allow negative or fractional intermediates")
	fs.IntVar(&cd.MaxFailedTries, "countdown-failed-tries", cd.MaxFailedTries, "countdown: most wrong attempts shown in a demonstration (0..3)")
	l := &c.Linear
	fs.IntVar(&l.MaxForm, "linear-max-form", l.MaxForm, "linear: 1 ax+b=c, 2 adds a(x+b)=c, 3 adds ax+b=cx+d")
	fs.IntVar(&l.MaxCoef, "linear-max-coef", l.MaxCoef, "linear: largest coefficient of x (2..100)")
	fs.IntVar(&l.MaxConst, "linear-max-const", l.MaxConst, "linear: largest |constant| (1..1000)")
	fs.IntVar(&l.MaxSolution, "linear-max-solution", l.MaxSolution, "linear: largest |x| (1..1000)")
	fs.BoolVar(&l.Negative, "linear-negative", l.Negative, "linear: allow negative solutions and right-hand sides")
	w := &c.Word
	fs.IntVar(&w.MaxSteps, "word-max-steps", w.MaxSteps, "word: most operations per problem (1..2)")
	fs.IntVar(&w.MaxValue, "word-max-value", w.MaxValue, "word: largest quantity in the text (2..1000)")
}

// bindJSONLConfig binds the JSONL field mapping and strictness to flags.
func bindJSONLConfig(fs interface {
	IntVar(*int, string, int, string)
	StringVar(*string, string, string, string)
	BoolVar(*bool, string, bool, string)
}, c *data.JSONLConfig) {
	fs.StringVar(&c.IDKey, "id-key", c.IDKey, "JSONL field holding the example id (absent: hash of the prompt)")
	fs.StringVar(&c.PromptKey, "prompt-key", c.PromptKey, "JSONL field holding the prompt")
	fs.StringVar(&c.AnswerKey, "answer-key", c.AnswerKey, "JSONL field holding the gold answer")
	fs.StringVar(&c.SolutionKey, "solution-key", c.SolutionKey, "JSONL field holding a worked solution (optional)")
	fs.StringVar(&c.TaskKey, "task-key", c.TaskKey, "JSONL field holding the task name (optional)")
	fs.StringVar(&c.Task, "task-name", c.Task, "task name for lines without one")
	fs.BoolVar(&c.RequireAnswer, "require-answer", c.RequireAnswer, "a line without an answer is bad")
	fs.StringVar((*string)(&c.OnError), "on-error", string(c.OnError), "bad lines: fail (list them and stop) or skip (drop and count)")
	fs.BoolVar(&c.Dedup, "dedup", c.Dedup, "drop examples whose id was seen before")
	fs.IntVar(&c.MaxErrors, "max-errors", c.MaxErrors, "bad lines listed at most")
	fs.IntVar(&c.MaxLineBytes, "max-line-bytes", c.MaxLineBytes, "a longer line is bad (0: no limit)")
}

// createOut opens path for writing, or stdout for "" or "-".
func createOut(path string) (io.WriteCloser, error) {
	if path == "" || path == "-" {
		return nopCloser{os.Stdout}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return f, nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func writeExamples(path string, exs []data.Example) error {
	w, err := createOut(path)
	if err != nil {
		return err
	}
	if err := data.WriteJSONL(w, exs); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

func runDataGen(args []string) error {
	fs := newFlagSet("data gen")
	task, n, seed, out := "countdown", 1000, uint64(1), ""
	cfg := data.DefaultGenConfig()
	fs.StringVar(&task, "task", task, "task to generate: "+strings.Join(data.Tasks(), ", "))
	fs.IntVar(&n, "n", n, "number of distinct examples")
	fs.Uint64Var(&seed, "seed", seed, "random seed; the same seed and flags give the same file")
	fs.StringVar(&out, "out", out, "output file (default stdout)")
	bindGenConfig(fs, &cfg)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	exs, err := data.Generate(task, n, seed, cfg)
	if err != nil {
		return err
	}
	return writeExamples(out, exs)
}

func runDataCheck(args []string) error {
	fs := newFlagSet("data check")
	cfg := data.DefaultJSONLConfig()
	bindJSONLConfig(fs, &cfg)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: rltrain data check [flags] FILE...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return inputErr(err)
	}
	if fs.NArg() == 0 {
		return badInput(fmt.Errorf("name at least one JSONL file"))
	}
	for _, path := range fs.Args() {
		_, st, err := data.LoadJSONL(path, cfg)
		for _, e := range st.Errors {
			if err == nil { // skip mode: report what was dropped
				fmt.Fprintln(os.Stderr, "skipped", e)
			}
		}
		if err != nil {
			var ble *data.BadLinesError
			if errors.As(err, &ble) {
				ble.SkipHint = "--on-error skip"
			}
			return badInput(err)
		}
		fmt.Printf("%s: %d lines, %d examples, %d bad, %d duplicate ids\n", path, st.Lines, st.Kept, st.Bad, st.Duplicates)
	}
	return nil
}

func runDataSplit(args []string) error {
	fs := newFlagSet("data split")
	cfg := data.DefaultJSONLConfig()
	in, frac, salt, trainOut, testOut := "", 0.1, "rltrain", "train.jsonl", "test.jsonl"
	fs.StringVar(&in, "in", in, "input JSONL file")
	fs.Float64Var(&frac, "test-frac", frac, "fraction of ids that go to test ([0,1])")
	fs.StringVar(&salt, "salt", salt, "hash salt; another salt gives another split")
	fs.StringVar(&trainOut, "train-out", trainOut, "train output file")
	fs.StringVar(&testOut, "test-out", testOut, "test output file")
	bindJSONLConfig(fs, &cfg)
	if err := fs.Parse(args); err != nil {
		return inputErr(err)
	}
	if in == "" {
		return badInput(fmt.Errorf("-in is required"))
	}
	exs, st, err := data.LoadJSONL(in, cfg)
	if err != nil {
		var ble *data.BadLinesError
		if errors.As(err, &ble) {
			ble.SkipHint = "--on-error skip"
		}
		return badInput(fmt.Errorf("-in: %w", err))
	}
	train, test, err := data.Split(exs, frac, salt)
	if err != nil {
		return err
	}
	if err := writeExamples(trainOut, train); err != nil {
		return err
	}
	if err := writeExamples(testOut, test); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s: %d examples (%d bad skipped, %d duplicates) -> %d train, %d test\n", in, st.Kept, st.Bad, st.Duplicates, len(train), len(test))
	return nil
}
