package dist

import (
	"strings"
	"testing"
)

func TestBenchAllReduceLocal(t *testing.T) {
	for _, n := range []int{0, 1, 1000} {
		tm, err := BenchAllReduce(Local(), n, 3)
		if err != nil {
			t.Fatal(err)
		}
		if tm.Floats != n || tm.Ranks != 1 || tm.Reps != 3 || tm.Seconds < 0 {
			t.Errorf("BenchAllReduce(%d) = %+v", n, tm)
		}
	}
	if _, err := BenchAllReduce(Local(), 10, 0); err == nil {
		t.Error("BenchAllReduce with 0 reps: no error")
	}
}

func TestAllReduceTimingBandwidth(t *testing.T) {
	tm := AllReduceTiming{Floats: 1 << 20, Ranks: 4, Reps: 1, Seconds: 0.001}
	if got, want := tm.AlgBandwidth(), 4*float64(1<<20)/0.001; got != want {
		t.Errorf("AlgBandwidth = %v, want %v", got, want)
	}
	if got, want := tm.BusBandwidth(), tm.AlgBandwidth()*1.5; got != want {
		t.Errorf("BusBandwidth = %v, want %v", got, want)
	}
	if (AllReduceTiming{Floats: 10, Ranks: 1, Seconds: 1}).BusBandwidth() != 0 {
		t.Error("BusBandwidth of one rank is not 0")
	}
	if (AllReduceTiming{Floats: 10, Ranks: 2}).AlgBandwidth() != 0 {
		t.Error("AlgBandwidth of a zero time is not 0")
	}
	if s := tm.String(); !strings.Contains(s, "1048576 floats") || !strings.Contains(s, "4 ranks") {
		t.Errorf("String() = %q", s)
	}
}
