package rl

// Load balancing across ranks (verl's balance_batch; docs/architecture.md).
// The ranks sample equal shards of the prompts, but completion lengths
// differ, so one rank's forward and backward passes can take 10–25% longer
// than another's while the others wait at the gradient all-reduce. Once the
// advantages are known (they need only the rank's own groups) every rank's
// rows are shared, and each rank keeps a share with about the same number of
// tokens. The gradient is a sum over rows, so which rank computes a row
// changes only the order of floating-point sums; every rank deals the same
// rows the same way, so the replicas stay identical.

import (
	"fmt"
	"math"
	"sort"

	"github.com/rltrain/rltrain/dist"
	"github.com/rltrain/rltrain/nn"
)

// canBalance reports whether rows may move between ranks after the
// advantages: not when a critic's values (scored per rank before the
// advantages) or the KL in the reward (the reference log-probs before the
// advantages) tie the advantages to the rows a rank already has.
func (t *Trainer) canBalance(critic bool, beta float64) bool {
	pc := t.Algo.Policy()
	return t.Cfg.BalanceBatch && t.comm().Size() > 1 && !critic && !(pc.KLPlacement == KLInReward && beta > 0)
}

// balance shares every rank's rows and returns this rank's balanced share,
// with the per-token advantages (or NFT's verdicts and rates) that go with
// them. Collective: two all-reduces.
func balance(c dist.Comm, cols rowColumns, adv AdvantageOutput) (rowColumns, AdvantageOutput, error) {
	hasAdv, hasNFT := adv.Adv != nil, adv.Correct != nil
	enc := encodeRows(cols, adv)
	sizes := make([]float64, c.Size())
	sizes[c.Rank()] = float64(len(enc))
	if err := c.AllReduceSum64(sizes); err != nil {
		return cols, adv, fmt.Errorf("balance: share sizes: %w", err)
	}
	off := make([]int, c.Size()+1)
	for r, s := range sizes {
		off[r+1] = off[r] + int(s)
	}
	// Each rank fills its own segment and zeros elsewhere, so the sum is
	// every rank's rows, exactly (x + 0 = x).
	buf := make([]float64, off[c.Size()])
	copy(buf[off[c.Rank()]:], enc)
	if err := c.AllReduceSum64(buf); err != nil {
		return cols, adv, fmt.Errorf("balance: share rows: %w", err)
	}
	var all []balRow
	for r := range c.Size() {
		rows, err := decodeRows(buf[off[r]:off[r+1]], hasAdv, hasNFT)
		if err != nil {
			return cols, adv, fmt.Errorf("balance: rows of rank %d: %w", r, err)
		}
		all = append(all, rows...)
	}
	costs := make([]float64, len(all))
	for i, row := range all {
		costs[i] = float64(len(row.seq.Tokens))
	}
	owner := dealRows(costs, c.Size())
	var mine []balRow
	for i, row := range all {
		if owner[i] == c.Rank() {
			mine = append(mine, row)
		}
	}
	return rebuild(mine, hasAdv, hasNFT)
}

// dealRows assigns rows to n ranks by longest processing time first: rows
// by decreasing cost (ties by index) each go to the least loaded rank (ties
// to the lowest rank). Deterministic, so every rank deals alike; no rank's
// load exceeds the mean by more than the largest row.
func dealRows(costs []float64, n int) []int {
	order := make([]int, len(costs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return costs[order[a]] > costs[order[b]] })
	load := make([]float64, n)
	owner := make([]int, len(costs))
	for _, i := range order {
		best := 0
		for r := 1; r < n; r++ {
			if load[r] < load[best] {
				best = r
			}
		}
		owner[i] = best
		load[best] += costs[i]
	}
	return owner
}

// balRow is one row as the loss reads it.
type balRow struct {
	seq              nn.Seq
	mask, oldLP, adv []float32
	klW, lossW       float32
	correct, posRate float32
}

// encodeRows flattens rows to float64s (exact for int32 tokens and float32
// values): per row T, Start, the T tokens, then per completion token the
// mask, the old log-prob and (when present) the advantage, then the KL and
// loss weights and (NFT) the verdict and rate.
func encodeRows(cols rowColumns, adv AdvantageOutput) []float64 {
	var out []float64
	for i, s := range cols.seqs {
		out = append(out, float64(len(s.Tokens)), float64(s.Start))
		for _, tok := range s.Tokens {
			out = append(out, float64(tok))
		}
		out = appendF32(out, cols.mask[i])
		out = appendF32(out, cols.oldLP[i])
		if adv.Adv != nil {
			out = appendF32(out, adv.Adv[i])
		}
		out = append(out, float64(weightAt(cols.klWeight, i)), float64(weightAt(cols.lossW, i)))
		if adv.Correct != nil {
			out = append(out, float64(adv.Correct[i]), float64(adv.PosRate[i]))
		}
	}
	return out
}

func appendF32(out []float64, xs []float32) []float64 {
	for _, x := range xs {
		out = append(out, float64(x))
	}
	return out
}

func weightAt(w []float32, i int) float32 {
	if w == nil {
		return 1
	}
	return w[i]
}

// decodeRows reads what encodeRows wrote.
func decodeRows(buf []float64, hasAdv, hasNFT bool) ([]balRow, error) {
	var rows []balRow
	next := func(n int) ([]float64, error) {
		if n < 0 || n > len(buf) {
			return nil, fmt.Errorf("truncated at %d values (want %d more)", len(buf), n)
		}
		v := buf[:n]
		buf = buf[n:]
		return v, nil
	}
	f32 := func(n int) ([]float32, error) {
		v, err := next(n)
		out := make([]float32, len(v))
		for i, x := range v {
			out[i] = float32(x)
		}
		return out, err
	}
	for len(buf) > 0 {
		head, err := next(2)
		if err != nil {
			return nil, err
		}
		T, start := int(head[0]), int(head[1])
		if start < 0 || start > T || float64(T) != head[0] {
			return nil, fmt.Errorf("row %d: bad length %g / start %g", len(rows), head[0], head[1])
		}
		toks, err := next(T)
		if err != nil {
			return nil, err
		}
		row := balRow{seq: nn.Seq{Tokens: make([]int32, T), Start: start}}
		for i, x := range toks {
			row.seq.Tokens[i] = int32(x)
		}
		n := T - start
		if row.mask, err = f32(n); err != nil {
			return nil, err
		}
		if row.oldLP, err = f32(n); err != nil {
			return nil, err
		}
		if hasAdv {
			if row.adv, err = f32(n); err != nil {
				return nil, err
			}
		}
		w, err := f32(2)
		if err != nil {
			return nil, err
		}
		row.klW, row.lossW = w[0], w[1]
		if hasNFT {
			v, err := f32(2)
			if err != nil {
				return nil, err
			}
			row.correct, row.posRate = v[0], v[1]
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// rebuild turns balanced rows back into the columns the loss loop reads.
// Weight columns stay nil when every weight is 1, as columns leaves them.
func rebuild(rows []balRow, hasAdv, hasNFT bool) (rowColumns, AdvantageOutput, error) {
	n := len(rows)
	c := rowColumns{seqs: make([]nn.Seq, n), mask: make([][]float32, n), oldLP: make([][]float32, n)}
	var a AdvantageOutput
	if hasAdv {
		a.Adv = make([][]float32, n)
	}
	if hasNFT {
		a.Correct, a.PosRate = make([]float32, n), make([]float32, n)
	}
	kl, lw := make([]float32, n), make([]float32, n)
	var klUsed, lwUsed bool
	for i, r := range rows {
		c.seqs[i], c.mask[i], c.oldLP[i] = r.seq, r.mask, r.oldLP
		if hasAdv {
			a.Adv[i] = r.adv
		}
		if hasNFT {
			a.Correct[i], a.PosRate[i] = r.correct, r.posRate
		}
		kl[i], lw[i] = r.klW, r.lossW
		klUsed = klUsed || r.klW != 1
		lwUsed = lwUsed || r.lossW != 1
		if math.IsNaN(float64(r.klW)) || math.IsNaN(float64(r.lossW)) {
			return c, a, fmt.Errorf("balance: row %d: NaN weight", i)
		}
	}
	if klUsed {
		c.klWeight = kl
	}
	if lwUsed {
		c.lossW = lw
	}
	return c, a, nil
}
