package dist

import (
	"math"
	"testing"
)

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %.12g, want %.12g", what, got, want)
	}
}

// The formulas on numbers worked by hand.
func TestRingAllReduceByHand(t *testing.T) {
	l := GbitLink(10, 25e-6)
	near(t, "10 Gbit/s in bytes/s", l.Bandwidth, 1.25e9)
	// 8 ranks, 1M floats: 2·7/8 · 4e6 B / 1.25e9 B/s = 1.75 · 3.2 ms = 5.6 ms;
	// latency 2·7 · 25 µs = 0.35 ms.
	near(t, "T_ring(8, 1M)", l.RingAllReduce(8, 1_000_000), 5.95e-3)
	// 2 ranks, 1000 floats: 1 · 4000 / 1.25e9 = 3.2 µs, plus 2 · 25 µs.
	near(t, "T_ring(2, 1000)", l.RingAllReduce(2, 1000), 53.2e-6)
	near(t, "T_ring(1, 1M)", l.RingAllReduce(1, 1_000_000), 0)
	near(t, "small(8) = 3α", l.SmallReduce(8), 75e-6)
	near(t, "small(5) = 3α", l.SmallReduce(5), 75e-6)
	near(t, "small(2) = α", l.SmallReduce(2), 25e-6)
	near(t, "small(1)", l.SmallReduce(1), 0)
	// 25 Gbit/s, 128 ranks, 10M floats, 10 µs: 2·127/128 · 4e7 / 3.125e9
	// = 1.984375 · 12.8 ms = 25.4 ms; latency 254 · 10 µs = 2.54 ms.
	near(t, "T_ring(128, 10M)", GbitLink(25, 10e-6).RingAllReduce(128, 10_000_000), 25.4e-3+2.54e-3)
}

func TestPredictByHand(t *testing.T) {
	s := StepPhases{Rollout: 1, Score: 0.1, Train: 0.4, GradFloats: 1_000_000, SmallReduces: 8, Completions: 64}
	p := Predict(s, 8, GbitLink(10, 25e-6))
	// comm = 5.95 ms (gradient) + 8 · 75 µs = 6.55 ms; step = 1.50655 s.
	near(t, "compute", p.Compute, 1.5)
	near(t, "comm", p.Comm, 6.55e-3)
	near(t, "step", p.Step, 1.50655)
	near(t, "steps/s", p.StepsPerSec, 1/1.50655)
	near(t, "completions/s", p.CompletionsPerSec, 512/1.50655)
	near(t, "efficiency", p.Efficiency, 1.5/1.50655)
	near(t, "comm share", p.CommShare, 6.55e-3/1.50655)
	// μ = 2 optimiser passes: two gradient all-reduces.
	s.AllReduces = 2
	near(t, "comm, μ = 2", Predict(s, 8, GbitLink(10, 25e-6)).Comm, 2*5.95e-3+8*75e-6)
	// Re-dealt rows: 10k float64 values per rank over 8 ranks is an
	// all-reduce of 160k float32 units: 2 · 7/8 · 640 kB / 1.25 GB/s =
	// 896 µs + 14 · 25 µs, plus the sizes' 75 µs: 1321 µs more.
	s.ShareFloats64 = 10_000
	near(t, "comm, rows re-dealt", Predict(s, 8, GbitLink(10, 25e-6)).Comm, 2*5.95e-3+8*75e-6+1321e-6)
	// One rank communicates nothing.
	if one := Predict(s, 1, GbitLink(10, 25e-6)); one.Comm != 0 || one.Efficiency != 1 {
		t.Errorf("one rank: %+v", one)
	}
}

func TestFitLinkRecoversTheLink(t *testing.T) {
	want := Link{Bandwidth: 3e9, Latency: 4e-6}
	for _, p := range []int{2, 4, 8} {
		small := AllReduceTiming{Floats: 1024, Ranks: p, Seconds: want.RingAllReduce(p, 1024)}
		large := AllReduceTiming{Floats: 10 << 20, Ranks: p, Seconds: want.RingAllReduce(p, 10<<20)}
		for _, order := range [][2]AllReduceTiming{{small, large}, {large, small}} {
			got, err := FitLink(order[0], order[1])
			if err != nil {
				t.Fatal(err)
			}
			near(t, "bandwidth", got.Bandwidth, want.Bandwidth)
			near(t, "latency", got.Latency, want.Latency)
		}
	}
	bad := []struct{ a, b AllReduceTiming }{
		{AllReduceTiming{Floats: 1, Ranks: 1, Seconds: 1}, AllReduceTiming{Floats: 2, Ranks: 1, Seconds: 2}},
		{AllReduceTiming{Floats: 1, Ranks: 2, Seconds: 1}, AllReduceTiming{Floats: 2, Ranks: 4, Seconds: 2}},
		{AllReduceTiming{Floats: 1, Ranks: 2, Seconds: 2}, AllReduceTiming{Floats: 2, Ranks: 2, Seconds: 1}},
		{AllReduceTiming{Floats: 5, Ranks: 2, Seconds: 1}, AllReduceTiming{Floats: 5, Ranks: 2, Seconds: 2}},
	}
	for _, c := range bad {
		if _, err := FitLink(c.a, c.b); err == nil {
			t.Errorf("FitLink(%+v, %+v) fitted a link", c.a, c.b)
		}
	}
}

func TestStepPhasesValidate(t *testing.T) {
	if err := (StepPhases{Rollout: 1}).Validate(); err != nil {
		t.Error(err)
	}
	for _, s := range []StepPhases{{}, {Rollout: -1, Train: 2}, {Rollout: 1, GradFloats: -1}} {
		if s.Validate() == nil {
			t.Errorf("%+v validated", s)
		}
	}
}
