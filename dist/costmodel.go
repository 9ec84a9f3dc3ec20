package dist

import (
	"errors"
	"fmt"
	"math"
)

// The cost model of data-parallel training: what a step costs on p ranks,
// from the phases measured on one rank and the link between the ranks.
//
// A ring all-reduce of n float32 values over p ranks sends every rank's
// buffer around the ring twice in p chunks (a reduce-scatter, then an
// all-gather): 2(p−1) messages of 4n/p bytes per rank, one after another, so
//
//	T_ring(p, n) = 2(p−1)/p · 4n / B  +  2(p−1) · α
//
// with B the bandwidth one rank sends at (bytes/s) and α the latency of one
// message (s). The first term tends to 2·4n/B whatever p is: the ring's
// bandwidth cost does not grow with the rank count; the second grows
// linearly, and dominates small buffers on many ranks.
//
// A step of weak scaling (each rank keeps its per-rank batch) is the
// rank's compute — rollout, score and train as measured on one rank —
// plus one gradient all-reduce per optimiser pass and a handful of
// reductions of counts and statistics, which are a few values each and so
// cost latency only; MPI libraries reduce such small buffers by recursive
// doubling, ⌈log₂ p⌉ messages, and the model charges them that:
//
//	T_step(p) = rollout + score + train + μ · T_ring(p, n) + k · ⌈log₂ p⌉ · α
//
// When the trainer re-deals its rows across the ranks (--balance-batch)
// every rank shares its r float64 values of rows with all others, as one
// all-reduce of the p·r values (each rank fills its own segment, 2·p·r in
// float32 units) after a small one of the sizes:
//
//	T_share(p) = T_ring(p, 2·p·r) + ⌈log₂ p⌉ · α
//
// whose bandwidth term grows with p, unlike the gradient's.
//
// It assumes balanced ranks (no rank waits for a slower one: see the
// trainer's dist/wait_s metric for the measured idle time) and no overlap
// of communication with computation (the trainer all-reduces after the
// last backward pass).

// Link is the connection between ranks as the cost model sees it.
type Link struct {
	// Bandwidth is the bytes per second one rank sends (and receives at
	// the same time): the link speed for one rank per node.
	Bandwidth float64
	// Latency is the seconds one message takes end to end, however small.
	Latency float64
}

// GbitLink is a network link of gbit Gbit/s (10⁹ bits per second) and the
// given latency in seconds.
func GbitLink(gbit, latency float64) Link {
	return Link{Bandwidth: gbit * 1e9 / 8, Latency: latency}
}

// String formats the link as bandwidth and latency.
func (l Link) String() string {
	return fmt.Sprintf("%.3g GB/s (%.3g Gbit/s), %.3g µs", l.Bandwidth/1e9, 8*l.Bandwidth/1e9, l.Latency*1e6)
}

// RingAllReduce is T_ring(p, n): the seconds of a ring all-reduce of floats
// float32 values over p ranks (0 for one rank).
func (l Link) RingAllReduce(p, floats int) float64 {
	if p < 2 {
		return 0
	}
	steps := 2 * float64(p-1)
	return steps/float64(p)*4*float64(floats)/l.Bandwidth + steps*l.Latency
}

// SmallReduce is the seconds of an all-reduce of a few values over p ranks
// by recursive doubling: ⌈log₂ p⌉ messages.
func (l Link) SmallReduce(p int) float64 {
	if p < 2 {
		return 0
	}
	return math.Ceil(math.Log2(float64(p))) * l.Latency
}

// FitLink returns the link whose ring model passes through two measured
// all-reduces of the same rank count, a small buffer (its time is mostly
// latency) and a large one (mostly bandwidth): the two equations
// T_ring(p, n_i) = t_i solved for B and α. Both must come from the same
// Ranks ≥ 2, with different sizes, and the larger must take longer.
func FitLink(small, large AllReduceTiming) (Link, error) {
	p := small.Ranks
	if p < 2 || large.Ranks != p {
		return Link{}, fmt.Errorf("dist: FitLink needs two timings of the same rank count ≥ 2 (got %d and %d)", small.Ranks, large.Ranks)
	}
	if small.Floats > large.Floats {
		small, large = large, small
	}
	dn := float64(large.Floats - small.Floats)
	dt := large.Seconds - small.Seconds
	if dn <= 0 || dt <= 0 {
		return Link{}, fmt.Errorf("dist: FitLink: %d floats took %.3g s and %d floats %.3g s: need a larger buffer that takes longer",
			small.Floats, small.Seconds, large.Floats, large.Seconds)
	}
	steps := 2 * float64(p-1)
	bw := steps / float64(p) * 4 * dn / dt
	lat := (small.Seconds - steps/float64(p)*4*float64(small.Floats)/bw) / steps
	return Link{Bandwidth: bw, Latency: max(lat, 0)}, nil
}

// StepPhases is one rank's measured step, the input of Predict.
type StepPhases struct {
	// Rollout, Score and Train are the seconds of each phase of one step
	// on one rank, without communication (a one-process run's rollout_s,
	// score_s and train_s).
	Rollout, Score, Train float64
	// GradFloats is the length of the gradient buffer (the parameter
	// count).
	GradFloats int
	// AllReduces is the number of gradient all-reduces per step: one per
	// optimiser pass (μ, NumIterations). 0 means 1.
	AllReduces int
	// SmallReduces is the number of reductions of counts and statistics
	// per step (the trainer does about 8).
	SmallReduces int
	// Completions is the number of completions one rank samples per step.
	Completions int
	// ShareFloats64 is the float64 values of rows one rank shares per step
	// to re-deal them (--balance-batch); 0 when rows are not re-dealt.
	ShareFloats64 int
}

// Validate checks that the phases describe a step.
func (s StepPhases) Validate() error {
	if s.Rollout < 0 || s.Score < 0 || s.Train < 0 || s.Rollout+s.Score+s.Train <= 0 {
		return fmt.Errorf("dist: step phases rollout %g s, score %g s, train %g s: need non-negative times with a positive sum", s.Rollout, s.Score, s.Train)
	}
	if s.GradFloats < 0 || s.AllReduces < 0 || s.SmallReduces < 0 || s.Completions < 0 || s.ShareFloats64 < 0 {
		return errors.New("dist: step phases: gradient size and counts must be ≥ 0")
	}
	return nil
}

// Prediction is the modelled step on p ranks.
type Prediction struct {
	Ranks int
	Link  Link
	// Compute is rollout + score + train; Comm the modelled communication;
	// Step their sum, all in seconds.
	Compute, Comm, Step float64
	// StepsPerSec is 1/Step; CompletionsPerSec the job's (all ranks).
	StepsPerSec, CompletionsPerSec float64
	// Efficiency is the weak-scaling efficiency Compute/Step: the speed-up
	// over one rank divided by p.
	Efficiency float64
	// CommShare is Comm/Step.
	CommShare float64
}

// Predict is the cost model of a weak-scaling step (each rank keeps the
// per-rank batch of s) on p ranks over l.
func Predict(s StepPhases, p int, l Link) Prediction {
	ar := max(s.AllReduces, 1)
	pr := Prediction{Ranks: p, Link: l, Compute: s.Rollout + s.Score + s.Train}
	pr.Comm = float64(ar)*l.RingAllReduce(p, s.GradFloats) + float64(s.SmallReduces)*l.SmallReduce(p)
	if s.ShareFloats64 > 0 && p > 1 {
		pr.Comm += l.RingAllReduce(p, 2*p*s.ShareFloats64) + l.SmallReduce(p)
	}
	pr.Step = pr.Compute + pr.Comm
	if pr.Step > 0 {
		pr.StepsPerSec = 1 / pr.Step
		pr.CompletionsPerSec = float64(p*s.Completions) / pr.Step
		pr.Efficiency = pr.Compute / pr.Step
		pr.CommShare = pr.Comm / pr.Step
	}
	return pr
}
