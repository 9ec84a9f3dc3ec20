package run

import (
	"bytes"
	"strings"
	"testing"
)

func TestProgressWarnsOnceWithoutSignal(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, 10)
	for s := 1; s <= 10; s++ {
		zero := 1.0
		if s <= 2 {
			zero = 0.5 // the first steps still had signal
		}
		p.Step(s, map[string]float64{"reward": 0.1, "frac_reward_zero_std": zero, "completions/clipped_ratio": 0})
	}
	out := buf.String()
	if n := strings.Count(out, "warning: frac_reward_zero_std"); n != 1 {
		t.Fatalf("want one zero-std warning, got %d:\n%s", n, out)
	}
	if strings.Contains(out, "clipped_ratio ≥") {
		t.Fatalf("clipped warning without cause:\n%s", out)
	}
	if !strings.Contains(out, "step 10/10") {
		t.Fatalf("last step not printed:\n%s", out)
	}
}
