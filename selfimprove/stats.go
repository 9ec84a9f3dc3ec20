package selfimprove

import (
	"math"

	"github.com/rltrain/rltrain/rewards"
)

// VerifyStats counts verifications against the outcome scores of the
// solutions they judged: a verdict is right when it equals the outcome score.
type VerifyStats struct {
	Scale rewards.VerdictScale
	// N is the number of verifications; Formatted those with a verdict.
	N, Formatted int
	// Right counts right verdicts per true class (correct, wrong, no answer);
	// Total counts verifications per true class.
	Right, Total [3]int
	// Confusion[true class][verdict class] with verdict class 3 = none.
	Confusion [3][4]int
}

// NewVerifyStats returns empty counts on scale.
func NewVerifyStats(scale rewards.VerdictScale) *VerifyStats { return &VerifyStats{Scale: scale} }

// classNames name the classes in metric keys.
var classNames = [4]string{"correct", "wrong", "no_answer", "none"}

func (s *VerifyStats) class(v float64) int {
	switch v {
	case s.Scale.Correct:
		return 0
	case s.Scale.Wrong:
		return 1
	case s.Scale.NoAnswer:
		return 2
	}
	return 3
}

// Add counts one verification of a solution with outcome score truth whose
// verdict was verdict (ok false: no parsable verdict).
func (s *VerifyStats) Add(truth, verdict float64, ok bool) {
	t := s.class(truth)
	if t == 3 {
		return
	}
	s.N++
	s.Total[t]++
	p := 3
	if ok {
		s.Formatted++
		p = s.class(verdict)
		if verdict == truth {
			s.Right[t]++
		}
	}
	s.Confusion[t][p]++
}

// Acc is the share of right verdicts (NaN without verifications).
func (s *VerifyStats) Acc() float64 {
	if s.N == 0 {
		return math.NaN()
	}
	return float64(s.Right[0]+s.Right[1]+s.Right[2]) / float64(s.N)
}

// BalancedAcc is the mean of the accuracy on solutions the outcome verifier
// marks correct and the accuracy on the rest, so a verifier that always
// says "wrong" scores 0.5, not the share of wrong solutions (NaN unless
// both kinds were verified).
func (s *VerifyStats) BalancedAcc() float64 {
	rest := s.Total[1] + s.Total[2]
	if s.Total[0] == 0 || rest == 0 {
		return math.NaN()
	}
	return (float64(s.Right[0])/float64(s.Total[0]) + float64(s.Right[1]+s.Right[2])/float64(rest)) / 2
}

// Metrics returns acc, balanced_acc, format_rate, n and the confusion counts
// under prefix + name (prefix "verify/" per step, "verify_" in evaluations).
func (s *VerifyStats) Metrics(prefix string) map[string]float64 {
	m := map[string]float64{prefix + "n": float64(s.N)}
	if s.N > 0 {
		m[prefix+"acc"] = s.Acc()
		m[prefix+"format_rate"] = float64(s.Formatted) / float64(s.N)
	}
	if b := s.BalancedAcc(); !math.IsNaN(b) {
		m[prefix+"balanced_acc"] = b
	}
	for t := range 3 {
		for p := range 4 {
			m[prefix+"confusion/"+classNames[t]+"_"+classNames[p]] = float64(s.Confusion[t][p])
		}
	}
	return m
}
