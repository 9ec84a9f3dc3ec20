package main

// `rltrain bench scaling`: predicted steps/s of data-parallel training on
// larger clusters, from a run's measured step phases and the ring
// all-reduce cost model (dist/costmodel.go, bench/scaling.go).

import (
	"fmt"
	"os"
	"strings"

	"github.com/rltrain/rltrain/bench"
	"github.com/rltrain/rltrain/dist"
)

func init() {
	register("bench scaling", "predicted steps/s on 8/32/128 ranks over 10/25 Gbit/s from a run's step phases (ring all-reduce model)", runBenchScaling)
}

// benchScalingConfig is the flags of `rltrain bench scaling`.
type benchScalingConfig struct {
	// Run is a finished one-process run folder (--out of rltrain) whose
	// metrics.jsonl, config.json and final/config.json give the step
	// phases, the completions per step and the gradient size. Optional when
	// all of rollout-s/score-s/train-s, grad-floats and completions are set.
	Run string `json:"run"`
	// RolloutS, ScoreS and TrainS are one rank's seconds per step in each
	// phase (0: take the run's median).
	RolloutS float64 `json:"rollout_s"`
	ScoreS   float64 `json:"score_s"`
	TrainS   float64 `json:"train_s"`
	// GradFloats is the gradient length, the parameter count (0: the run's).
	GradFloats int `json:"grad_floats"`
	// Completions per rank per step (0: the run's prompts × group size).
	Completions int `json:"completions"`
	// AllReduces is the gradient all-reduces per step, μ (0: the run's).
	AllReduces int `json:"all_reduces"`
	// SmallReduces is the latency-bound reductions per step: the trainer
	// makes 9 (stop flag, batch size, normaliser counts, loss, statistics,
	// three for the rollout metrics, one for the timings). Default 9.
	SmallReduces int `json:"small_reduces"`
	// Ranks are the rank counts to predict. Default 8, 32, 128.
	Ranks []int `json:"ranks"`
	// Gbits are the network link speeds in Gbit/s. Default 10, 25.
	Gbits []float64 `json:"gbits"`
	// LatencyUs is the network's one-message latency in µs (MPI over TCP
	// on Ethernet: 20–50 µs). Default 25.
	LatencyUs float64 `json:"latency_us"`
	// LinkGBs and LinkLatencyUs add a link of this bandwidth (GB/s) and
	// latency (µs), e.g. shared memory as fitted by `bench allreduce --fit`
	// (0: none).
	LinkGBs       float64 `json:"link_gbs"`
	LinkLatencyUs float64 `json:"link_latency_us"`
}

func runBenchScaling(args []string) error {
	cfg := benchScalingConfig{SmallReduces: 9, Ranks: []int{8, 32, 128}, Gbits: []float64{10, 25}, LatencyUs: 25}
	fs := newFlagSet("bench scaling")
	bindStruct(fs, &cfg, "", "benchScalingConfig", nil)
	if err := fs.Parse(args); err != nil {
		return err
	}
	var s dist.StepPhases
	if cfg.Run != "" {
		var err error
		if s, err = bench.StepPhasesFromRun(cfg.Run, cfg.SmallReduces); err != nil {
			return badInput(fmt.Errorf("--run %s: %w", cfg.Run, err))
		}
	} else if cfg.GradFloats == 0 || cfg.Completions == 0 || cfg.RolloutS+cfg.ScoreS+cfg.TrainS == 0 {
		return badInput(fmt.Errorf("give --run DIR (a finished one-process run) or all of --rollout-s/--score-s/--train-s, --grad-floats and --completions"))
	}
	s.SmallReduces = cfg.SmallReduces
	for _, o := range []struct {
		dst *float64
		v   float64
	}{{&s.Rollout, cfg.RolloutS}, {&s.Score, cfg.ScoreS}, {&s.Train, cfg.TrainS}} {
		if o.v != 0 {
			*o.dst = o.v
		}
	}
	for _, o := range []struct {
		dst *int
		v   int
	}{{&s.GradFloats, cfg.GradFloats}, {&s.Completions, cfg.Completions}, {&s.AllReduces, cfg.AllReduces}} {
		if o.v != 0 {
			*o.dst = o.v
		}
	}
	var links []bench.NamedLink
	for _, g := range cfg.Gbits {
		links = append(links, bench.NamedLink{Name: fmt.Sprintf("%g Gbit/s, %g µs", g, cfg.LatencyUs), Link: dist.GbitLink(g, cfg.LatencyUs*1e-6)})
	}
	if cfg.LinkGBs > 0 {
		links = append(links, bench.NamedLink{Name: fmt.Sprintf("%g GB/s, %g µs", cfg.LinkGBs, cfg.LinkLatencyUs),
			Link: dist.Link{Bandwidth: cfg.LinkGBs * 1e9, Latency: cfg.LinkLatencyUs * 1e-6}})
	}
	if err := bench.WriteScaling(os.Stdout, s, cfg.Ranks, links); err != nil {
		if strings.HasPrefix(err.Error(), "bench scaling") || strings.HasPrefix(err.Error(), "dist:") {
			return badInput(err)
		}
		return err
	}
	return nil
}
