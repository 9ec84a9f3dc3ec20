package rewards

import (
	"math"
	"strings"
	"testing"
)

// FuzzParseSpec reads arbitrary text as a --reward spec. It never panics;
// an error names the spec entry at fault; an accepted spec has one reward
// per entry, distinct names and finite weights.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{
		"countdown:1,format:0.1,overlong", "accuracy", " math : 2 , format:-0.5 ", "accuracy,math",
		"format:NaN", "format:1e309", "format:0x1p-2", "format:", ":1", ",", "", "countdown:1:2", "nope:1",
		"overlong", "format:1_0",
	} {
		f.Add(s, 96)
		f.Add(s, 0)
	}
	f.Fuzz(func(t *testing.T, spec string, maxLen int) {
		if len(spec) > 1<<20 {
			t.Skip("input over 1 MB")
		}
		w, err := ParseSpec(spec, SpecOptions{MaxCompletionLen: maxLen})
		if err != nil {
			if w != nil {
				t.Fatalf("a reward and an error: %v", err)
			}
			if !strings.HasPrefix(err.Error(), "rewards: ") || (strings.TrimSpace(spec) != "" && !strings.Contains(err.Error(), "reward spec entry ")) {
				t.Fatalf("error does not name the entry: %v", err)
			}
			return
		}
		entries := strings.Count(spec, ",") + 1
		if len(w.Rewards) != entries || len(w.Weights) != entries || w.Missing != MissingStrict {
			t.Fatalf("%q: %d rewards, %d weights for %d entries", spec, len(w.Rewards), len(w.Weights), entries)
		}
		seen := map[string]bool{}
		for i, r := range w.Rewards {
			if seen[r.Name()] {
				t.Fatalf("%q: reward %q twice", spec, r.Name())
			}
			seen[r.Name()] = true
			if math.IsNaN(w.Weights[i]) || math.IsInf(w.Weights[i], 0) {
				t.Fatalf("%q: weight %v", spec, w.Weights[i])
			}
		}
	})
}
