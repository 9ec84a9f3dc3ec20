package rl

import (
	"math"
	"testing"
)

// §1.3 vector: lp = −1, lp_ref = −2 ⇒ d = −1.
func TestKLVector(t *testing.T) {
	for _, c := range []struct {
		est  KLEstimator
		want float64
	}{{KLK1, 1}, {KLK2, 0.5}, {KLK3, math.Exp(-1)}, {KLK3Plus, math.Exp(-1)}} {
		if k, _ := KL(c.est, -1, -2); !near(k, c.want, 1e-12) {
			t.Fatalf("%s = %g, want %g", c.est, k, c.want)
		}
	}
	if math.Abs(math.Exp(-1)-0.3679) > 1e-4 {
		t.Fatal("reference")
	}
}

func TestKLDerivativesAndClamps(t *testing.T) {
	rng := newRNG(2)
	for i := 0; i < 200; i++ {
		lp, ref := -2*rng.Float64(), -2*rng.Float64() // |d| < 2: k3 below its clamp of 10
		for _, est := range []KLEstimator{KLK1, KLK2, KLK3} {
			_, dk := KL(est, lp, ref)
			const h = 1e-6
			kp, _ := KL(est, lp+h, ref)
			km, _ := KL(est, lp-h, ref)
			if num := (kp - km) / (2 * h); math.Abs(num-dk) > 1e-6 {
				t.Fatalf("%s d/dlp at (%g,%g): %g vs %g", est, lp, ref, dk, num)
			}
		}
		// k3+ has k3's value and k2's gradient.
		k3, _ := KL(KLK3, lp, ref)
		_, g2 := KL(KLK2, lp, ref)
		k3p, g3p := KL(KLK3Plus, lp, ref)
		if k3p != k3 || g3p != g2 {
			t.Fatal("k3+ mismatch")
		}
	}
	// d clamped to [−20, 20]: beyond, the derivative is 0.
	if _, dk := KL(KLK1, 0, -30); dk != 0 {
		t.Fatalf("clamped d must stop the gradient, got %g", dk)
	}
	// k3 clamped to ≤ 10 (d = 15 would give e^15 − 16).
	if k, dk := KL(KLK3, 0, 15); k != 10 || dk != 0 {
		t.Fatalf("k3 clamp: %g %g", k, dk)
	}
}

func TestK3NonNegative(t *testing.T) {
	rng := newRNG(3)
	for i := 0; i < 10000; i++ {
		lp, ref := -20*rng.Float64(), -20*rng.Float64()
		if k, _ := KL(KLK3, lp, ref); k < 0 {
			t.Fatalf("k3(%g, %g) = %g < 0", lp, ref, k)
		}
		if k, _ := KL(KLK2, lp, ref); k < 0 {
			t.Fatalf("k2 < 0")
		}
	}
}

func TestKLInReward(t *testing.T) {
	lp := [][]float32{{-1, -1}, {-1}}
	ref := [][]float32{{-2, -1}, {-2}}
	m := [][]float32{{1, 1}, {0}}
	checkVec(t, "seqkl", SequenceKL(KLK1, lp, ref, m), []float64{1, 0}, 1e-7)
	pen := KLRewardPenalty(KLK1, 0.1, lp, ref, m)
	checkVec(t, "pen0", pen[0], []float64{-0.1, 0}, 1e-7)
	checkVec(t, "pen1", pen[1], []float64{0}, 0)
	checkVec(t, "penalize", PenalizeRewards([]float32{1, nan32}, []float32{2, 1}, 0.05), []float64{0.9, math.NaN()}, 1e-7)
}

func TestAdaptiveKL(t *testing.T) {
	a := AdaptiveKL{Beta: 0.1, Target: 0.05, Horizon: 1000}
	// KL 2× the target: error clipped to +0.2, β ← β·(1 + 0.2·100/1000).
	if b := a.Update(0.1, 100); !near(b, 0.1*1.02, 1e-12) {
		t.Fatalf("up: %g", b)
	}
	// KL at 90% of target: error −0.1.
	if b := a.Update(0.045, 100); !near(b, 0.1*1.02*0.99, 1e-12) {
		t.Fatalf("down: %g", b)
	}
	fixed := AdaptiveKL{Beta: 0.1}
	if b := fixed.Update(5, 100); b != 0.1 {
		t.Fatalf("fixed β moved: %g", b)
	}
	if b := a.Update(math.NaN(), 100); !near(b, 0.1*1.02*0.99, 1e-12) {
		t.Fatal("NaN KL moved β")
	}
}
