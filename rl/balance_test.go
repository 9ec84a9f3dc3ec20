package rl

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"

	"github.com/rltrain/rltrain/dist"
	"github.com/rltrain/rltrain/nn"
	"reflect"
)

// TestDealRowsHandVector: longest first, each to the least loaded rank.
func TestDealRowsHandVector(t *testing.T) {
	// 5→r0 [5 0], 4→r1 [5 4], 3→r1 [5 7], 3→r0 [8 7], 2→r1 [8 9], 1→r0 [9 9].
	for _, tc := range []struct {
		costs []float64
		n     int
		want  []int
	}{
		{[]float64{5, 4, 3, 3, 2, 1}, 2, []int{0, 1, 1, 0, 1, 0}},
		{[]float64{1, 1}, 1, []int{0, 0}},
		{[]float64{2, 7, 2}, 3, []int{1, 0, 2}},
		{nil, 3, []int{}},
	} {
		if got := dealRows(tc.costs, tc.n); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("dealRows(%v, %d) = %v, want %v", tc.costs, tc.n, got, tc.want)
		}
	}
}

// groupComm is an in-process group of ranks for collective tests: only
// AllReduceSum64 is implemented (what balance uses); it sums in rank order.
type groupComm struct {
	rank int
	g    *group
}

type group struct {
	mu      sync.Mutex
	cond    *sync.Cond
	size    int
	bufs    [][]float64
	arrived int
	round   int
}

func newGroup(n int) []dist.Comm {
	g := &group{size: n, bufs: make([][]float64, n)}
	g.cond = sync.NewCond(&g.mu)
	out := make([]dist.Comm, n)
	for r := range n {
		out[r] = &groupComm{rank: r, g: g}
	}
	return out
}

func (c *groupComm) Rank() int { return c.rank }
func (c *groupComm) Size() int { return c.g.size }

func (c *groupComm) AllReduceSum64(buf []float64) error {
	g := c.g
	g.mu.Lock()
	defer g.mu.Unlock()
	round := g.round
	g.bufs[c.rank] = buf
	g.arrived++
	if g.arrived == g.size {
		sum := make([]float64, len(buf))
		for _, b := range g.bufs {
			if len(b) != len(sum) {
				return fmt.Errorf("lengths differ: %d vs %d", len(b), len(sum))
			}
			for i, x := range b {
				sum[i] += x
			}
		}
		for _, b := range g.bufs {
			copy(b, sum)
		}
		g.arrived = 0
		g.round++
		g.cond.Broadcast()
		return nil
	}
	for g.round == round {
		g.cond.Wait()
	}
	return nil
}

var errNotInTest = errors.New("not implemented in the test group")

func (c *groupComm) AllReduceSum([]float32) error             { return errNotInTest }
func (c *groupComm) Broadcast([]float32, int) error           { return errNotInTest }
func (c *groupComm) Broadcast64([]float64, int) error         { return errNotInTest }
func (c *groupComm) BroadcastBytes([]byte, int) error         { return errNotInTest }
func (c *groupComm) Gather([]float64, int) ([]float64, error) { return nil, errNotInTest }
func (c *groupComm) Barrier() error                           { return errNotInTest }
func (c *groupComm) Abort(int)                                { panic("abort") }
func (c *groupComm) Close() error                             { return nil }

// randomShard builds n rows of random lengths with advantages or NFT
// verdicts; the first row of rank 1 carries a KL weight of 0.5.
func randomShard(rng *rand.Rand, rank, n int, nft bool) (rowColumns, AdvantageOutput) {
	var c rowColumns
	var a AdvantageOutput
	for i := range n {
		prompt, comp := 2+rng.IntN(5), 1+rng.IntN(30)
		toks := make([]int32, prompt+comp)
		for k := range toks {
			toks[k] = int32(rng.IntN(50000))
		}
		mask, lp, adv := make([]float32, comp), make([]float32, comp), make([]float32, comp)
		for k := range comp {
			mask[k], lp[k], adv[k] = float32(rng.IntN(2)), -rng.Float32()*5, rng.Float32()-0.5
		}
		c.seqs = append(c.seqs, nn.Seq{Tokens: toks, Start: prompt})
		c.mask, c.oldLP = append(c.mask, mask), append(c.oldLP, lp)
		if nft {
			v := float32(rng.IntN(2))
			if i == 1 {
				v = float32(math.NaN()) // no verdict travels as NaN
			}
			a.Correct, a.PosRate = append(a.Correct, v), append(a.PosRate, rng.Float32())
		} else {
			a.Adv = append(a.Adv, adv)
		}
	}
	if rank == 1 {
		c.klWeight = make([]float32, n)
		for i := range c.klWeight {
			c.klWeight[i] = 1
		}
		c.klWeight[0] = 0.5
	}
	return c, a
}

// rowKey identifies a row by everything balance carries, for multiset checks.
func rowKey(c rowColumns, a AdvantageOutput, i int) string {
	s := fmt.Sprint(c.seqs[i], c.mask[i], c.oldLP[i], weightAt(c.klWeight, i), weightAt(c.lossW, i))
	if a.Adv != nil {
		s += fmt.Sprint(a.Adv[i])
	}
	if a.Correct != nil {
		s += fmt.Sprint(math.Float32bits(a.Correct[i]), a.PosRate[i])
	}
	return s
}

// TestBalanceRedealsRows: across 3 in-process ranks, balance returns every
// row exactly once with all it carries, and no rank's token load exceeds
// another's by more than the longest row.
func TestBalanceRedealsRows(t *testing.T) {
	for _, nft := range []bool{false, true} {
		t.Run(fmt.Sprint("nft=", nft), func(t *testing.T) {
			const ranks = 3
			comms := newGroup(ranks)
			rng := rand.New(rand.NewPCG(7, 1))
			in := make([]rowColumns, ranks)
			ina := make([]AdvantageOutput, ranks)
			var want []string
			longest := 0
			for r := range ranks {
				n := []int{12, 3, 20}[r] // unequal on purpose
				in[r], ina[r] = randomShard(rng, r, n, nft)
				for i := range n {
					want = append(want, rowKey(in[r], ina[r], i))
					longest = max(longest, len(in[r].seqs[i].Tokens))
				}
			}
			out := make([]rowColumns, ranks)
			outa := make([]AdvantageOutput, ranks)
			errs := make([]error, ranks)
			var wg sync.WaitGroup
			for r := range ranks {
				wg.Go(func() { out[r], outa[r], errs[r] = balance(comms[r], in[r], ina[r]) })
			}
			wg.Wait()
			var got []string
			loads := make([]int, ranks)
			for r := range ranks {
				if errs[r] != nil {
					t.Fatalf("rank %d: %v", r, errs[r])
				}
				for i := range out[r].seqs {
					got = append(got, rowKey(out[r], outa[r], i))
					loads[r] += len(out[r].seqs[i].Tokens)
				}
				if (outa[r].Adv == nil) != nft {
					t.Fatalf("rank %d: advantages present = %v with nft = %v", r, outa[r].Adv != nil, nft)
				}
			}
			sort.Strings(want)
			sort.Strings(got)
			if !reflect.DeepEqual(want, got) {
				t.Fatalf("the rows after balancing are not the rows before, each once with its data: %d rows before, %d after", len(want), len(got))
			}
			hi, lo := loads[0], loads[0]
			for _, l := range loads {
				hi, lo = max(hi, l), min(lo, l)
			}
			if hi-lo > longest || float64(hi-lo) >= 0.2*float64(hi) {
				t.Fatalf("token loads %v: spread %d over the longest row %d or 20%%", loads, hi-lo, longest)
			}
		})
	}
}

// TestDecodeRowsRejectsTruncated: a cut buffer is an error, not a panic.
func TestDecodeRowsRejectsTruncated(t *testing.T) {
	c, a := randomShard(rand.New(rand.NewPCG(1, 2)), 0, 2, false)
	enc := encodeRows(c, a)
	first := len(encodeRows(rowColumns{seqs: c.seqs[:1], mask: c.mask[:1], oldLP: c.oldLP[:1]}, AdvantageOutput{Adv: a.Adv[:1]}))
	for cut := 1; cut < len(enc); cut++ {
		if cut == first {
			continue // a whole first row: valid
		}
		_, err := decodeRows(enc[:cut], true, false)
		if err == nil {
			t.Fatalf("cut at %d of %d: no error", cut, len(enc))
		}
	}
	rows, err := decodeRows(enc, true, false)
	if err != nil || len(rows) != 2 {
		t.Fatalf("whole buffer: %d rows, %v", len(rows), err)
	}
}
