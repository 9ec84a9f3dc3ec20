package nn

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// rawST assembles a safetensors file from a literal header and data bytes,
// without any of the writer's checks, so tests can build broken files.
func rawST(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

// stEntry is one tensor of a hand-built file.
type stEntry struct {
	name  string
	dtype DType
	shape []int
	data  []byte
}

// buildST lays entries out back to back, as a valid writer would, for any dtype.
func buildST(meta map[string]string, entries ...stEntry) []byte {
	hdr := map[string]any{}
	if meta != nil {
		hdr["__metadata__"] = meta
	}
	var data []byte
	for _, e := range entries {
		hdr[e.name] = map[string]any{"dtype": e.dtype, "shape": e.shape,
			"data_offsets": []int{len(data), len(data) + len(e.data)}}
		data = append(data, e.data...)
	}
	js, _ := json.Marshal(hdr)
	return rawST(string(js), data)
}

func stLE32(vs ...float32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

func stLE16(vs ...uint16) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint16(b, v)
	}
	return b
}

// TestSafetensorsHandBuilt reads a file laid out by hand from the format
// description, with values whose F16/BF16 bit patterns are worked out by hand.
func TestSafetensorsHandBuilt(t *testing.T) {
	// Header written byte for byte, keys out of offset order on purpose.
	header := `{"b":{"dtype":"F16","shape":[7],"data_offsets":[8,22]},` +
		`"__metadata__":{"format":"pt"},` +
		`"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},` +
		`"c":{"dtype":"BF16","shape":[1,3],"data_offsets":[22,28]},` +
		`"d":{"dtype":"F64","shape":[],"data_offsets":[28,36]}}`
	var data []byte
	data = append(data, stLE32(1, -2.5)...)
	// F16: 1, -2, 65504 (max), 2^-24 (smallest subnormal), 2^-14 (smallest
	// normal), +Inf, 0.333251953125 (0x3555).
	data = append(data, stLE16(0x3C00, 0xC000, 0x7BFF, 0x0001, 0x0400, 0x7C00, 0x3555)...)
	// BF16: 1, -3, 0x4049 = 3.140625.
	data = append(data, stLE16(0x3F80, 0xC040, 0x4049)...)
	data = binary.LittleEndian.AppendUint64(data, math.Float64bits(0.1))
	f, err := ParseSafetensors("hand.safetensors", rawST(header, data))
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["format"] != "pt" {
		t.Errorf("metadata %v", f.Metadata)
	}
	want := map[string][]float32{
		"a": {1, -2.5},
		"b": {1, -2, 65504, 1.0 / (1 << 24), 1.0 / (1 << 14), float32(math.Inf(1)), 0.333251953125},
		"c": {1, -3, 3.140625},
		"d": {float32(0.1)},
	}
	for name, w := range want {
		got, err := f.Float32(name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, w) {
			t.Errorf("%s = %v, want %v", name, got, w)
		}
	}
	if c, _ := f.Lookup("c"); !slices.Equal(c.Shape, []int{1, 3}) || c.DType != BF16 {
		t.Errorf("c: %+v", c)
	}
	if names := []string{f.Tensors[0].Name, f.Tensors[1].Name, f.Tensors[2].Name, f.Tensors[3].Name}; !slices.Equal(names, []string{"a", "b", "c", "d"}) {
		t.Errorf("tensors not sorted by offset: %v", names)
	}
	// F16 NaN stays NaN; negative zero keeps its sign.
	if v := f16ToFloat32(0x7E00); !math.IsNaN(float64(v)) {
		t.Errorf("f16 NaN → %v", v)
	}
	if v := f16ToFloat32(0x8000); math.Float32bits(v) != 1<<31 {
		t.Errorf("f16 -0 → %v", v)
	}
	if v := f16ToFloat32(0x83FF); v != -1023.0/(1<<24) {
		t.Errorf("f16 largest negative subnormal → %v", v)
	}
}

// TestF16AllValues checks every finite half against a float64 formula.
func TestF16AllValues(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		sign, exp, man := h>>15, (h>>10)&31, h&1023
		if exp == 31 {
			continue
		}
		var want float64
		if exp == 0 {
			want = float64(man) * math.Pow(2, -24)
		} else {
			want = (1 + float64(man)/1024) * math.Pow(2, float64(exp-15))
		}
		if sign == 1 {
			want = -want
		}
		if got := f16ToFloat32(uint16(h)); float64(got) != want {
			t.Fatalf("f16 %#04x → %v, want %v", h, got, want)
		}
	}
}

func TestSafetensorsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	ts := []Named{
		{Name: "model.embed_tokens.weight", Shape: []int{5, 3}},
		{Name: "scalar", Shape: nil},
		{Name: "empty", Shape: []int{0, 4}},
		{Name: "x.bias", Shape: []int{3}},
	}
	for i := range ts {
		n := 1
		for _, s := range ts[i].Shape {
			n *= s
		}
		ts[i].Data = make([]float32, n)
		for j := range ts[i].Data {
			ts[i].Data[j] = float32(rng.NormFloat64())
		}
	}
	ts[0].Data[3] = float32(math.Copysign(0, -1))
	ts[0].Data[4] = math.SmallestNonzeroFloat32
	path := filepath.Join(dir, "x.safetensors")
	meta := map[string]string{"format": "pt", "note": `quotes " and \ survive`}
	if err := WriteSafetensors(path, ts, meta); err != nil {
		t.Fatal(err)
	}
	// Overwrite (atomic replace) and check nothing temporary is left behind.
	if err := WriteSafetensors(path, ts, meta); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after writing, want 1 (leftover temp files?)", len(entries))
	}
	raw, _ := os.ReadFile(path)
	if n := binary.LittleEndian.Uint64(raw); (8+n)%8 != 0 {
		t.Errorf("data starts at %d, not 8-byte aligned", 8+n)
	}
	f, err := ReadSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(f.Metadata, meta) {
		t.Errorf("metadata %v, want %v", f.Metadata, meta)
	}
	for _, w := range ts {
		info, ok := f.Lookup(w.Name)
		if !ok {
			t.Fatalf("%s missing", w.Name)
		}
		if info.DType != F32 || !slices.Equal(info.Shape, append([]int{}, w.Shape...)) {
			t.Errorf("%s: %s %v, want F32 %v", w.Name, info.DType, info.Shape, w.Shape)
		}
		got, err := f.Float32(w.Name)
		if err != nil {
			t.Fatal(err)
		}
		for j := range got {
			if math.Float32bits(got[j]) != math.Float32bits(w.Data[j]) {
				t.Fatalf("%s[%d] = %v, want %v", w.Name, j, got[j], w.Data[j])
			}
		}
	}
	// Writer refuses bad names with an error, not a broken file.
	for _, bad := range [][]Named{
		{{Name: "a", Data: []float32{1}}, {Name: "a", Data: []float32{2}}},
		{{Name: "__metadata__", Data: []float32{1}}},
		{{Name: "", Data: []float32{1}}},
	} {
		if err := WriteSafetensors(filepath.Join(dir, "bad.safetensors"), bad, nil); err == nil {
			t.Errorf("WriteSafetensors(%v) succeeded", bad)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.safetensors")); !os.IsNotExist(err) {
		t.Errorf("a refused write left a file behind")
	}
}

// TestSafetensorsMalformed: each broken file gives an error that names the
// file and, where one is at fault, the tensor.
func TestSafetensorsMalformed(t *testing.T) {
	ok8 := stLE32(1, 2)
	hugeLen := binary.LittleEndian.AppendUint64(nil, 1<<62)
	cases := []struct {
		name, tensor string
		file         []byte
	}{
		{"empty file", "", nil},
		{"short length", "", []byte{1, 2, 3}},
		{"header length past EOF", "", append(hugeLen, '{', '}')},
		{"not JSON", "", rawST("[1,2]", nil)},
		{"bad JSON", "", rawST(`{"a":`, nil)},
		{"garbage after JSON", "", rawST(`{} xx`, nil)},
		{"unknown dtype", "w", rawST(`{"w":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}`, ok8)},
		{"no dtype", "w", rawST(`{"w":{"shape":[2],"data_offsets":[0,8]}}`, ok8)},
		{"no shape", "w", rawST(`{"w":{"dtype":"F32","data_offsets":[0,8]}}`, ok8)},
		{"negative dim", "w", rawST(`{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, ok8)},
		{"shape/offset mismatch", "w", rawST(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, ok8)},
		{"dtype size mismatch", "w", rawST(`{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,8]}}`, ok8)},
		{"overflowing shape", "w", rawST(`{"w":{"dtype":"F32","shape":[2147483647,2147483647,2147483647],"data_offsets":[0,8]}}`, ok8)},
		{"one offset", "w", rawST(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[8]}}`, ok8)},
		{"reversed offsets", "w", rawST(`{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}`, ok8)},
		{"offset past EOF", "w", rawST(`{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, ok8)},
		{"huge offset", "w", rawST(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[9223372036854775800,9223372036854775807]}}`, ok8)},
		{"overlap", "v", rawST(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"v":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, ok8)},
		{"gap", "w", rawST(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, ok8)},
		{"trailing data", "", rawST(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, ok8)},
		{"duplicate tensor", "w", rawST(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, ok8)},
		{"metadata not strings", "", rawST(`{"__metadata__":{"a":1}}`, nil)},
		{"entry not object", "w", rawST(`{"w":[1,2]}`, nil)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseSafetensors("bad.safetensors", c.file)
			if err == nil {
				t.Fatal("parsed without error")
			}
			if !strings.Contains(err.Error(), "bad.safetensors") {
				t.Errorf("error does not name the file: %v", err)
			}
			if c.tensor != "" && !strings.Contains(err.Error(), `"`+c.tensor+`"`) {
				t.Errorf("error does not name tensor %q: %v", c.tensor, err)
			}
		})
	}
	// A valid file with a non-float dtype parses, but does not convert.
	f, err := ParseSafetensors("ints.safetensors", buildST(nil, stEntry{"ids", I32, []int{2}, ok8}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Float32("ids"); err == nil || !strings.Contains(err.Error(), `"ids"`) {
		t.Errorf("I32 to float32: %v", err)
	}
	if _, err := f.Float32("nope"); err == nil {
		t.Error("missing tensor converted")
	}
}

// TestSafetensorsTruncated: every strict prefix of a valid file is rejected.
func TestSafetensorsTruncated(t *testing.T) {
	full := buildST(map[string]string{"format": "pt"},
		stEntry{"a", F32, []int{2, 2}, stLE32(1, 2, 3, 4)},
		stEntry{"b", BF16, []int{3}, stLE16(1, 2, 3)})
	if _, err := ParseSafetensors("full", full); err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(full); n++ {
		if _, err := ParseSafetensors("cut", full[:n]); err == nil {
			t.Fatalf("prefix of %d/%d bytes parsed", n, len(full))
		}
	}
}

// FuzzSafetensors: arbitrary bytes never panic the reader, and whatever it
// accepts converts, re-encodes and re-reads to the same values.
func FuzzSafetensors(f *testing.F) {
	f.Add(buildST(map[string]string{"format": "pt"},
		stEntry{"a", F32, []int{2, 2}, stLE32(1, 2, 3, 4)},
		stEntry{"b", BF16, []int{3}, stLE16(0x3F80, 2, 0x7FC0)},
		stEntry{"c", F16, []int{1, 1}, stLE16(0x3C00)},
		stEntry{"d", I64, []int{1}, make([]byte, 8)}))
	f.Add(buildST(nil, stEntry{"s", F64, []int{}, make([]byte, 8)}))
	f.Add(rawST(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"v":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, stLE32(1, 2)))
	f.Add(rawST(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, stLE32(1, 2)))
	f.Add(rawST(`{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, stLE32(1)))
	f.Add(rawST(`{"__metadata__":{"a":"b"}}   `, nil))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, '{'})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		sf, err := ParseSafetensors("fuzz.safetensors", b)
		if err != nil {
			return
		}
		var named []Named
		for _, ti := range sf.Tensors {
			if ti.End > int64(len(b)) || ti.Begin > ti.End {
				t.Fatalf("accepted out-of-range tensor %+v", ti)
			}
			v, err := sf.Float32(ti.Name)
			if err != nil {
				if ti.DType == F32 || ti.DType == F16 || ti.DType == BF16 || ti.DType == F64 {
					t.Fatalf("float tensor %q does not convert: %v", ti.Name, err)
				}
				continue
			}
			if ti.DType == F32 && ti.Name != "__metadata__" {
				named = append(named, Named{Name: ti.Name, Shape: ti.Shape, Data: v})
			}
		}
		// Re-encode the F32 tensors and check they read back bit for bit.
		var buf strings.Builder
		if err := encodeSafetensors(&buf, named, sf.Metadata); err != nil {
			t.Fatal(err)
		}
		sf2, err := ParseSafetensors("re", []byte(buf.String()))
		if err != nil {
			t.Fatalf("re-encoded file does not parse: %v", err)
		}
		for _, n := range named {
			got, err := sf2.Float32(n.Name)
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(n.Data[i]) {
					t.Fatalf("%s[%d] changed in a round trip", n.Name, i)
				}
			}
		}
	})
}

func ExampleParseSafetensors() {
	header := `{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}`
	file := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	file = append(file, header...)
	file = append(file, 0x80, 0x3F, 0x40, 0xC0) // bf16 1.0 and -3.0, little-endian
	f, err := ParseSafetensors("w.safetensors", file)
	if err != nil {
		fmt.Println(err)
		return
	}
	w, _ := f.Float32("w")
	fmt.Println(w)
	// Output: [1 -3]
}
