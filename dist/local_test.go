package dist

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func TestLocalIsOneRank(t *testing.T) {
	c := Local()
	if c.Rank() != 0 || c.Size() != 1 {
		t.Fatalf("Local: rank %d of %d, want 0 of 1", c.Rank(), c.Size())
	}
	f32 := []float32{1.5, -2, 3}
	f64 := []float64{0.25, 1e300, -7}
	b := []byte("seed")
	for _, err := range []error{
		c.AllReduceSum(f32), c.AllReduceSum64(f64), c.AllReduceSum(nil),
		c.Broadcast(f32, 0), c.Broadcast64(f64, 0), c.BroadcastBytes(b, 0), c.Barrier(),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(f32, []float32{1.5, -2, 3}) || !slices.Equal(f64, []float64{0.25, 1e300, -7}) || string(b) != "seed" {
		t.Fatalf("Local changed its buffers: %v %v %q", f32, f64, b)
	}
}

func TestLocalGatherCopies(t *testing.T) {
	send := []float64{1, 2, 3}
	got, err := Local().Gather(send, 0)
	if err != nil || !slices.Equal(got, send) {
		t.Fatalf("Gather = %v, %v; want %v", got, err, send)
	}
	send[0] = 9
	if got[0] != 1 {
		t.Fatal("Gather returned send itself, not a copy")
	}
	if got, err := Local().Gather(nil, 0); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("Gather(nil) = %#v, %v; want an empty slice", got, err)
	}
}

func TestLocalBadRoot(t *testing.T) {
	c := Local()
	for _, root := range []int{-1, 1} {
		if c.Broadcast(nil, root) == nil || c.Broadcast64(nil, root) == nil || c.BroadcastBytes(nil, root) == nil {
			t.Errorf("Broadcast with root %d of 1 rank: no error", root)
		}
		if _, err := c.Gather(nil, root); err == nil {
			t.Errorf("Gather with root %d of 1 rank: no error", root)
		}
	}
}

func TestLocalCloseTwice(t *testing.T) {
	c := Local()
	if c.Close() != nil || c.Close() != nil || c.Barrier() != nil {
		t.Fatal("Local Close or use after Close failed")
	}
}

// TestLocalAbortExits checks, in a child process, that Abort exits with the
// code.
func TestLocalAbortExits(t *testing.T) {
	if childMode() == "abort" {
		Local().Abort(3)
		return
	}
	code, out := runChild(t, "TestLocalAbortExits", "abort")
	if code != 3 {
		t.Fatalf("exit code %d, want 3; output:\n%s", code, out)
	}
}

// childMode is the DIST_TEST_CHILD of a child process, "" in the parent.
func childMode() string { return os.Getenv("DIST_TEST_CHILD") }

// runChild runs this test binary again with only the named test and
// DIST_TEST_CHILD=mode, and returns its exit code and output.
func runChild(t *testing.T, test, mode string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$")
	cmd.Env = append(os.Environ(), "DIST_TEST_CHILD="+mode)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		t.Fatal(err)
	}
	return 0, strings.TrimSpace(string(out))
}
