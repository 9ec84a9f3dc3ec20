package bench

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rltrain/rltrain/nn"
)

// Result is one measurement, one TSV line.
type Result struct {
	Kind     string // KindTrain or KindGenerate
	Config   string // model configuration name (S, M, T)
	Threads  int
	Batch    int
	Seq      int     // train: tokens per sequence; generate: new tokens per row
	TokPerS  float64 // train: batch·seq per step; generate: generated tokens
	RSSMB    float64 // peak RSS of the measuring process in MiB (0 unknown)
	ExpectMB float64 // the memory the config needs in MiB: nn.Config.TrainMemoryBytes or GenerateMemoryBytes
	GFLOPS   float64 // train: model GFLOP/s (tok/s · nn.Config.TrainFLOPsPerToken); generate: 0
	WeightGB float64 // generate: weight traffic GB/s (decode steps/s · nn.Config.DecodeWeightBytes); train: 0
}

// TSVHeader names the columns of Result.TSV.
const TSVHeader = "kind\tconfig\tthreads\tbatch\tseq\ttok_s\tpeak_rss_mb\texpected_mb\tgflops\tweight_gbs"

// TSV formats r as one line of TSVHeader's columns (no newline).
func (r Result) TSV() string {
	return fmt.Sprintf("%s\t%s\t%d\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.2f\t%.2f", r.Kind, r.Config, r.Threads, r.Batch, r.Seq,
		r.TokPerS, r.RSSMB, r.ExpectMB, r.GFLOPS, r.WeightGB)
}

// setRates fills the derived rates of r from its tokens/s: model GFLOP/s
// for training, weight GB/s for generation.
func (r *Result) setRates(cfg nn.Config) {
	switch r.Kind {
	case KindTrain:
		r.GFLOPS = r.TokPerS * cfg.TrainFLOPsPerToken(r.Seq) / 1e9
	case KindGenerate:
		r.WeightGB = r.TokPerS / float64(r.Batch) * cfg.DecodeWeightBytes() / 1e9
	}
}

// ParseResult parses a line printed by Result.TSV.
func ParseResult(line string) (Result, error) {
	f := strings.Split(strings.TrimSpace(line), "\t")
	if len(f) != 10 {
		return Result{}, fmt.Errorf("want 10 tab-separated fields, got %d in %q", len(f), line)
	}
	r := Result{Kind: f[0], Config: f[1]}
	var err error
	ints := []*int{&r.Threads, &r.Batch, &r.Seq}
	for i, p := range ints {
		if *p, err = strconv.Atoi(f[2+i]); err != nil {
			return r, fmt.Errorf("field %d of %q: %w", 3+i, line, err)
		}
	}
	floats := []*float64{&r.TokPerS, &r.RSSMB, &r.ExpectMB, &r.GFLOPS, &r.WeightGB}
	for i, p := range floats {
		if *p, err = strconv.ParseFloat(f[5+i], 64); err != nil {
			return r, fmt.Errorf("field %d of %q: %w", 6+i, line, err)
		}
	}
	return r, nil
}
