package warmstart

import (
	"fmt"
	"io"
	"time"

	"github.com/rltrain/rltrain/tokenizer"
)

// ProgressEvery is how often a long phase prints a progress line.
const ProgressEvery = 5 * time.Second

// PhaseLog prints a line with the percentage done and the time left of a
// phase that may take a while (BPE training, SFT) at most every `every`,
// and once at the end; the phase name starts the line. Call it with the
// work done so far and the total.
func PhaseLog(w io.Writer, name string, every time.Duration) func(done, total int64, extra string) {
	start := time.Now()
	last := start
	return func(done, total int64, extra string) {
		now := time.Now()
		if done < total && now.Sub(last) < every {
			return
		}
		last = now
		pct, eta := 100.0, time.Duration(0)
		if total > 0 {
			pct = 100 * float64(done) / float64(total)
		}
		if done > 0 && done < total {
			eta = time.Duration(float64(now.Sub(start)) / float64(done) * float64(total-done))
		}
		fmt.Fprintf(w, "  %s %5.1f%%  %s elapsed  ETA %s%s\n", name, pct,
			now.Sub(start).Round(time.Second), eta.Round(time.Second), extra)
	}
}

// BPEProgress reports BPE training (tokenizer.TrainReport) on log:
// counting words is most of the work on a large corpus and shows as the
// first half, merges as the second.
func BPEProgress(log io.Writer) func(tokenizer.TrainProgress) {
	l := PhaseLog(log, "bpe", ProgressEvery)
	return func(p tokenizer.TrainProgress) {
		if p.Phase == "count" {
			l(p.Done, 2*p.Total, " (counting words)")
		} else {
			l(p.Total+p.Done, 2*p.Total, " (merging)")
		}
	}
}
