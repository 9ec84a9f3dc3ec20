package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/rltrain/rltrain/asm"
	"github.com/rltrain/rltrain/tensor"
)

func init() {
	register("bench kernels", "SGEMM GFLOP/s per shape, % of measured FMA peak, decode GB/s", runBenchKernels)
}

// BenchKernelsConfig configures `rltrain bench kernels`.
type BenchKernelsConfig struct {
	// Threads is a comma-separated list of worker counts to run each shape
	// with (default "1,2"; each ≥ 1).
	Threads string
	// Layouts is a comma-separated subset of NN, NT, TN and NTP (NT with
	// B pre-packed once by tensor.NewPackedB, as for a weight) (default "NN,NT").
	Layouts string
	// Shapes is a comma-separated list of MxNxK; empty means the issue's
	// shape list (tensor.BenchShapes).
	Shapes string
	// MinTime is the minimum duration of one timing batch (default 200ms, > 0).
	MinTime time.Duration
	// Batches is how many batches are timed per shape; the best is kept
	// (default 3, ≥ 1).
	Batches int
	// Format is "text" (a table) or "tsv" (one line per measurement, the
	// format scripts/bench-compare.sh reads). Default "text".
	Format string
	// Seed seeds the random operands (default 1).
	Seed uint64
	// Calibrate measures the FMA peak and the read bandwidth first
	// (default true; bench-compare turns it off for its per-shape runs).
	Calibrate bool
}

// DefaultBenchKernelsConfig returns the defaults documented on the fields.
func DefaultBenchKernelsConfig() BenchKernelsConfig {
	return BenchKernelsConfig{Threads: "1,2", Layouts: "NN,NT", MinTime: 200 * time.Millisecond, Batches: 3, Format: "text", Seed: 1, Calibrate: true}
}

// Validate checks the fields and says how to fix a bad one.
func (c BenchKernelsConfig) Validate() error {
	if _, err := c.threadList(); err != nil {
		return err
	}
	if _, err := c.layoutList(); err != nil {
		return err
	}
	if _, err := c.shapeList(); err != nil {
		return err
	}
	if c.MinTime <= 0 {
		return fmt.Errorf("-min-time %v: must be > 0 (e.g. 200ms)", c.MinTime)
	}
	if c.Batches < 1 {
		return fmt.Errorf("-batches %d: must be ≥ 1", c.Batches)
	}
	if c.Format != "text" && c.Format != "tsv" {
		return fmt.Errorf("-format %q: want text or tsv", c.Format)
	}
	return nil
}

func (c BenchKernelsConfig) threadList() ([]int, error) {
	var out []int
	for _, f := range strings.Split(c.Threads, ",") {
		t, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || t < 1 {
			return nil, fmt.Errorf("-threads %q: want a comma-separated list of counts ≥ 1", c.Threads)
		}
		out = append(out, t)
	}
	return out, nil
}

func (c BenchKernelsConfig) layoutList() ([]string, error) {
	var out []string
	for _, f := range strings.Split(c.Layouts, ",") {
		l := strings.ToUpper(strings.TrimSpace(f))
		if l != "NN" && l != "NT" && l != "TN" && l != "NTP" {
			return nil, fmt.Errorf("-layouts %q: want a comma-separated subset of NN,NT,TN,NTP", c.Layouts)
		}
		out = append(out, l)
	}
	return out, nil
}

func (c BenchKernelsConfig) shapeList() ([]tensor.Shape, error) {
	if strings.TrimSpace(c.Shapes) == "" {
		return tensor.BenchShapes(), nil
	}
	var out []tensor.Shape
	for _, f := range strings.Split(c.Shapes, ",") {
		var s tensor.Shape
		if _, err := fmt.Sscanf(strings.TrimSpace(f), "%dx%dx%d", &s.M, &s.N, &s.K); err != nil || s.M < 1 || s.N < 1 || s.K < 1 {
			return nil, fmt.Errorf("-shapes: %q is not MxNxK with positive sizes (e.g. 512x512x512)", f)
		}
		out = append(out, s)
	}
	return out, nil
}

func runBenchKernels(args []string) error {
	cfg := DefaultBenchKernelsConfig()
	fs := newFlagSet("bench kernels")
	fs.StringVar(&cfg.Threads, "threads", cfg.Threads, "comma-separated worker counts")
	fs.StringVar(&cfg.Layouts, "layouts", cfg.Layouts, "comma-separated layouts: NN (A·B), NT (A·Bᵀ), TN (Aᵀ·B), NTP (A·Bᵀ, B pre-packed)")
	fs.StringVar(&cfg.Shapes, "shapes", cfg.Shapes, "comma-separated MxNxK (empty: the issue's list)")
	fs.DurationVar(&cfg.MinTime, "min-time", cfg.MinTime, "minimum duration of one timing batch")
	fs.IntVar(&cfg.Batches, "batches", cfg.Batches, "timing batches per shape (best kept)")
	fs.StringVar(&cfg.Format, "format", cfg.Format, "text or tsv")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the random operands")
	fs.BoolVar(&cfg.Calibrate, "calibrate", cfg.Calibrate, "measure FMA peak and read bandwidth first")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	return benchKernels(os.Stdout, cfg)
}

func benchKernels(w io.Writer, cfg BenchKernelsConfig) error {
	threads, _ := cfg.threadList()
	layouts, _ := cfg.layoutList()
	shapes, _ := cfg.shapeList()
	maxT := 0
	for _, t := range threads {
		maxT = max(maxT, t)
	}
	if runtime.GOMAXPROCS(0) < maxT {
		runtime.GOMAXPROCS(maxT)
	}
	defer tensor.SetThreads(tensor.SetThreads(1))

	peak, bw := math.NaN(), math.NaN()
	if cfg.Calibrate {
		peak = tensor.MeasureFMAPeak(500 * time.Millisecond)
		bw = tensor.MeasureReadBandwidth(256<<20, 3)
	}
	tsv := cfg.Format == "tsv"
	if tsv {
		fmt.Fprintf(w, "# path=%s cpu=%q peak_gflops_per_core=%.1f read_gbs=%.1f\n", asm.Path(), asm.CPUName(), peak, bw)
		fmt.Fprintln(w, "layout\tm\tn\tk\tthreads\tgflops\tgbs")
	} else {
		fmt.Fprintf(w, "rltrain bench kernels — path %s on %s\n", asm.Path(), asm.CPUName())
		fmt.Fprintf(w, "measured FMA peak: %.1f GFLOP/s per core; measured read bandwidth: %.1f GB/s (one core)\n\n", peak, bw)
		fmt.Fprintf(w, "%-6s %-16s %3s %10s %8s %9s %9s\n", "layout", "M×N×K", "thr", "GFLOP/s", "%peak", "GB/s", "%bw")
	}
	r := rand.New(rand.NewPCG(cfg.Seed, 1))
	for _, s := range shapes {
		a := make([]float32, s.M*s.K)
		b := make([]float32, s.K*s.N)
		c := make([]float32, s.M*s.N)
		for i := range a {
			a[i] = float32(r.NormFloat64())
		}
		for i := range b {
			b[i] = float32(r.NormFloat64())
		}
		for _, l := range layouts {
			var pb *tensor.PackedB
			if l == "NTP" {
				pb = tensor.NewPackedB(b, s.N, s.K, true)
			}
			f := map[string]func(){
				"NTP": func() { tensor.MatMulPacked(c, a, pb, s.M, false) },
				"NN":  func() { tensor.MatMulNN(c, a, b, s.M, s.N, s.K, false) },
				"NT":  func() { tensor.MatMulNT(c, a, b, s.M, s.N, s.K, false) },
				"TN":  func() { tensor.MatMulTN(c, a, b, s.M, s.N, s.K, false) },
			}[l]
			for _, t := range threads {
				tensor.SetThreads(t)
				sec := tensor.TimeProduct(f, cfg.MinTime, cfg.Batches)
				gf := s.FLOPs() / sec / 1e9
				gbs := s.Bytes() / sec / 1e9
				if tsv {
					fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%.2f\t%.2f\n", l, s.M, s.N, s.K, t, gf, gbs)
					continue
				}
				bwCol, bwPct := "", ""
				if s.IsDecode() {
					bwCol = fmt.Sprintf("%.1f", gbs)
					bwPct = fmt.Sprintf("%.0f%%", 100*gbs/(bw*float64(t)))
				}
				fmt.Fprintf(w, "%-6s %-16s %3d %10.1f %7.1f%% %9s %9s\n", l,
					fmt.Sprintf("%dx%dx%d", s.M, s.N, s.K), t, gf, 100*gf/(peak*float64(t)), bwCol, bwPct)
			}
		}
	}
	return nil
}
