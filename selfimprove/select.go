package selfimprove

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/rltrain/rltrain/rl"
)

// Selection is how the solutions to verify are chosen from a step's groups.
type Selection string

// The selection modes.
const (
	// SelectUniform spreads the picks evenly across groups and picks at
	// random within a group (RISE's downsampling).
	SelectUniform Selection = "uniform"
	// SelectBalanced picks half correct and half not-correct solutions (by
	// the outcome verifier), each half spread evenly across groups. When the
	// model is mostly wrong, uniform picks teach the verifier to always say
	// "wrong"; balanced picks keep both verdicts in every update.
	SelectBalanced Selection = "balanced"
)

// Select returns the indices (into outcome) of up to n solutions to verify.
// groups are the spans of the solutions' groups; outcome is each solution's
// outcome score (NaN: unscorable, never picked); correct is the scale's
// correct score. Fewer than n come back when fewer are scorable.
func Select(mode Selection, n int, groups []rl.Span, outcome []float64, correct float64, rng *rand.Rand) ([]int, error) {
	var all, right, wrong [][]int // per group
	for _, g := range groups {
		var a, r, w []int
		for i := g.Lo; i < g.Hi; i++ {
			if math.IsNaN(outcome[i]) {
				continue
			}
			a = append(a, i)
			if outcome[i] == correct {
				r = append(r, i)
			} else {
				w = append(w, i)
			}
		}
		all, right, wrong = append(all, a), append(right, r), append(wrong, w)
	}
	switch mode {
	case SelectUniform:
		return spread(all, n, rng), nil
	case SelectBalanced:
		nr := min(n/2, count(right))
		nw := min(n-nr, count(wrong))
		nr = min(n-nw, count(right)) // fill from the other class when one is short
		return append(spread(right, nr, rng), spread(wrong, nw, rng)...), nil
	}
	return nil, fmt.Errorf("selfimprove: selection %q: choose uniform or balanced", mode)
}

func count(gs [][]int) int {
	n := 0
	for _, g := range gs {
		n += len(g)
	}
	return n
}

// spread picks n members of groups evenly: rounds over the groups in a
// random order, each round taking one random remaining member from every
// group that has one, until n are picked.
func spread(groups [][]int, n int, rng *rand.Rand) []int {
	left := make([][]int, len(groups))
	for i, g := range groups {
		left[i] = append([]int(nil), g...)
	}
	var out []int
	for len(out) < n {
		took := false
		for _, gi := range rng.Perm(len(left)) {
			g := left[gi]
			if len(g) == 0 || len(out) == n {
				continue
			}
			k := rng.IntN(len(g))
			out = append(out, g[k])
			left[gi] = append(g[:k], g[k+1:]...)
			took = true
		}
		if !took {
			break
		}
	}
	return out
}
