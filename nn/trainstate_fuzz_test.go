package nn

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// FuzzTrainState reads arbitrary bytes as a trainer-state sidecar (the
// resume path: safetensors with the metadata as JSON strings). It never
// panics, and what it accepts is a state a trainer can use: non-negative
// counters, finite moments of equal length.
func FuzzTrainState(f *testing.F) {
	path := filepath.Join(f.TempDir(), TrainStateFile)
	for _, st := range []*TrainState{
		{Step: 3, AdamStep: 2, DataCursor: 99, M: []float32{1, -2}, V: []float32{3, 4},
			RNG: map[string][]byte{"sample": {1, 2, 3}}, Meta: map[string]string{"run": "x"}},
		{},
	} {
		if err := SaveTrainState(path, st); err != nil {
			f.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		// The same file with its metadata values made wrong, one at a time.
		for _, r := range [][2]string{{`"step":"3"`, `"step":"-3"`}, {`"version":"1"`, `"version":"2"`},
			{`"rng":"{`, `"rng":"[{`}, {`"data_cursor":"99"`, `"data_cursor":"1e3"`}, {`"adam_step":"2"`, `"adam_step":"x"`}} {
			if c := bytes.Replace(b, []byte(r[0]), []byte(r[1]), 1); !bytes.Equal(c, b) {
				f.Add(c)
			}
		}
	}
	f.Add(buildST(map[string]string{"format": trainStateFormat, "version": "1", "step": "0", "adam_step": "0", "data_cursor": "0", "rng": "{}", "meta": "{}"},
		stEntry{"adamw.m", F32, []int{1}, stLE32(float32(math.NaN()))}, stEntry{"adamw.v", F32, []int{1}, stLE32(0)}))
	f.Add(buildST(map[string]string{"format": trainStateFormat, "version": "1", "step": "0", "adam_step": "0", "data_cursor": "0", "rng": "null", "meta": "null"},
		stEntry{"adamw.m", F32, []int{1, 1}, stLE32(0)}, stEntry{"adamw.v", BF16, []int{1}, stLE16(0)}))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > maxFuzzInput {
			t.Skip("input over 1 MB")
		}
		sf, err := ParseSafetensors("fuzz.safetensors", b)
		if err != nil {
			return
		}
		st, err := decodeTrainState(sf)
		if err != nil {
			return
		}
		if st.Step < 0 || st.AdamStep < 0 || st.DataCursor < 0 || len(st.M) != len(st.V) {
			t.Fatalf("accepted state %+v", st)
		}
		for i := range st.M {
			for _, v := range []float32{st.M[i], st.V[i]} {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("accepted a non-finite moment %v at %d", v, i)
				}
			}
		}
	})
}
