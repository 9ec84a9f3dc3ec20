package main

import (
	"fmt"
	"os"

	"github.com/rltrain/rltrain/dist"
)

func init() {
	register("bench allreduce", "all-reduce time and bandwidth for 1K, 1M and 10M floats (run under mpirun -np N)", runBenchAllReduce)
}

// benchAllReduceConfig is the flags of `rltrain bench allreduce`.
type benchAllReduceConfig struct {
	// Sizes are the float32 counts per rank. Default 1024, 1048576, 10485760.
	Sizes []int `json:"sizes"`
	// Reps is the number of timed all-reduces per size. Default 20.
	Reps int `json:"reps"`
}

func runBenchAllReduce(args []string) error {
	cfg := benchAllReduceConfig{Sizes: []int{1 << 10, 1 << 20, 10 << 20}, Reps: 20}
	fs := newFlagSet("bench allreduce")
	bindStruct(fs, &cfg, "", "benchAllReduceConfig", nil)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.Reps < 1 || len(cfg.Sizes) == 0 {
		return fmt.Errorf("--reps %d and --sizes %v: need reps ≥ 1 and at least one size", cfg.Reps, cfg.Sizes)
	}
	c, err := dist.Open()
	if err != nil {
		return err
	}
	defer c.Close()
	defer dist.Guard(c)
	if c.Rank() == 0 {
		fmt.Printf("# bench allreduce: %d rank(s), %d reps per size (mean, then the fastest); bus bandwidth = alg × 2(p−1)/p\n", c.Size(), cfg.Reps)
	}
	for _, n := range cfg.Sizes {
		if n < 0 {
			c.Abort(2)
		}
		tm, err := dist.BenchAllReduce(c, n, cfg.Reps)
		if err != nil {
			fmt.Fprintf(os.Stderr, "rank %d: %v\n", c.Rank(), err)
			c.Abort(1)
		}
		if c.Rank() == 0 {
			fmt.Println(tm)
		}
	}
	return nil
}
