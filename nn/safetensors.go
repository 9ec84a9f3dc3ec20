package nn

// The safetensors format (https://github.com/huggingface/safetensors), as
// written by Hugging Face transformers and read by PyTorch:
//
//	8 bytes   N, the header length, little-endian uint64
//	N bytes   a JSON object: "__metadata__" → {string: string} (optional) and,
//	          per tensor, name → {"dtype": "F32", "shape": [..],
//	          "data_offsets": [begin, end]}; writers pad it with spaces so
//	          that the data starts 8-byte aligned
//	rest      the byte buffer; offsets are relative to its start, tensors are
//	          row-major little-endian, and together they tile the buffer
//	          exactly (no gaps, no overlaps), as the reference reader demands.
//
// The reader here trusts nothing: the header length, every offset and every
// shape are checked against the file size and each other before any tensor
// is touched, so a truncated or malformed file is an error naming the file
// and the tensor, never a panic (FuzzSafetensors).

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
)

// DType is a safetensors element type, spelt as in the header ("F32", "BF16", …).
type DType string

// The element types of the safetensors format. Tensors of every type parse;
// F32, F64, F16 and BF16 convert to float32.
const (
	F64  DType = "F64"
	F32  DType = "F32"
	F16  DType = "F16"
	BF16 DType = "BF16"
	I64  DType = "I64"
	I32  DType = "I32"
	I16  DType = "I16"
	I8   DType = "I8"
	U64  DType = "U64"
	U32  DType = "U32"
	U16  DType = "U16"
	U8   DType = "U8"
	Bool DType = "BOOL"
	F8E4 DType = "F8_E4M3"
	F8E5 DType = "F8_E5M2"
)

// Size is the number of bytes per element, or 0 for an unknown type.
func (d DType) Size() int {
	switch d {
	case F64, I64, U64:
		return 8
	case F32, I32, U32:
		return 4
	case F16, BF16, I16, U16:
		return 2
	case I8, U8, Bool, F8E4, F8E5:
		return 1
	}
	return 0
}

// maxSafetensorsHeader bounds the JSON header, as the reference reader does
// (100 MB), so that a corrupt length cannot make us allocate gigabytes.
const maxSafetensorsHeader = 100 << 20

// TensorInfo describes one tensor of a safetensors file.
type TensorInfo struct {
	Name  string
	DType DType
	Shape []int
	// Begin and End are byte offsets into the data buffer (after the header).
	Begin, End int64
}

// NumElements is the product of the shape (1 for a scalar).
func (t TensorInfo) NumElements() int {
	n := 1
	for _, s := range t.Shape {
		n *= s
	}
	return n
}

// SafetensorsFile is a parsed safetensors file held in memory. Its tensors
// have been bounds-checked; reading one cannot go out of range.
type SafetensorsFile struct {
	// Path names the file in error messages.
	Path string
	// Metadata is the "__metadata__" object (nil if absent).
	Metadata map[string]string
	// Tensors lists every tensor, sorted by offset.
	Tensors []TensorInfo

	index map[string]int
	data  []byte // the byte buffer after the header
}

// ReadSafetensors reads and validates a safetensors file.
func ReadSafetensors(path string) (*SafetensorsFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read safetensors: %w", err)
	}
	return ParseSafetensors(path, b)
}

// ParseSafetensors validates a safetensors file held in b; name is used in
// error messages. The result refers to b, which must not change afterwards.
func ParseSafetensors(name string, b []byte) (*SafetensorsFile, error) {
	f := &SafetensorsFile{Path: name, index: map[string]int{}}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("safetensors %s: %s", name, fmt.Sprintf(format, args...))
	}
	if len(b) < 8 {
		return nil, bad("file is %d bytes, shorter than the 8-byte header length: truncated?", len(b))
	}
	n := binary.LittleEndian.Uint64(b)
	if n > uint64(len(b)-8) {
		return nil, bad("header length %d exceeds the %d bytes after it: truncated or not a safetensors file", n, len(b)-8)
	}
	if n > maxSafetensorsHeader {
		return nil, bad("header length %d exceeds the %d-byte limit", n, maxSafetensorsHeader)
	}
	hdr := b[8 : 8+n]
	if len(hdr) == 0 || hdr[0] != '{' {
		return nil, bad("header does not start with '{': not a safetensors file")
	}
	f.data = b[8+n:]

	dec := json.NewDecoder(bytes.NewReader(hdr))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // the opening brace
		return nil, bad("header: %v", err)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, bad("header: %v", err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, bad("header: key %v is not a string", tok)
		}
		if seen[key] {
			return nil, bad("header: %q appears twice", key)
		}
		seen[key] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, bad("header: value of %q: %v", key, err)
		}
		if key == "__metadata__" {
			if err := json.Unmarshal(raw, &f.Metadata); err != nil {
				return nil, bad("__metadata__ must map strings to strings: %v", err)
			}
			continue
		}
		ti, err := parseTensorEntry(key, raw, int64(len(f.data)))
		if err != nil {
			return nil, bad("tensor %q: %v", key, err)
		}
		f.Tensors = append(f.Tensors, ti)
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, bad("header: %v", err)
	}
	// Only the padding (JSON whitespace) may follow the object.
	rest := hdr[dec.InputOffset():]
	if len(bytes.Trim(rest, " \t\r\n")) != 0 {
		return nil, bad("header: %d bytes of garbage after the JSON object", len(rest))
	}

	// The tensors must tile the data buffer: sorted by offset, each starts
	// where the previous one ended, the last ends at the end of the file.
	sort.SliceStable(f.Tensors, func(i, j int) bool {
		a, b := f.Tensors[i], f.Tensors[j]
		if a.Begin != b.Begin {
			return a.Begin < b.Begin
		}
		return a.End < b.End
	})
	var pos int64
	for i, t := range f.Tensors {
		switch {
		case t.Begin < pos:
			return nil, bad("tensor %q: data_offsets [%d, %d] overlap the previous tensor %q, which ends at %d", t.Name, t.Begin, t.End, f.Tensors[i-1].Name, pos)
		case t.Begin > pos:
			return nil, bad("tensor %q: data_offsets [%d, %d] leave a gap of %d bytes after offset %d", t.Name, t.Begin, t.End, t.Begin-pos, pos)
		case t.End > int64(len(f.data)):
			return nil, bad("tensor %q: data_offsets [%d, %d] run past the %d data bytes of the file: truncated?", t.Name, t.Begin, t.End, len(f.data))
		}
		pos = t.End
		f.index[t.Name] = i
	}
	if pos != int64(len(f.data)) {
		return nil, bad("tensors cover %d data bytes but the file holds %d after the header", pos, len(f.data))
	}
	return f, nil
}

// parseTensorEntry checks one header entry on its own: a known dtype, a
// non-negative shape and offsets inside the dataLen-byte buffer whose span is
// exactly numel·size bytes.
func parseTensorEntry(name string, raw json.RawMessage, dataLen int64) (TensorInfo, error) {
	var e struct {
		DType   *string `json:"dtype"`
		Shape   []int64 `json:"shape"`
		Offsets []int64 `json:"data_offsets"`
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return TensorInfo{}, err
	}
	if e.DType == nil {
		return TensorInfo{}, errors.New("no dtype")
	}
	dt := DType(*e.DType)
	size := dt.Size()
	if size == 0 {
		return TensorInfo{}, fmt.Errorf("unknown dtype %q", *e.DType)
	}
	if e.Shape == nil {
		return TensorInfo{}, errors.New("no shape")
	}
	if len(e.Offsets) != 2 {
		return TensorInfo{}, fmt.Errorf("data_offsets has %d entries, want [begin, end]", len(e.Offsets))
	}
	begin, end := e.Offsets[0], e.Offsets[1]
	if begin < 0 || end < begin {
		return TensorInfo{}, fmt.Errorf("data_offsets [%d, %d] are not a valid range", begin, end)
	}
	if end > dataLen {
		return TensorInfo{}, fmt.Errorf("data_offsets [%d, %d] run past the %d data bytes of the file: truncated?", begin, end, dataLen)
	}
	// numel·size must equal end−begin; compute without overflow by bounding
	// the product by the span as we go.
	span := end - begin
	shape := make([]int, len(e.Shape))
	numel := int64(1)
	zero := false
	for i, s := range e.Shape {
		if s < 0 {
			return TensorInfo{}, fmt.Errorf("shape %v has a negative dimension", e.Shape)
		}
		if s > math.MaxInt32 {
			return TensorInfo{}, fmt.Errorf("shape %v has an implausible dimension", e.Shape)
		}
		shape[i] = int(s)
		if s == 0 {
			zero = true
			continue
		}
		if !zero {
			if numel > span/s+1 {
				return TensorInfo{}, fmt.Errorf("shape %v needs more than the %d bytes of data_offsets [%d, %d]", e.Shape, span, begin, end)
			}
			numel *= s
		}
	}
	if zero {
		numel = 0
	}
	if numel*int64(size) != span {
		return TensorInfo{}, fmt.Errorf("shape %v of %s needs %d bytes but data_offsets [%d, %d] span %d", e.Shape, dt, numel*int64(size), begin, end, span)
	}
	return TensorInfo{Name: name, DType: dt, Shape: shape, Begin: begin, End: end}, nil
}

// Lookup returns the tensor called name.
func (f *SafetensorsFile) Lookup(name string) (TensorInfo, bool) {
	i, ok := f.index[name]
	if !ok {
		return TensorInfo{}, false
	}
	return f.Tensors[i], true
}

// Bytes returns the raw little-endian bytes of tensor t (a view into the file).
func (f *SafetensorsFile) Bytes(t TensorInfo) []byte { return f.data[t.Begin:t.End] }

// Float32 returns tensor name converted to float32 (from F32, F64, F16 or BF16).
func (f *SafetensorsFile) Float32(name string) ([]float32, error) {
	t, ok := f.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("safetensors %s: no tensor %q", f.Path, name)
	}
	dst := make([]float32, t.NumElements())
	if err := f.ReadFloat32(name, dst); err != nil {
		return nil, err
	}
	return dst, nil
}

// ReadFloat32 converts tensor name to float32 into dst, whose length must be
// the tensor's element count.
func (f *SafetensorsFile) ReadFloat32(name string, dst []float32) error {
	t, ok := f.Lookup(name)
	if !ok {
		return fmt.Errorf("safetensors %s: no tensor %q", f.Path, name)
	}
	if n := t.NumElements(); n != len(dst) {
		return fmt.Errorf("safetensors %s: tensor %q has %d elements (shape %v), want %d", f.Path, name, n, t.Shape, len(dst))
	}
	b := f.Bytes(t)
	switch t.DType {
	case F32:
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case F64:
		for i := range dst {
			dst[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
		}
	case BF16:
		for i := range dst {
			dst[i] = bf16ToFloat32(binary.LittleEndian.Uint16(b[2*i:]))
		}
	case F16:
		for i := range dst {
			dst[i] = f16ToFloat32(binary.LittleEndian.Uint16(b[2*i:]))
		}
	default:
		return fmt.Errorf("safetensors %s: tensor %q has dtype %s, which does not convert to float32 (want F32, F64, F16 or BF16)", f.Path, name, t.DType)
	}
	return nil
}

// float64s returns an F64 or F32 tensor as float64 (for reference outputs).
func (f *SafetensorsFile) float64s(name string) ([]float64, error) {
	t, ok := f.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("safetensors %s: no tensor %q", f.Path, name)
	}
	b := f.Bytes(t)
	dst := make([]float64, t.NumElements())
	switch t.DType {
	case F64:
		for i := range dst {
			dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
		}
	case F32:
		for i := range dst {
			dst[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
		}
	default:
		return nil, fmt.Errorf("safetensors %s: tensor %q has dtype %s, want F64 or F32", f.Path, name, t.DType)
	}
	return dst, nil
}

// bf16ToFloat32 widens a bfloat16: it is the top half of a float32.
func bf16ToFloat32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// f16ToFloat32 widens an IEEE 754 half: 1 sign, 5 exponent (bias 15) and
// 10 mantissa bits, with subnormals, infinities and NaNs.
func f16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	man := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN; keep the payload
		return math.Float32frombits(sign | 0xff<<23 | man<<13)
	case exp != 0: // normal: rebias 15 → 127
		return math.Float32frombits(sign | (exp+127-15)<<23 | man<<13)
	case man == 0: // ±0
		return math.Float32frombits(sign)
	}
	// Subnormal half: man·2⁻²⁴, exact in float32.
	v := float32(man) * (1.0 / (1 << 24))
	if sign != 0 {
		v = -v
	}
	return v
}

// WriteSafetensors writes tensors as F32 to path atomically (a temporary
// file in the same directory, fsync, rename, fsync of the directory), in the
// given order. metadata becomes "__metadata__" (may be nil). Names must be
// unique and non-empty; each Data must hold exactly the product of Shape
// elements (a mismatch is a programmer error and panics).
func WriteSafetensors(path string, tensors []Named, metadata map[string]string) error {
	if err := checkSafetensorsNames(tensors); err != nil {
		return fmt.Errorf("write safetensors %s: %w", path, err)
	}
	err := WriteFileAtomic(path, func(w io.Writer) error {
		return encodeSafetensors(w, tensors, metadata)
	})
	if err != nil {
		return fmt.Errorf("write safetensors: %w", err)
	}
	return nil
}

func checkSafetensorsNames(tensors []Named) error {
	seen := make(map[string]bool, len(tensors))
	for _, t := range tensors {
		switch {
		case t.Name == "":
			return errors.New("a tensor has an empty name")
		case t.Name == "__metadata__":
			return errors.New(`"__metadata__" is reserved and cannot name a tensor`)
		case seen[t.Name]:
			return fmt.Errorf("tensor %q appears twice", t.Name)
		}
		seen[t.Name] = true
	}
	return nil
}

// encodeSafetensors writes the F32 file format to w (see the file comment).
func encodeSafetensors(w io.Writer, tensors []Named, metadata map[string]string) error {
	type entry struct {
		DType   DType   `json:"dtype"`
		Shape   []int   `json:"shape"`
		Offsets []int64 `json:"data_offsets"`
	}
	header := make(map[string]any, len(tensors)+1)
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	var off int64
	for _, t := range tensors {
		n := 1
		for _, s := range t.Shape {
			n *= s
		}
		if n != len(t.Data) {
			panic("nn: safetensors tensor data length does not match its shape")
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{} // a scalar; JSON null would be rejected by readers
		}
		header[t.Name] = entry{F32, shape, []int64{off, off + 4*int64(n)}}
		off += 4 * int64(n)
	}
	js, err := json.Marshal(header) // map keys sorted: deterministic output
	if err != nil {
		return err
	}
	// Pad with spaces so that the data starts 8-byte aligned.
	if pad := (8 - len(js)%8) % 8; pad > 0 {
		js = append(js, strings.Repeat(" ", pad)...)
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(js)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(js); err != nil {
		return err
	}
	buf := make([]byte, 0, 64<<10)
	for _, t := range tensors {
		for _, v := range t.Data {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if len(buf) == cap(buf) {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
	}
	_, err = w.Write(buf)
	return err
}
