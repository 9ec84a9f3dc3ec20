//go:build mpi || mpich

package dist

// The checks that MPI and the Go runtime get along: other threads, signal
// handlers, a second Open.

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
)

func checkOtherThread(c Comm) error {
	done := make(chan error)
	go func() {
		runtime.LockOSThread() // a fresh thread, never the MPI one
		defer runtime.UnlockOSThread()
		done <- errors.Join(checkSum32(c, 1000), c.Barrier())
	}()
	return <-done
}

// checkSignals: Go turns a nil dereference (SIGSEGV) into a panic only if
// its signal handler is still installed after MPI_Init; Open MPI installs
// handlers of its own for some signals.
func checkSignals(Comm) (err error) {
	defer func() {
		r := recover()
		if re, ok := r.(runtime.Error); !ok || !strings.Contains(re.Error(), "nil pointer") {
			err = fmt.Errorf("recovered %v, want a nil pointer runtime error", r)
		}
	}()
	var p *int
	*p = 1
	return nil
}

func checkOpenAgain(c Comm) error {
	c2, err := Open()
	if err != nil || c2 != c {
		return fmt.Errorf("Open again = %v, %v; want the same Comm", c2, err)
	}
	return nil
}
