package tensor

import (
	"context"
	"runtime/pprof"
	"sync/atomic"
)

// Profiling labels and the worker pool. pprof labels pass from a goroutine
// to the goroutines it starts, but the pool's helpers are started once, by
// whichever call first needed them, so the chunks they run for a labelled
// caller would carry no label (or a stale one) and a CPU profile would
// count the helpers' share of a phase as unlabelled. Do records the labelled
// context of the phase it runs; Parallel hands it to the helpers with each
// chunk, and a helper switches its own labels (pprof.SetGoroutineLabels)
// only when the context differs from its last chunk's — a pointer compare
// per chunk and one store per phase change (BenchmarkParallelLabels).
//
// The recorded context is process-wide: it assumes, as the trainer does,
// that labelled phases run one after another. Phases running at once on
// several goroutines would lend the pool the labels of the latest to start.

// labelled is the context whose labels the helpers apply.
type labelled struct{ ctx context.Context }

// poolLabels is the innermost running Do's context (nil outside any Do).
var poolLabels atomic.Pointer[labelled]

// Do runs f with ctx extended by labels, as pprof.Do does, and makes the
// pool's helpers run the chunks of every Parallel call made while f runs
// under the same labels, so the whole of a phase's CPU time carries its
// label. Do calls nest; the outer labels are restored when f returns.
func Do(ctx context.Context, labels pprof.LabelSet, f func(context.Context)) {
	pprof.Do(ctx, labels, func(ctx context.Context) {
		prev := poolLabels.Swap(&labelled{ctx: ctx})
		defer poolLabels.Store(prev)
		f(ctx)
	})
}

// applyLabels sets the calling helper's labels to l's (none when l is nil)
// and returns l, for the helper to remember as its current labels.
func applyLabels(l *labelled) *labelled {
	ctx := context.Background()
	if l != nil {
		ctx = l.ctx
	}
	pprof.SetGoroutineLabels(ctx)
	return l
}
