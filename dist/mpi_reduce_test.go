//go:build mpi || mpich

package dist

// The reduction checks: exact sums for every buffer size, and sums that
// are bitwise the same on every rank.

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
)

// triangle is 1+2+…+size, the sum over ranks of rank+1.
func triangle(c Comm) int { return c.Size() * (c.Size() + 1) / 2 }

// checkSum32 reduces integers small enough that every order of summation
// gives the exact sum.
func checkSum32(c Comm, n int) error {
	buf := make([]float32, n)
	for i := range buf {
		buf[i] = float32((c.Rank() + 1) * (i%251 - 125))
	}
	if err := c.AllReduceSum(buf); err != nil {
		return err
	}
	for i, v := range buf {
		if want := float32(triangle(c) * (i%251 - 125)); v != want {
			return fmt.Errorf("element %d of %d is %v, want %v", i, n, v, want)
		}
	}
	return nil
}

// checkSum64 reduces halves and large integers, exact in float64.
func checkSum64(c Comm, n int) error {
	buf := make([]float64, n)
	for i := range buf {
		buf[i] = float64(c.Rank()+1) * (0.5 + float64(i)*1e6)
	}
	if err := c.AllReduceSum64(buf); err != nil {
		return err
	}
	for i, v := range buf {
		if want := float64(triangle(c)) * (0.5 + float64(i)*1e6); v != want {
			return fmt.Errorf("element %d of %d is %v, want %v", i, n, v, want)
		}
	}
	return nil
}

// checkIdentical reduces float32 values of wildly different magnitudes, so
// that the sums depend on the order of summation, and checks that every
// rank got bitwise the same result, twice, near the float64 sum.
func checkIdentical(c Comm) error {
	const n = 1_000_003
	data := func(rank int) []float32 {
		rng := rand.New(rand.NewPCG(uint64(rank), 42))
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(math.Exp(rng.NormFloat64()*6)) * float32(1-2*rng.IntN(2))
		}
		return x
	}
	mine := data(c.Rank())
	var sums [2][]float32
	var errs []error
	for k := range sums {
		sums[k] = append([]float32(nil), mine...)
		errs = append(errs, c.AllReduceSum(sums[k]))
	}
	h0, h1 := checksum(sums[0]), checksum(sums[1])
	if h0 != h1 {
		errs = append(errs, fmt.Errorf("two reductions of the same data differ: %016x, %016x", h0, h1))
	}
	all, err := c.Gather([]float64{float64(h0 >> 32), float64(h0 & math.MaxUint32)}, 0)
	errs = append(errs, err)
	for r := 1; c.Rank() == 0 && r < c.Size(); r++ {
		if all[2*r] != all[0] || all[2*r+1] != all[1] {
			errs = append(errs, fmt.Errorf("rank %d's sums differ from rank 0's (checksums %v)", r, all))
			break
		}
	}
	ref, mag := make([]float64, n), make([]float64, n)
	for r := range c.Size() {
		for i, v := range data(r) {
			ref[i] += float64(v)
			mag[i] += math.Abs(float64(v))
		}
	}
	for i, v := range sums[0] {
		if math.Abs(float64(v)-ref[i]) > 1e-6*mag[i] {
			errs = append(errs, fmt.Errorf("element %d is %v, float64 sum %v", i, v, ref[i]))
			break
		}
	}
	return errors.Join(errs...)
}

// checksum is FNV-1a of the float bits.
func checksum(x []float32) uint64 {
	h := fnv.New64a()
	var b [4]byte
	for _, v := range x {
		u := math.Float32bits(v)
		b[0], b[1], b[2], b[3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
		h.Write(b[:])
	}
	return h.Sum64()
}
