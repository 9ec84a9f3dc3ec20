package data

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

func idsOf(exs []Example) []string {
	out := make([]string, len(exs))
	for i, ex := range exs {
		out[i] = ex.ID
	}
	return out
}

func TestSplit(t *testing.T) {
	const n = 20000
	exs := make([]Example, n)
	for i := range exs {
		exs[i] = Example{ID: fmt.Sprintf("ex-%d", i)}
	}
	train, test, err := Split(exs, 0.1, "s")
	if err != nil {
		t.Fatal(err)
	}
	if len(train)+len(test) != n {
		t.Fatalf("%d + %d != %d", len(train), len(test), n)
	}
	// Binomial(20000, 0.1): sd ≈ 42; allow 5 sd.
	if d := math.Abs(float64(len(test)) - 0.1*n); d > 5*math.Sqrt(n*0.1*0.9) {
		t.Errorf("test size %d, want about %d", len(test), n/10)
	}
	// Stable when the data is reordered and grows: an ID's side never changes.
	rev := slices.Clone(exs)
	slices.Reverse(rev)
	rev = append(rev, Example{ID: "new-1"}, Example{ID: "new-2"})
	_, test2, _ := Split(rev, 0.1, "s")
	inTest := map[string]bool{}
	for _, id := range idsOf(test2) {
		inTest[id] = true
	}
	for _, id := range idsOf(test) {
		if !inTest[id] {
			t.Fatalf("%s changed side after reorder/growth", id)
		}
	}
	if len(test2) < len(test) || len(test2) > len(test)+2 {
		t.Errorf("test grew from %d to %d", len(test), len(test2))
	}
	// Another salt gives another split.
	_, test3, _ := Split(exs, 0.1, "other")
	if slices.Equal(idsOf(test), idsOf(test3)) {
		t.Error("salt has no effect")
	}
	// Edges.
	if tr, te, _ := Split(exs, 0, "s"); len(te) != 0 || len(tr) != n {
		t.Error("fraction 0 put examples in test")
	}
	if tr, te, _ := Split(exs, 1, "s"); len(tr) != 0 || len(te) != n {
		t.Error("fraction 1 left examples in train")
	}
	for _, bad := range []float64{-0.1, 1.5, math.NaN()} {
		if _, _, err := Split(exs, bad, "s"); err == nil {
			t.Errorf("fraction %v accepted", bad)
		}
	}
}

func TestHashUnitVector(t *testing.T) {
	// Values from Python: int.from_bytes(sha256(salt+b"\0"+id)[:8], "big") >> 11 / 2**53.
	for _, v := range []struct {
		salt, id string
		want     float64
	}{{"s", "ex-1", 0.1787618818498431}, {"", "a", 0.008459656010795014}} {
		if got := HashUnit(v.salt, v.id); got != v.want {
			t.Errorf("HashUnit(%q, %q) = %v, want %v", v.salt, v.id, got, v.want)
		}
	}
}

func TestDedup(t *testing.T) {
	in := []Example{{ID: "a", Prompt: "1"}, {ID: "b"}, {ID: "a", Prompt: "2"}, {ID: "c"}, {ID: "b"}}
	out, dropped := Dedup(in)
	if dropped != 2 || !slices.Equal(idsOf(out), []string{"a", "b", "c"}) || out[0].Prompt != "1" {
		t.Errorf("Dedup: %v dropped %d", idsOf(out), dropped)
	}
}
