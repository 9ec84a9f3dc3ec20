//go:build mpi || mpich

package dist

import (
	"flag"
	"fmt"
	"os"
	"testing"
	"time"
)

// The MPI tests are collective, which ordinary Go tests handle badly: every
// rank would print its own report, and a t.Fatal on one rank would skip
// collectives the others then wait in forever. So, started by a launcher
// (scripts/test-mpi.sh runs `mpirun -np N dist.test`), TestMain runs every
// check of mpiChecks on every rank, agrees on each verdict with an
// all-reduce, and rank 0 prints one line per check and the totals. Started
// alone, the binary runs the ordinary tests, TestMPISingleton among them.
var (
	benchFlag = flag.Bool("mpi.bench", false, "print all-reduce bandwidth for 1K, 1M and 10M floats")
	panicFlag = flag.String("mpi.panic", "", "make the last rank panic under Guard: idle (its MPI thread free) or busy (blocked in a collective)")
)

func TestMain(m *testing.M) {
	flag.Parse()
	if _, ok := detectLaunch(os.Getenv); !ok {
		os.Exit(m.Run())
	}
	os.Exit(underLauncher())
}

// underLauncher opens MPI and runs what the flags ask for on this rank,
// returning the exit code.
func underLauncher() (code int) {
	c, err := Open()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if err := c.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "rank %d: %v\n", c.Rank(), err)
			code = 1
		}
	}()
	defer Guard(c)
	switch {
	case *panicFlag != "":
		mpiPanic(c, *panicFlag)
		return 1
	case *benchFlag:
		return mpiBench(c)
	}
	return min(runChecks(c), 1)
}

// runChecks runs mpiChecks on c and returns the number that failed on some
// rank. Every rank reports its own failures on stderr; rank 0 prints the
// verdicts.
func runChecks(c Comm) int {
	passed, failed := 0, 0
	for _, ck := range mpiChecks {
		err := ck.run(c)
		if err != nil {
			fmt.Fprintf(os.Stderr, "rank %d: %s: %v\n", c.Rank(), ck.name, err)
		}
		bad := []float64{0}
		if err != nil {
			bad[0] = 1
		}
		if e := c.AllReduceSum64(bad); e != nil {
			fmt.Fprintf(os.Stderr, "rank %d: verdict of %s: %v\n", c.Rank(), ck.name, e)
			c.Abort(1)
		}
		if bad[0] == 0 {
			passed++
		} else {
			failed++
		}
		if c.Rank() == 0 {
			if bad[0] == 0 {
				fmt.Printf("ok    %s\n", ck.name)
			} else {
				fmt.Printf("FAIL  %s (on %v of %d ranks)\n", ck.name, bad[0], c.Size())
			}
		}
	}
	if c.Rank() == 0 {
		fmt.Printf("ranks=%d: %d passed, %d failed\n", c.Size(), passed, failed)
	}
	return failed
}

// mpiBench prints, on rank 0, the all-reduce timing of 1K, 1M and 10M floats.
func mpiBench(c Comm) int {
	for _, b := range []struct{ n, reps int }{{1 << 10, 2000}, {1 << 20, 50}, {10 << 20, 10}} {
		tm, err := BenchAllReduce(c, b.n, b.reps)
		if err != nil {
			fmt.Fprintf(os.Stderr, "rank %d: %v\n", c.Rank(), err)
			return 1
		}
		if c.Rank() == 0 {
			fmt.Println(tm)
		}
	}
	return 0
}

// mpiPanic makes the last rank panic, which only Guard's abort turns into
// the end of the job. "idle": the other ranks wait in an all-reduce the last
// rank never joins, and it panics with its MPI thread free. "busy": the last
// rank panics in a second goroutine while its MPI thread is blocked in a
// barrier the others never join (they sleep), so Abort must call MPI from
// the panicking thread.
func mpiPanic(c Comm, mode string) {
	last := c.Size() - 1
	if c.Rank() != last {
		if mode == "busy" {
			time.Sleep(time.Hour)
		}
		_ = c.AllReduceSum([]float32{1})
		return
	}
	if mode == "busy" {
		go func() {
			defer Guard(c)
			time.Sleep(500 * time.Millisecond)
			panic(fmt.Sprintf("deliberate panic on rank %d (MPI thread busy)", c.Rank()))
		}()
		_ = c.Barrier()
		return
	}
	panic(fmt.Sprintf("deliberate panic on rank %d (MPI thread idle)", c.Rank()))
}

// TestMPISingleton runs the checks in a process that no launcher started:
// MPI makes it a job of one rank. It then closes MPI and checks that Open
// refuses to start it again.
func TestMPISingleton(t *testing.T) {
	c, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	if c.Rank() != 0 || c.Size() != 1 {
		t.Errorf("singleton is rank %d of %d", c.Rank(), c.Size())
	}
	if n := runChecks(c); n != 0 {
		t.Errorf("%d checks failed", n)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := c.Barrier(); err != ErrClosed {
		t.Errorf("Barrier after Close = %v, want ErrClosed", err)
	}
	if _, err := Open(); err == nil {
		t.Error("Open after Close: no error")
	}
}
