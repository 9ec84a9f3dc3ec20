package tensor

import (
	"bytes"
	"context"
	"runtime/pprof"
	"strings"
	"testing"
)

// helperLabels runs a two-chunk Parallel and returns the pprof labels the
// helper goroutine carries while it runs its chunk, read from a goroutine
// profile taken while the helper waits inside the chunk.
func helperLabels(t *testing.T) string {
	t.Helper()
	entered, release := make(chan struct{}), make(chan struct{})
	var dump bytes.Buffer
	Parallel(2, func(lo, hi int) {
		if lo == 0 { // the caller's own chunk
			<-entered
			if err := pprof.Lookup("goroutine").WriteTo(&dump, 1); err != nil {
				t.Error(err)
			}
			close(release)
			return
		}
		helperChunkMarker(entered, release)
	})
	// debug=1 groups goroutines by stack: "N @ addrs", then "# labels: {…}"
	// when they have labels, then the frames.
	for _, rec := range strings.Split(dump.String(), "\n\n") {
		if !strings.Contains(rec, "helperChunkMarker") {
			continue
		}
		for _, ln := range strings.Split(rec, "\n") {
			if l, ok := strings.CutPrefix(ln, "# labels: "); ok {
				return l
			}
		}
		return ""
	}
	t.Fatalf("no helper goroutine in the goroutine profile:\n%s", dump.String())
	return ""
}

//go:noinline
func helperChunkMarker(entered, release chan struct{}) {
	close(entered)
	<-release
}

func TestPoolHelpersCarryTheCallersLabels(t *testing.T) {
	defer SetThreads(SetThreads(2))
	if got := helperLabels(t); got != "" {
		t.Errorf("outside Do the helper has labels %s, want none", got)
	}
	Do(context.Background(), pprof.Labels("phase", "train"), func(ctx context.Context) {
		if got := helperLabels(t); !strings.Contains(got, `"phase":"train"`) {
			t.Errorf("inside Do(phase=train) the helper has labels %q", got)
		}
		Do(ctx, pprof.Labels("phase", "eval"), func(context.Context) {
			if got := helperLabels(t); !strings.Contains(got, `"phase":"eval"`) {
				t.Errorf("inside a nested Do(phase=eval) the helper has labels %q", got)
			}
		})
		if got := helperLabels(t); !strings.Contains(got, `"phase":"train"`) {
			t.Errorf("after the nested Do returned the helper has labels %q, want phase=train again", got)
		}
	})
	if got := helperLabels(t); got != "" {
		t.Errorf("after Do returned the helper still has labels %s", got)
	}
}

// BenchmarkParallelLabels is the cost of a small parallel region without
// labels and inside Do: the labels add a pointer load per call and a compare
// per chunk (the helper's labels are set once per phase change).
func BenchmarkParallelLabels(b *testing.B) {
	defer SetThreads(SetThreads(2))
	var sink [2]float64
	fn := func(lo, hi int) {
		s := 0.0
		for i := lo; i < hi; i++ {
			s += float64(i)
		}
		sink[lo*2/4096] += s
	}
	b.Run("none", func(b *testing.B) {
		for b.Loop() {
			Parallel(4096, fn)
		}
	})
	b.Run("labelled", func(b *testing.B) {
		Do(context.Background(), pprof.Labels("phase", "bench"), func(context.Context) {
			for b.Loop() {
				Parallel(4096, fn)
			}
		})
	})
}
