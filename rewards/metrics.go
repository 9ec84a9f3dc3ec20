package rewards

import "math"

// Metrics summarises a batch in TRL's names: "reward" and "reward_std" over
// the scored totals, and "rewards/<name>/mean" and "rewards/<name>/std" per
// component over its scored results; "rewards/unscored_frac" is the fraction
// of totals without a score. Means over no scored value are NaN.
func Metrics(names []string, totals []Result, parts [][]Result) map[string]float64 {
	m := map[string]float64{}
	mean, std, n := meanStd(totals)
	m["reward"], m["reward_std"] = mean, std
	if len(totals) > 0 {
		m["rewards/unscored_frac"] = float64(len(totals)-n) / float64(len(totals))
	}
	for k, name := range names {
		col := make([]Result, 0, len(parts))
		for _, p := range parts {
			col = append(col, p[k])
		}
		mean, std, _ := meanStd(col)
		m["rewards/"+name+"/mean"], m["rewards/"+name+"/std"] = mean, std
	}
	return m
}

// meanStd returns the mean and sample standard deviation (n−1, as torch.std
// in TRL) of the scored results, and how many there were, summing in order.
func meanStd(rs []Result) (mean, std float64, n int) {
	sum := 0.0
	for _, r := range rs {
		if r.OK {
			sum += r.Score
			n++
		}
	}
	if n == 0 {
		return math.NaN(), math.NaN(), 0
	}
	mean = sum / float64(n)
	if n == 1 {
		return mean, 0, 1
	}
	ss := 0.0
	for _, r := range rs {
		if r.OK {
			ss += (r.Score - mean) * (r.Score - mean)
		}
	}
	return mean, math.Sqrt(ss / float64(n-1)), n
}
