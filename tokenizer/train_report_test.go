package tokenizer

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// TrainReport reports both phases, ends the count at the corpus size, and
// learns exactly what Train learns.
func TestTrainReport(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var sb strings.Builder
	for sb.Len() < 600_000 {
		for n := 2 + rng.IntN(6); n > 0; n-- {
			sb.WriteByte(byte('a' + rng.IntN(8)))
		}
		sb.WriteByte(' ')
	}
	texts := []string{sb.String(), "hello world"}
	cfg := DefaultTrainConfig()
	cfg.VocabSize = 256 + len(cfg.Specials) + 200
	var got []TrainProgress
	a, err := TrainReport(texts, cfg, func(p TrainProgress) { got = append(got, p) })
	if err != nil {
		t.Fatal(err)
	}
	b, err := Train(texts, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Encode(texts[0][:500]), b.Encode(texts[0][:500])) || a.VocabSize() != b.VocabSize() {
		t.Fatal("TrainReport learned another tokenizer than Train")
	}
	phases := map[string]int{}
	for i, p := range got {
		phases[p.Phase]++
		if p.Done > p.Total || p.Done < 0 {
			t.Errorf("report %d: %+v: done beyond total", i, p)
		}
	}
	if phases["count"] < 2 || phases["merge"] < 1 {
		t.Fatalf("reports %v: want several count reports and a merge report", phases)
	}
	total := int64(len(texts[0]) + len(texts[1]))
	if last := got[phases["count"]-1]; last.Phase != "count" || last.Done != total || last.Total != total {
		t.Fatalf("last count report %+v, want %d of %d", last, total, total)
	}
}
