package asm

import (
	"math"
	"testing"
)

// Add and Mul round once, correctly: every path must give exactly
// float32(x op y), computed here exactly in float64.
var addMulOps = []struct {
	name string
	f    func(dst, x, y []float32)
	gen  func(dst, x, y []float32)
	ref  func(x, y float64) float64
}{
	{"Add", Add, addGeneric, func(x, y float64) float64 { return x + y }},
	{"Mul", Mul, mulGeneric, func(x, y float64) float64 { return x * y }},
}

func TestAddMul(t *testing.T) {
	r := newRNG(4)
	forEachPath(t, func(t *testing.T) {
		for _, op := range addMulOps {
			for _, n := range rowLengths() {
				for _, off := range offsets {
					x := newGuarded(n, off, uniform(r, -100, 100))
					y := newGuarded(n+2, (off+1)%4, uniform(r, -100, 100))
					dst := newGuarded(n+1, 3-off, uniform(r, -1, 1))
					xb, yb := x.bits(), y.bits()
					past := math.Float32bits(dst.s()[n])
					op.f(dst.s(), x.s(), y.s())
					if math.Float32bits(dst.s()[n]) != past {
						t.Fatalf("%s %s: dst[n] past len(x) written", op.name, caseName(n, off))
					}
					x.checkUnchanged(t, "x", xb)
					y.checkUnchanged(t, "y", yb)
					dst.checkGuards(t, "dst")
					gen := make([]float32, n)
					op.gen(gen, x.s(), y.s()[:n])
					for i, v := range x.s() {
						want := float32(op.ref(float64(v), float64(y.s()[i])))
						if dst.s()[i] != want || gen[i] != want {
							t.Fatalf("%s %s: dst[%d] = %v, generic %v, want %v", op.name, caseName(n, off), i, dst.s()[i], gen[i], want)
						}
					}
				}
			}
		}
	})
}

// TestAddMulAlias runs dst = x op y with dst the same slice as x, then y.
func TestAddMulAlias(t *testing.T) {
	r := newRNG(5)
	forEachPath(t, func(t *testing.T) {
		for _, op := range addMulOps {
			for _, n := range []int{1, 7, 8, 31, 64, 67, 259, 1000} {
				x := newGuarded(n, 1, uniform(r, -10, 10))
				y := newGuarded(n, 2, uniform(r, -10, 10))
				want := make([]float32, n)
				op.gen(want, x.s(), y.s())
				x2 := append([]float32(nil), x.s()...)
				op.f(x.s(), x.s(), y.s()) // dst = x
				op.f(y.s(), x2, y.s())    // dst = y
				x.checkGuards(t, "x")
				y.checkGuards(t, "y")
				for i := range want {
					if x.s()[i] != want[i] || y.s()[i] != want[i] {
						t.Fatalf("%s n=%d: aliased results %v, %v at %d, want %v", op.name, n, x.s()[i], y.s()[i], i, want[i])
					}
				}
			}
		}
	})
}

func FuzzAddMul(f *testing.F) {
	f.Add([]byte{0, 0, 0x80, 0x7f, 1, 0, 0x80, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		// Raw bit patterns: NaN, ±Inf, subnormals and overflow included.
		v := make([]float32, len(b)/4)
		for i := range v {
			v[i] = math.Float32frombits(uint32(b[4*i]) | uint32(b[4*i+1])<<8 | uint32(b[4*i+2])<<16 | uint32(b[4*i+3])<<24)
		}
		x, y := v[:len(v)/2], v[len(v)/2:][:len(v)/2]
		for _, op := range addMulOps {
			want := make([]float32, len(x))
			op.gen(want, x, y)
			ForEachPath(func(path string) {
				got := make([]float32, len(x))
				op.f(got, x, y)
				for i := range got {
					if ulpDist(got[i], want[i]) != 0 {
						t.Fatalf("%s %s: [%d] %v op %v = %v, want %v", path, op.name, i, x[i], y[i], got[i], want[i])
					}
				}
			})
		}
	})
}

func BenchmarkAdd(b *testing.B) {
	benchRows(b, 12, 1, func(b *testing.B, n int) {
		x, y, dst := benchVec(n, 1), benchVec(n, 2), make([]float32, n)
		for b.Loop() {
			Add(dst, x, y)
		}
	})
}

func BenchmarkMul(b *testing.B) {
	benchRows(b, 12, 1, func(b *testing.B, n int) {
		x, y, dst := benchVec(n, 1), benchVec(n, 2), make([]float32, n)
		for b.Loop() {
			Mul(dst, x, y)
		}
	})
}
