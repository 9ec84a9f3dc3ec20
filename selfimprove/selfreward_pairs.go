package selfimprove

import "math"

// PairSkip says why a prompt's responses gave no preference pair.
type PairSkip int

// The reasons PickPair gives no pair.
const (
	PairOK        PairSkip = iota
	PairUnscored           // fewer than two responses have a judge score
	PairTie                // the chosen and rejected scores are equal
	PairIdentical          // chosen and rejected are the same text
)

// PickPair chooses the preference pair among one prompt's responses from
// their judge scores (NaN: unscored, never picked), token lengths and texts
// (Self-Rewarding, docs/algorithms.md §6.2): chosen is the best-scored
// response, rejected the worst-scored one (the first of equals each). With
// margin ≥ 0 (Meta-Rewarding's length control), chosen is instead the
// shortest response whose score is within margin of the best. A pair whose
// chosen score does not exceed the rejected one by more than minGap (0: by
// anything) is a tie, and one whose two texts are equal carries no
// preference; both are skipped.
func PickPair(scores []float64, lengths []int, texts []string, margin, minGap float64) (chosen, rejected int, why PairSkip) {
	best, worst, n := -1, -1, 0
	for i, s := range scores {
		if math.IsNaN(s) {
			continue
		}
		if n++; best < 0 || s > scores[best] {
			best = i
		}
		if worst < 0 || s < scores[worst] {
			worst = i
		}
	}
	if n < 2 {
		return -1, -1, PairUnscored
	}
	chosen = best
	if margin >= 0 {
		for i, s := range scores {
			if !math.IsNaN(s) && s >= scores[best]-margin && lengths[i] < lengths[chosen] {
				chosen = i
			}
		}
	}
	switch {
	case !(scores[chosen]-scores[worst] > minGap):
		return -1, -1, PairTie
	case texts[chosen] == texts[worst]:
		return -1, -1, PairIdentical
	}
	return chosen, worst, PairOK
}
