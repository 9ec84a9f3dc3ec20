package dist

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// abortRecorder is a Comm whose Abort records the code and returns.
type abortRecorder struct {
	Comm
	code int
}

func (a *abortRecorder) Abort(code int) { a.code = code }

func TestGuardAbortsOnPanic(t *testing.T) {
	var out bytes.Buffer
	defer func(w io.Writer) { guardOut = w }(guardOut)
	guardOut = &out
	c := &abortRecorder{Comm: Local(), code: -1}
	func() {
		defer Guard(c)
		panic("boom")
	}()
	if c.code != PanicExitCode {
		t.Fatalf("Abort code %d, want %d", c.code, PanicExitCode)
	}
	for _, want := range []string{"rank 0 of 1 panicked", "boom", "guard_test.go"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("Guard's report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestGuardQuietWithoutPanic(t *testing.T) {
	c := &abortRecorder{Comm: Local(), code: -1}
	func() { defer Guard(c) }()
	if c.code != -1 {
		t.Fatalf("Guard aborted with %d without a panic", c.code)
	}
}

// TestGuardExits checks, in child processes, that a guarded panic ends the
// process with PanicExitCode, with and without a Comm.
func TestGuardExits(t *testing.T) {
	switch childMode() {
	case "guard-local":
		defer Guard(Local())
		panic("guarded")
	case "guard-nil":
		defer Guard(nil)
		panic("guarded")
	}
	for _, mode := range []string{"guard-local", "guard-nil"} {
		code, out := runChild(t, "TestGuardExits", mode)
		if code != PanicExitCode || !strings.Contains(out, "guarded") {
			t.Errorf("%s: exit code %d, want %d, output:\n%s", mode, code, PanicExitCode, out)
		}
	}
}
