package data

import (
	"math/bits"
	"strconv"
)

// rat is an exact rational n/d in lowest terms with d > 0, held in int64 so
// the countdown solver stays allocation-free. Every operation reports
// overflow instead of wrapping; the solver drops such branches.
type rat struct{ n, d int64 }

func ratInt(v int64) rat { return rat{v, 1} }

func (a rat) isInt() bool { return a.d == 1 }

func (a rat) String() string {
	if a.d == 1 {
		return strconv.FormatInt(a.n, 10)
	}
	return strconv.FormatInt(a.n, 10) + "/" + strconv.FormatInt(a.d, 10)
}

func gcd64(a, b int64) int64 {
	if a < 0 {
		a = -a
	}
	if b < 0 {
		b = -b
	}
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// mul64 returns a*b and whether it fits in an int64.
func mul64(a, b int64) (int64, bool) {
	neg := (a < 0) != (b < 0)
	ua, ub := uint64(a), uint64(b)
	if a < 0 {
		ua = uint64(-a)
	}
	if b < 0 {
		ub = uint64(-b)
	}
	hi, lo := bits.Mul64(ua, ub)
	if hi != 0 || lo > 1<<62 {
		return 0, false
	}
	if neg {
		return -int64(lo), true
	}
	return int64(lo), true
}

// add64 returns a+b and whether it fits comfortably in an int64.
func add64(a, b int64) (int64, bool) {
	s := a + b
	if s > 1<<62 || s < -(1<<62) || (a > 0 && b > 0 && s < 0) || (a < 0 && b < 0 && s > 0) {
		return 0, false
	}
	return s, true
}

func mkRat(n, d int64) (rat, bool) {
	if d == 0 {
		return rat{}, false
	}
	if d < 0 {
		n, d = -n, -d
	}
	g := gcd64(n, d)
	if g > 1 {
		n, d = n/g, d/g
	}
	return rat{n, d}, true
}

func (a rat) add(b rat) (rat, bool) {
	x, ok1 := mul64(a.n, b.d)
	y, ok2 := mul64(b.n, a.d)
	d, ok3 := mul64(a.d, b.d)
	if !(ok1 && ok2 && ok3) {
		return rat{}, false
	}
	n, ok := add64(x, y)
	if !ok {
		return rat{}, false
	}
	return mkRat(n, d)
}

func (a rat) sub(b rat) (rat, bool) { return a.add(rat{-b.n, b.d}) }

func (a rat) mul(b rat) (rat, bool) {
	n, ok1 := mul64(a.n, b.n)
	d, ok2 := mul64(a.d, b.d)
	if !(ok1 && ok2) {
		return rat{}, false
	}
	return mkRat(n, d)
}

// div fails on division by zero as on overflow.
func (a rat) div(b rat) (rat, bool) {
	if b.n == 0 {
		return rat{}, false
	}
	return a.mul(rat{b.d, b.n})
}
