package dist

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

// PanicExitCode is the exit code Guard aborts the job with: Go's own code
// for an unrecovered panic.
const PanicExitCode = 2

// guardOut is where Guard reports; tests replace it.
var guardOut io.Writer = os.Stderr

// Guard, deferred in main, turns a panic of this rank into an abort of the
// whole job. Without it the panicking rank unwinds through main's deferred
// Close (MPI_Finalize), which waits for ranks that are themselves waiting for
// it in their next collective, and the job hangs with no message. Guard
// prints the panic with the rank and stack, then calls c.Abort, so mpirun
// ends every rank and reports the exit code.
//
// Defer it after Close, so that it runs first:
//
//	defer c.Close()
//	defer dist.Guard(c)
//
// It must be deferred directly (recover works only there) and catches panics
// of main's goroutine only; a panic in another goroutine kills the process,
// which MPI launchers notice and answer by ending the job. A nil c (Open
// failed) exits the process.
func Guard(c Comm) {
	r := recover()
	if r == nil {
		return
	}
	if c == nil {
		fmt.Fprintf(guardOut, "rltrain: panic: %v\n\n%s", r, debug.Stack())
		os.Exit(PanicExitCode)
	}
	fmt.Fprintf(guardOut, "rltrain: rank %d of %d panicked, aborting all ranks: %v\n\n%s", c.Rank(), c.Size(), r, debug.Stack())
	c.Abort(PanicExitCode)
}
