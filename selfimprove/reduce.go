package selfimprove

import "github.com/rltrain/rltrain/rl"

// sumRanks sums counts and sums over the ranks of a data-parallel run with
// reduce (rl.BuildInput.Reduce; nil in one process: nothing to do), so that
// the metrics a stage returns on rank 0 cover every rank's episodes. The
// counts travel as float64, exact below 2⁵³.
func sumRanks(reduce rl.Reducer, ints []*int, floats ...*float64) error {
	if reduce == nil {
		return nil
	}
	buf := make([]float64, len(ints))
	xs := make([]*float64, 0, len(ints)+len(floats))
	for i, p := range ints {
		buf[i] = float64(*p)
		xs = append(xs, &buf[i])
	}
	if err := reduce(append(xs, floats...)...); err != nil {
		return err
	}
	for i, p := range ints {
		*p = int(buf[i])
	}
	return nil
}

// counts lists the additive fields of s, for sumRanks.
func (s *VerifyStats) counts() []*int {
	out := []*int{&s.N, &s.Formatted}
	for t := range 3 {
		out = append(out, &s.Right[t], &s.Total[t])
		for p := range 4 {
			out = append(out, &s.Confusion[t][p])
		}
	}
	return out
}

// counts lists the integer fields of s (EditSum is its one float), for
// sumRanks.
func (s *CorrectionStats) counts() []*int {
	return []*int{&s.Pairs, &s.T1, &s.T2, &s.I2C, &s.C2I, &s.Edits}
}
