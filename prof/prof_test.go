package prof

import (
	"bytes"
	"context"
	"runtime/pprof"
	"strings"
	"testing"
	"time"
)

var sink float64

// burnA and burnB do n steps of floating-point work, each in its own loop
// so that each is the leaf of its samples. Work, not wall time, sets how
// long they run, so their CPU times keep their ratio on a loaded machine.
//
//go:noinline
func burnA(n int) {
	x := 1.0
	for i := 0; i < n; i++ {
		x = x*1.0000001 + 1e-9
	}
	sink += x
}

//go:noinline
func burnB(n int) {
	x := 1.0
	for i := 0; i < n; i++ {
		x = x*1.0000002 + 1e-9
	}
	sink += x
}

// stepsPer100ms calibrates burnA: the fastest of a few short runs is the
// closest to its CPU time.
func stepsPer100ms() int {
	const n = 1 << 20
	best := time.Hour
	for range 5 {
		t0 := time.Now()
		burnA(n)
		best = min(best, time.Since(t0))
	}
	return int(float64(n) * float64(100*time.Millisecond) / float64(max(best, time.Microsecond)))
}

// cpuProfile profiles phase a burning for about 200 ms of CPU, phase b for
// 100 ms and 100 ms without a label.
func cpuProfile(t *testing.T) []byte {
	t.Helper()
	n := stepsPer100ms()
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		t.Skipf("CPU profiling unavailable: %v", err)
	}
	ctx := context.Background()
	pprof.Do(ctx, pprof.Labels(Label, "a"), func(context.Context) { burnA(2 * n) })
	pprof.Do(ctx, pprof.Labels(Label, "b"), func(context.Context) { burnB(n) })
	burnB(n) // unlabelled: "other"
	pprof.StopCPUProfile()
	return buf.Bytes()
}

func hasFunc(fs []Func, suffix string) bool {
	for _, f := range fs {
		if strings.HasSuffix(f.Name, suffix) {
			return true
		}
	}
	return false
}

func TestSummarizePhases(t *testing.T) {
	s, err := Summarize(bytes.NewReader(cpuProfile(t)), 5)
	if err != nil {
		t.Fatal(err)
	}
	if s.Samples < 10 {
		t.Skipf("only %d samples for about 400 ms of CPU work", s.Samples)
	}
	a, okA := s.Phase("a")
	b, okB := s.Phase("b")
	if !okA || !okB {
		t.Fatalf("phases a and b missing: %+v", s.Phases)
	}
	other, ok := s.Phase(Other)
	if !ok || !hasFunc(other.ByFlat, ".burnB") || hasFunc(other.ByCum, ".burnA") {
		t.Errorf("unlabelled samples: %+v", other)
	}
	total := 0.0
	for _, p := range s.Phases {
		total += p.Share
		if len(p.ByFlat) > 5 || len(p.ByCum) > 5 {
			t.Errorf("phase %s: top lists longer than 5", p.Name)
		}
	}
	if total < 0.999 || total > 1.001 {
		t.Errorf("shares sum to %g", total)
	}
	// a burned for half the time, b and other for a quarter each; on a loaded machine either may get
	// less of the CPU than its wall time, so the bounds are loose.
	if a.Share < 0.25 || a.Share > 0.8 || b.Share < 0.05 || b.Share > 0.6 {
		t.Errorf("implausible shares: a %.2f (%s), b %.2f (%s)", a.Share, a.CPU, b.Share, b.CPU)
	}
	if !hasFunc(a.ByFlat, ".burnA") || !hasFunc(a.ByCum, ".burnA") || hasFunc(a.ByCum, ".burnB") {
		t.Errorf("phase a's top functions: flat %+v cum %+v", a.ByFlat, a.ByCum)
	}
	if !hasFunc(b.ByFlat, ".burnB") || !hasFunc(b.ByCum, ".burnB") || hasFunc(b.ByCum, ".burnA") {
		t.Errorf("phase b's top functions: flat %+v cum %+v", b.ByFlat, b.ByCum)
	}
	for i := 1; i < len(s.Phases); i++ {
		if p, q := s.Phases[i-1], s.Phases[i]; q.Name != Other && (p.Name == Other || p.CPU < q.CPU) {
			t.Errorf("phases not sorted by CPU time, other last: %s before %s", p.Name, q.Name)
		}
	}
	var out bytes.Buffer
	if err := s.Write(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"phase", "\na ", "\nb ", "\nother ", "top functions by flat time", "top functions by cum time", "burnA"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	t.Logf("\n%s", out.String())
}

func TestSummarizeBadInput(t *testing.T) {
	good := cpuProfile(t)
	var heap bytes.Buffer
	if err := pprof.Lookup("heap").WriteTo(&heap, 0); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "empty input"},
		{"garbage", []byte("this is not a profile\x00\x01\x02\xff"), "not a readable pprof profile"},
		{"truncated", good[:len(good)/2], "not a readable pprof profile"},
		{"heap profile", heap.Bytes(), "not a CPU profile"},
	} {
		_, err := Summarize(bytes.NewReader(c.in), 10)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", c.name, err, c.want)
		}
	}
}

func TestWriteSharesOneLine(t *testing.T) {
	var b strings.Builder
	s := Summary{Total: 2 * time.Second, Samples: 200, Phases: []Phase{{Name: "sft", Share: 0.75}, {Name: Other, Share: 0.25}}}
	if err := s.WriteShares(&b); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "CPU profile by phase (2.00s of CPU):  sft 75.0%  other 25.0%\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
