package nn

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// torchPython is Debian's python3 with python3-torch (not a pyenv python on PATH).
const torchPython = "/usr/bin/python3"

// requireTorch skips the test when PyTorch is unavailable, or fails it when
// RLTRAIN_REQUIRE_PEERS=1 (CI).
func requireTorch(t *testing.T) {
	t.Helper()
	out, err := exec.Command(torchPython, "-c", "import torch, numpy; print(torch.__version__)").CombinedOutput()
	if err == nil {
		return
	}
	msg := fmt.Sprintf("PyTorch peer unavailable (%s -c 'import torch, numpy': %v: %s); install with scripts/install-deps.sh",
		torchPython, err, strings.TrimSpace(string(out)))
	if os.Getenv("RLTRAIN_REQUIRE_PEERS") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// torchCase is one model/loss configuration compared against PyTorch.
type torchCase struct {
	name        string
	cfg         Config
	temperature float32
	entropyCoef float32 // a in L = mean(−logp − a·H + b·value)
	valueCoef   float32 // b
}

func torchCases() []torchCase {
	base := Config{VocabSize: 37, Dim: 32, NLayers: 2, NHeads: 4, NKVHeads: 2, FFNDim: 44,
		MaxSeqLen: 32, RopeTheta: 10000, NormEps: 1e-5}
	tied := base
	tied.TieEmbeddings = true
	untied := base
	untied.RopeTheta = 500 // a non-default theta must be honoured
	untied.NormEps = 1e-6
	qwen := base
	qwen.QKVBias = true
	qwen.TieEmbeddings = true
	qwen.NKVHeads = 1 // multi-query: every query head shares one KV head
	rl := base
	rl.QKVBias = true
	rl.ValueHead = true
	qwen3 := base
	qwen3.QKNorm = true
	qwen3.HeadDim = 12 // ≠ Dim/NHeads = 8: q is 48 wide on a 32-wide residual
	qwen3.TieEmbeddings = true
	llamaHD := base
	llamaHD.HeadDim = 4 // an explicit head_dim without the q/k norm (Llama allows it)
	return []torchCase{
		{name: "gqa_tied", cfg: tied, temperature: 1},
		{name: "gqa_untied", cfg: untied, temperature: 1},
		{name: "qwen2_qkvbias", cfg: qwen, temperature: 1},
		{name: "qwen3_qknorm_headdim", cfg: qwen3, temperature: 1},
		{name: "llama_headdim", cfg: llamaHD, temperature: 1},
		// Not the LM loss: the RL seam (temperature, entropy bonus, value head).
		{name: "rl_temp_entropy_value", cfg: rl, temperature: 0.7, entropyCoef: 0.3, valueCoef: 0.5},
	}
}

// randomizeForTest replaces InitRandom's N(0, 0.02²) weights, unit norms and
// zero biases by values that make every path matter: weights with std
// 1/√fan_in (0.3 for the embedding) (so attention scores and logits are O(1), far from the linear
// regime where many bugs hide), norm weights 1 ± 0.3, biases of std 0.3.
func randomizeForTest(m *Model, rng *rand.Rand) {
	for _, t := range m.P.Named() {
		var mean, std float64
		switch {
		case strings.HasSuffix(t.Name, "norm.weight"):
			mean, std = 1, 0.3
		case strings.HasSuffix(t.Name, ".bias"):
			std = 0.3
		case t.Name == "model.embed_tokens.weight":
			std = 0.3 // tied, this is also the LM head: keep logits O(1)
		default:
			std = 1 / math.Sqrt(float64(t.Shape[len(t.Shape)-1]))
		}
		for i := range t.Data {
			t.Data[i] = float32(mean + std*rng.NormFloat64())
		}
	}
}

// torchRelErr is ‖got − want‖₂ / ‖want‖₂.
func torchRelErr(got []float32, want []float64) float64 {
	var num, den float64
	for i := range want {
		d := float64(got[i]) - want[i]
		num += d * d
		den += want[i] * want[i]
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}

// TestTorchReference compares the Go model with a float64 PyTorch
// implementation of the same architecture (nn/testdata/torch_ref.py) that
// loads the checkpoint SaveModel wrote: logits at every position (rel. error
// < 1e-4) and the gradient of every parameter tensor (rel. error < 1e-3).
func TestTorchReference(t *testing.T) {
	requireTorch(t)
	script, err := filepath.Abs(filepath.Join("testdata", "torch_ref.py"))
	if err != nil {
		t.Fatal(err)
	}
	// Build and save every case first, so that one Python process (torch
	// takes seconds to import) computes all the references.
	type prepared struct {
		tc   torchCase
		m    *Model
		seqs []Seq
		dir  string
	}
	var cases []prepared
	for ci, tc := range torchCases() {
		cfg := tc.cfg
		m, err := NewModel(cfg)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(42, uint64(ci)))
		m.InitRandom(rng)
		randomizeForTest(m, rng)

		// A batch of unequal lengths, one scored from a later Start (a
		// prompt/completion split), one of length 2.
		lens := []int{9, 2, 31, 6} // 31 < MaxSeqLen = 32: RoPE over many angles
		starts := []int{1, 1, 5, 1}
		seqs := make([]Seq, len(lens))
		toks := make([][]int32, len(lens))
		for i, n := range lens {
			toks[i] = make([]int32, n)
			for j := range toks[i] {
				toks[i][j] = int32(rng.IntN(cfg.VocabSize))
			}
			seqs[i] = Seq{Tokens: toks[i], Start: starts[i]}
		}
		dir := t.TempDir()
		if err := SaveModel(dir, m); err != nil {
			t.Fatal(err)
		}
		js, _ := json.Marshal(map[string]any{"seqs": toks, "start": starts, "temperature": tc.temperature,
			"entropy_coef": tc.entropyCoef, "value_coef": tc.valueCoef})
		if err := os.WriteFile(filepath.Join(dir, "batch.json"), js, 0o644); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, prepared{tc, m, seqs, dir})
	}
	args := []string{script}
	for _, c := range cases {
		args = append(args, c.dir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, torchPython, args...)
	cmd.Env = append(os.Environ(), "OMP_NUM_THREADS=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}

	for _, pc := range cases {
		tc, m, seqs, cfg := pc.tc, pc.m, pc.seqs, pc.tc.cfg
		t.Run(tc.name, func(t *testing.T) {
			ref, err := ReadSafetensors(filepath.Join(pc.dir, "ref.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			get := func(name string) []float64 {
				v, err := ref.float64s(name)
				if err != nil {
					t.Fatal(err)
				}
				return v
			}

			// Gradients of L = mean over scored tokens of −logp − a·H + b·value.
			sc := m.Score(seqs, ScoreOptions{Temperature: tc.temperature, Grad: true,
				Entropy: tc.entropyCoef != 0, Values: tc.valueCoef != 0})
			count := 0
			for _, lp := range sc.LogP {
				count += len(lp)
			}
			dLogP := make([][]float32, len(seqs))
			var dEnt, dVal [][]float32
			if tc.entropyCoef != 0 {
				dEnt = make([][]float32, len(seqs))
			}
			if tc.valueCoef != 0 {
				dVal = make([][]float32, len(seqs))
			}
			var loss float64
			for i, lp := range sc.LogP {
				dLogP[i] = make([]float32, len(lp))
				for j := range lp {
					dLogP[i][j] = -1 / float32(count)
					loss -= float64(lp[j])
					if dEnt != nil {
						loss -= float64(tc.entropyCoef) * float64(sc.Entropy[i][j])
					}
					if dVal != nil {
						loss += float64(tc.valueCoef) * float64(sc.Values[i][j])
					}
				}
				if dEnt != nil {
					dEnt[i] = make([]float32, len(lp))
					for j := range lp {
						dEnt[i][j] = -tc.entropyCoef / float32(count)
					}
				}
				if dVal != nil {
					dVal[i] = make([]float32, len(lp))
					for j := range lp {
						dVal[i][j] = tc.valueCoef / float32(count)
					}
				}
			}
			loss /= float64(count)
			m.ZeroGrad()
			m.Backward(dLogP, dEnt, dVal)
			if want := get("loss")[0]; math.Abs(loss-want) > 1e-5*math.Abs(want) {
				t.Errorf("loss %.9g, PyTorch %.9g", loss, want)
			}
			maxGrad, worst := 0.0, ""
			for _, g := range m.G.Named() {
				e := torchRelErr(g.Data, get("grad."+g.Name))
				if e > maxGrad {
					maxGrad, worst = e, g.Name
				}
				if e >= 1e-3 {
					t.Errorf("grad %s: rel. error %.3g ≥ 1e-3", g.Name, e)
				}
			}

			// Logits at every position, recovered from Score: the log-prob of
			// every vocabulary entry after each prefix is the logit minus
			// a per-position constant, so compare both centred over V.
			V := cfg.VocabSize
			var probe []Seq
			for _, s := range seqs {
				for p := range s.Tokens {
					for v := range V {
						toks := append(append([]int32{}, s.Tokens[:p+1]...), int32(v))
						probe = append(probe, Seq{Tokens: toks, Start: p + 1})
					}
				}
			}
			all := m.Score(probe, ScoreOptions{})
			k := 0
			var goC []float32
			var refC []float64
			for i, s := range seqs {
				logits := get(fmt.Sprintf("logits.%d", i))
				for p := range s.Tokens {
					var mg, mr float64
					for v := range V {
						mg += float64(all.LogP[k+v][0])
						mr += logits[p*V+v]
					}
					for v := range V {
						goC = append(goC, all.LogP[k+v][0]-float32(mg/float64(V)))
						refC = append(refC, logits[p*V+v]-mr/float64(V))
					}
					k += V
				}
			}
			logitErr := torchRelErr(goC, refC)
			if logitErr >= 1e-4 {
				t.Errorf("logits (centred): rel. error %.3g ≥ 1e-4", logitErr)
			}
			t.Logf("loss %.6f; logits rel. error %.2g; max grad rel. error %.2g (%s)", loss, logitErr, maxGrad, worst)
		})
	}
}
