package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdamWHandStep checks one step against numbers worked out by hand:
// p = 1, g = 0.5, lr = 0.1, λ = 0.1, β1 = 0.9, β2 = 0.999, ε = 1e-8:
// m = 0.05, v = 0.00025, m̂ = 0.5, v̂ = 0.25, step = 0.1·0.5/0.5 = 0.1;
// a matrix decays first: 1 − 0.1·0.1 = 0.99 → 0.89; a norm weight → 0.9.
func TestAdamWHandStep(t *testing.T) {
	m, err := NewModel(tinyConfig(true, true, false))
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.P.Data {
		m.P.Data[i] = 1
		m.G.Data[i] = 0.5
	}
	o := NewAdamW(AdamWConfig{LR: 0.1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1}, m)
	o.Update(m, 0.1)
	for _, nt := range m.P.Named() {
		want := 0.9
		if len(nt.Shape) == 2 {
			want = 0.89
		}
		for _, v := range nt.Data {
			if math.Abs(float64(v)-want) > 1e-6 {
				t.Fatalf("%s: %v after one step, want %v", nt.Name, v, want)
			}
		}
	}
	if o.Step != 1 || math.Abs(float64(o.M[0])-0.05) > 1e-7 || math.Abs(float64(o.V[0])-0.00025) > 1e-8 {
		t.Fatalf("state after one step: step %d m %v v %v", o.Step, o.M[0], o.V[0])
	}
}

// TestAdamWSteps runs three steps with varying gradients and learning rates
// against a float64 transcription of torch.optim.AdamW.
func TestAdamWSteps(t *testing.T) {
	m, _ := NewModel(tinyConfig(false, true, true))
	n := m.P.Len()
	p := make([]float64, n)
	for i := range m.P.Data {
		m.P.Data[i] = float32(math.Sin(float64(i)))
		p[i] = float64(m.P.Data[i])
	}
	decay := make([]bool, n)
	for _, nt := range m.P.Named() {
		o := offsetIn(m.P.Data, nt.Data)
		for i := range nt.Data {
			decay[o+i] = len(nt.Shape) == 2
		}
	}
	cfg := AdamWConfig{LR: 0.01, Beta1: 0.8, Beta2: 0.9, Eps: 1e-6, WeightDecay: 0.3}
	o := NewAdamW(cfg, m)
	mm, vv := make([]float64, n), make([]float64, n)
	for step := 1; step <= 3; step++ {
		lr := cfg.LR * float64(step)
		for i := range m.G.Data {
			m.G.Data[i] = float32(math.Cos(float64(i*step)) * float64(step))
		}
		o.Update(m, lr)
		for i := range p {
			g := float64(m.G.Data[i])
			if decay[i] {
				p[i] *= 1 - lr*cfg.WeightDecay
			}
			mm[i] = cfg.Beta1*mm[i] + (1-cfg.Beta1)*g
			vv[i] = cfg.Beta2*vv[i] + (1-cfg.Beta2)*g*g
			mh := mm[i] / (1 - math.Pow(cfg.Beta1, float64(step)))
			vh := vv[i] / (1 - math.Pow(cfg.Beta2, float64(step)))
			p[i] -= lr * mh / (math.Sqrt(vh) + cfg.Eps)
		}
	}
	checkClose(t, "params after 3 steps", m.P.Data, p, 1e-5, 1e-6)
}

func TestAdamWConfigValidate(t *testing.T) {
	if err := DefaultAdamWConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	bad := DefaultAdamWConfig()
	bad.Beta2 = 1
	bad.LR = 0
	if err := bad.Validate(); err == nil {
		t.Fatal("Validate accepted beta2 = 1 and lr = 0")
	}
}

func TestClipGradNorm(t *testing.T) {
	g := []float32{3, 4}
	if n := ClipGradNorm(g, 1); n != 5 {
		t.Fatalf("norm %v, want 5", n)
	}
	if math.Abs(float64(g[0])-0.6) > 1e-6 || math.Abs(float64(g[1])-0.8) > 1e-6 {
		t.Fatalf("clipped to %v, want [0.6 0.8]", g)
	}
	g = []float32{3, 4}
	if n := ClipGradNorm(g, 10); n != 5 || g[0] != 3 || g[1] != 4 {
		t.Fatalf("below max: norm %v grads %v, want 5 and unchanged", n, g)
	}
	if n := ClipGradNorm(g, 0); n != 5 || g[0] != 3 {
		t.Fatalf("maxNorm 0: norm %v grads %v, want 5 and unchanged", n, g)
	}
	g = []float32{3, float32(math.NaN())}
	if n := ClipGradNorm(g, 1); !math.IsNaN(n) || g[0] != 3 {
		t.Fatalf("NaN grad: norm %v grads %v, want NaN and unchanged", n, g)
	}
	g = []float32{3, float32(math.Inf(1))}
	if n := ClipGradNorm(g, 1); !math.IsInf(n, 1) || g[0] != 3 {
		t.Fatalf("Inf grad: norm %v grads %v, want +Inf and unchanged", n, g)
	}
}

// TestClipGradNormRagged: every length 0…11 (the four partial sums and
// their tail), norm and clipped values against float64.
func TestClipGradNormRagged(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for n := 0; n < 12; n++ {
		g, g64 := randVec(rng, n, 2)
		ss := 0.0
		for _, v := range g64 {
			ss += v * v
		}
		want := math.Sqrt(ss)
		got := ClipGradNorm(g, 0.5)
		if math.Abs(got-want) > 1e-12*(1+want) {
			t.Fatalf("n=%d: norm %v, want %v", n, got, want)
		}
		f := 1.0
		if 0.5/(want+1e-6) < 1 {
			f = 0.5 / (want + 1e-6)
		}
		for i := range g64 {
			g64[i] *= f
		}
		checkClose(t, "clipped", g, g64, 1e-6, 0)
	}
}

func TestSchedule(t *testing.T) {
	s := Schedule{Warmup: 10, Total: 110, MinLRRatio: 0.1}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		step int
		want float64
	}{{0, 0.1}, {4, 0.5}, {9, 1}, {10, 1}, {35, 0.1 + 0.9*0.5*(1+math.Sqrt(0.5))}, {60, 0.55}, {110, 0.1}, {500, 0.1}} {
		if got := s.Factor(c.step); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Factor(%d) = %v, want %v", c.step, got, c.want)
		}
	}
	if got := (Schedule{}).Factor(7); got != 1 {
		t.Errorf("zero Schedule: Factor = %v, want 1", got)
	}
	if err := (Schedule{Warmup: 5, Total: 5}).Validate(); err == nil {
		t.Error("Validate accepted Total == Warmup")
	}
}
