package selfimprove

import "math"

// CorrectionStats counts pairs of attempts at one problem (docs/algorithms.md
// §5). The accuracies and deltas are over the M pairs whose two verdicts
// (rl.Turn.Correct, §0.1) are both scorable, so that Δ = Δi→c − Δc→i holds
// exactly; the edit ratio is over every pair.
type CorrectionStats struct {
	// Pairs is M; T1 and T2 count the correct first and second attempts
	// among them; I2C the pairs wrong then right, C2I right then wrong.
	Pairs, T1, T2, I2C, C2I int
	// Edits counts the pairs whose edit ratio was added to EditSum.
	Edits   int
	EditSum float64
}

// Add counts one pair with verdicts c1, c2 (1, 0, NaN) and texts.
func (s *CorrectionStats) Add(c1, c2 float32, text1, text2 string) {
	s.Edits++
	s.EditSum += EditRatio(text1, text2)
	if math.IsNaN(float64(c1)) || math.IsNaN(float64(c2)) {
		return
	}
	s.Pairs++
	a, b := c1 == 1, c2 == 1
	if a {
		s.T1++
	}
	if b {
		s.T2++
	}
	switch {
	case !a && b:
		s.I2C++
	case a && !b:
		s.C2I++
	}
}

// Metrics returns acc_t1, acc_t2, delta_t1_t2, delta_i2c, delta_c2i and
// edit_ratio under prefix + name (prefix "score/" per step, "" in
// evaluations); a quantity without pairs is left out. delta_t1_t2 is
// (T2 − T1)/M, and T2 − T1 = I2C − C2I as integers, so Δ = Δi→c − Δc→i
// up to the rounding of one subtraction.
func (s CorrectionStats) Metrics(prefix string) map[string]float64 {
	m := map[string]float64{}
	if s.Pairs > 0 {
		n := float64(s.Pairs)
		m[prefix+"acc_t1"] = float64(s.T1) / n
		m[prefix+"acc_t2"] = float64(s.T2) / n
		m[prefix+"delta_t1_t2"] = float64(s.T2-s.T1) / n
		m[prefix+"delta_i2c"] = float64(s.I2C) / n
		m[prefix+"delta_c2i"] = float64(s.C2I) / n
	}
	if s.Edits > 0 {
		m[prefix+"edit_ratio"] = s.EditSum / float64(s.Edits)
	}
	return m
}

// EditRatio is the Levenshtein distance between a and b, in characters
// (runes), over the length of the longer: 0 when the second attempt copies
// the first, 1 when it shares nothing with it at any position. Two empty
// texts have ratio 0.
func EditRatio(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	n := max(len(ra), len(rb))
	if n == 0 {
		return 0
	}
	return float64(levenshtein(ra, rb)) / float64(n)
}

// levenshtein is the edit distance (insert, delete, substitute, each 1)
// with two rows of the dynamic-programming table.
func levenshtein(a, b []rune) int {
	if len(a) < len(b) {
		a, b = b, a
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
