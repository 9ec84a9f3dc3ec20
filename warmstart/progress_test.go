package warmstart

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// PhaseLog prints at most every interval, always at the end, with % and ETA.
func TestPhaseLog(t *testing.T) {
	var b bytes.Buffer
	l := PhaseLog(&b, "bpe", time.Hour)
	for i := int64(1); i <= 10; i++ {
		l(i, 10, "")
	}
	if got := strings.Count(b.String(), "\n"); got != 1 || !strings.Contains(b.String(), "bpe 100.0%") {
		t.Fatalf("an hour's interval: %d lines %q, want only the final one", got, b.String())
	}
	b.Reset()
	l = PhaseLog(&b, "sft", 0)
	l(1, 4, " step 1/4")
	if !strings.Contains(b.String(), "sft  25.0%") || !strings.Contains(b.String(), "ETA") || !strings.Contains(b.String(), "step 1/4") {
		t.Fatalf("line %q", b.String())
	}
}
