package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Shared machinery of the row-kernel tests: lengths, guarded vectors,
// tolerances from rounding-error analysis, and the per-path loop.

// u32 is the unit roundoff of float32, 2⁻²⁴: one rounding moves a value by
// at most u32 relative to it.
const u32 = 1.0 / (1 << 24)

// maxLanes·maxUnroll is the largest block any row kernel handles at once
// (16 zmm lanes, unrolled 4 times).
const maxLanes, maxUnroll = 16, 4

// rowLengths is every length 0…4·16·4+3, so each loop of each kernel runs
// 0, 1 and several times with every tail length, plus a few large rows.
func rowLengths() []int {
	var ns []int
	for n := 0; n <= 4*maxLanes*maxUnroll+3; n++ {
		ns = append(ns, n)
	}
	return append(ns, 1000, 1023, 1025, 4099, 1<<16+5)
}

// offsets are the start offsets (in elements) tried for every slice, so the
// kernels see every 4-byte alignment modulo 16.
var offsets = []int{0, 1, 2, 3}

// guardBits marks the NaN guard bands around every vector.
const guardBits = 0x7fc0dead

const guardLen = 2 * maxLanes

// guarded is a vector inside NaN guard bands; kernels must not touch the
// bands, and the slice's capacity ends where the vector ends.
type guarded struct {
	buf   []float32
	lo, n int
}

func newGuarded(n, off int, fill func(i int) float32) guarded {
	g := guarded{buf: make([]float32, guardLen+off+n+guardLen), lo: guardLen + off, n: n}
	for i := range g.buf {
		g.buf[i] = math.Float32frombits(guardBits)
	}
	v := g.s()
	for i := range v {
		v[i] = fill(i)
	}
	return g
}

// s is the vector itself.
func (g guarded) s() []float32 { return g.buf[g.lo : g.lo+g.n : g.lo+g.n] }

// bits snapshots the vector's contents bit for bit.
func (g guarded) bits() []uint32 {
	out := make([]uint32, g.n)
	for i, v := range g.s() {
		out[i] = math.Float32bits(v)
	}
	return out
}

// checkGuards fails t if anything outside the vector was written.
func (g guarded) checkGuards(t testing.TB, name string) {
	t.Helper()
	for i, v := range g.buf {
		if (i < g.lo || i >= g.lo+g.n) && math.Float32bits(v) != guardBits {
			t.Fatalf("%s: guard element %d (vector is [%d,%d)) overwritten with %v", name, i, g.lo, g.lo+g.n, v)
		}
	}
}

// checkUnchanged fails t if the vector differs from the snapshot.
func (g guarded) checkUnchanged(t testing.TB, name string, before []uint32) {
	t.Helper()
	g.checkGuards(t, name)
	for i, v := range g.s() {
		if math.Float32bits(v) != before[i] {
			t.Fatalf("%s: input modified at %d: %v -> %v", name, i, math.Float32frombits(before[i]), v)
		}
	}
}

// newRNG is the tests' deterministic source; stream separates the tests.
func newRNG(stream uint64) *rand.Rand { return rand.New(rand.NewPCG(0x5eed, stream)) }

// uniform returns a fill function drawing from [lo, hi).
func uniform(r *rand.Rand, lo, hi float64) func(int) float32 {
	return func(int) float32 { return float32(lo + (hi-lo)*r.Float64()) }
}

// within reports whether got is within tol of the float64 reference want;
// NaN matches NaN and an infinity matches the same infinity.
func within(got float32, want, tol float64) bool {
	g := float64(got)
	switch {
	case math.IsNaN(want):
		return math.IsNaN(g)
	case math.IsInf(want, 0):
		return g == want
	}
	return math.Abs(g-want) <= tol
}

// ulpDist is the number of float32 values between a and b (0 when equal or
// both NaN; +Inf is one step past MaxFloat32; −0 and +0 are equal).
func ulpDist(a, b float32) int64 {
	if a != a || b != b {
		if a != a && b != b {
			return 0
		}
		return math.MaxInt64
	}
	ord := func(f float32) int64 {
		b := int64(math.Float32bits(f))
		if b&(1<<31) != 0 {
			return -(b &^ (1 << 31))
		}
		return b
	}
	d := ord(a) - ord(b)
	if d < 0 {
		d = -d
	}
	return d
}

// forEachPath runs body as a subtest per kernel path.
func forEachPath(t *testing.T, body func(t *testing.T)) {
	ForEachPath(func(path string) {
		t.Run(path, body)
	})
}

// caseName labels one length/offset case in failure messages.
func caseName(n, off int) string { return fmt.Sprintf("n=%d off=%d", n, off) }

// benchSizes are the row lengths the benchmarks run at.
var benchSizes = []int{1, 2, 3, 4, 5, 10, 100, 1000, 10000}

// benchRows runs f per path and size as sub-benchmarks, reporting
// bytesPerElem·n bytes per call, and flopsPerElem·n GFLOP/s when non-zero.
func benchRows(b *testing.B, bytesPerElem, flopsPerElem int, f func(b *testing.B, n int)) {
	ForEachPath(func(path string) {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/n=%d", path, n), func(b *testing.B) {
				b.SetBytes(int64(bytesPerElem * n))
				f(b, n)
				if flopsPerElem > 0 && b.Elapsed() > 0 {
					b.ReportMetric(float64(flopsPerElem*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				}
			})
		}
	})
}

// benchVec is a benchmark input of n values in [−1, 1).
func benchVec(n int, stream uint64) []float32 {
	r := newRNG(stream)
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(2*r.Float64() - 1)
	}
	return v
}

// fuzzFloats decodes b into float32 values: 2 bytes each, as a signed
// 16-bit integer divided by div (bounded values, so tolerances stay finite).
func fuzzFloats(b []byte, div float32) []float32 {
	out := make([]float32, len(b)/2)
	for i := range out {
		out[i] = float32(int16(uint16(b[2*i])|uint16(b[2*i+1])<<8)) / div
	}
	return out
}

var sinkF32 float32
