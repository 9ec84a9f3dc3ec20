package rl

import (
	"slices"
	"strings"
	"testing"
)

func TestInformativeGroups(t *testing.T) {
	m := []float32{1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, nan32, 1, nan32, nan32, 0, 1, 1, 1, nan32, 0, 1, nan32}
	if got := InformativeGroups(m, 4); !slices.Equal(got, []int{1, 4, 5}) {
		t.Fatalf("kept %v", got)
	}
}

// §9.5: only groups with 0 < #correct < G survive, refilled over rounds,
// and exactly P·G rows come out.
func TestDynamicSampler(t *testing.T) {
	const P, G = 3, 4
	d := NewDynamicSampler[int](P, G, 3)
	round := func(base int, metric []float32) (bool, error) {
		rows := make([]int, len(metric))
		for i := range rows {
			rows[i] = base + i
		}
		return d.Add(rows, metric)
	}
	// Round 1: groups 1 and 4 are informative.
	full, err := round(0, []float32{1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, nan32, 1, nan32, nan32, 0, 1, 1, 1})
	if full || err != nil || d.Groups() != 2 {
		t.Fatalf("round 1: full=%v err=%v groups=%d", full, err, d.Groups())
	}
	// Round 2: two informative groups, only one is needed.
	full, err = round(100, []float32{0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 1})
	if !full || err != nil {
		t.Fatalf("round 2: full=%v err=%v", full, err)
	}
	want := []int{4, 5, 6, 7, 16, 17, 18, 19, 100, 101, 102, 103}
	if got := d.Rows(); !slices.Equal(got, want) || len(got) != P*G {
		t.Fatalf("rows %v, want %v", got, want)
	}
	if d.Rounds() != 2 {
		t.Fatal("rounds")
	}

	// Budget exhausted: an error that names the fix, and the partial rows.
	d.Reset()
	full, err = round(0, []float32{1, 1, 1, 1, 0, 1, 0, 0})
	if full || err != nil {
		t.Fatalf("budget round 1: %v %v", full, err)
	}
	for i := 0; i < 2; i++ {
		full, err = round(0, []float32{1, 1, 1, 1, 0, 0, 0, 0})
	}
	if full || err == nil || !strings.Contains(err.Error(), "MaxGenBatches") || len(d.Rows()) != G {
		t.Fatalf("budget: full=%v err=%v rows=%d", full, err, len(d.Rows()))
	}
}

func TestMaskTruncated(t *testing.T) {
	m := [][]float32{{1, 1}, {1, 0, 1}}
	got := MaskTruncated(m, []bool{true, false})
	checkVec(t, "m0", got[0], []float64{0, 0}, 0)
	checkVec(t, "m1", got[1], []float64{1, 0, 1}, 0)
	if m[0][0] != 1 {
		t.Fatal("MaskTruncated modified its input")
	}
}
