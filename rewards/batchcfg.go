package rewards

// What a reward program (Program, --reward-cmd) and a reward server
// (HTTPReward, --reward-http) share as batched external rewards: the
// Timeout and MaxBatch settings and sending a batch in chunks of MaxBatch.

import (
	"fmt"
	"time"
)

// validateBatchConfig checks the Timeout and MaxBatch fields of the config
// type typ ("HTTPConfig", "ProgramConfig"), naming typ in the error.
func validateBatchConfig(typ string, timeout time.Duration, maxBatch int) error {
	switch {
	case timeout <= 0:
		return fmt.Errorf("rewards: %s.Timeout %v: want > 0", typ, timeout)
	case maxBatch < 1:
		return fmt.Errorf("rewards: %s.MaxBatch %d: want >= 1", typ, maxBatch)
	}
	return nil
}

// scoreChunks scores items by calling call once per chunk of at most
// maxBatch items, with the chunk's slice of the results to fill, and counts
// each chunk's call, samples and wall time in st.
func scoreChunks(items []Item, maxBatch int, st *ProgramStats, call func(items []Item, out []Result)) []Result {
	out := make([]Result, len(items))
	for lo := 0; lo < len(items); lo += maxBatch {
		hi := min(lo+maxBatch, len(items))
		t0 := time.Now()
		call(items[lo:hi], out[lo:hi])
		st.Busy += time.Since(t0)
		st.Calls++
		st.Samples += hi - lo
	}
	return out
}
