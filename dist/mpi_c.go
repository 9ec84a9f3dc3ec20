//go:build mpi || mpich

package dist

// The cgo binding: one tiny C function per MPI call we make. Open MPI defines
// MPI_COMM_WORLD, MPI_FLOAT, MPI_DOUBLE, MPI_SUM, MPI_IN_PLACE and
// MPI_ERRORS_RETURN as macros taking the address of library globals, which
// cgo cannot evaluate, so the C side names them and Go passes plain ints and
// pointers. Every function here must run on the MPI thread (mpi_thread.go)
// unless its comment says otherwise; each returns MPI's error code, 0 being
// MPI_SUCCESS.

/*
#include <string.h>
#include <mpi.h>

enum { rl_byte, rl_float, rl_double };

static MPI_Datatype rl_type(int t) {
	switch (t) {
	case rl_float:
		return MPI_FLOAT;
	case rl_double:
		return MPI_DOUBLE;
	default:
		return MPI_BYTE;
	}
}

// MPI_THREAD_FUNNELED: the process has other threads (Go's), but only the
// thread that initialised MPI calls it.
static int rl_init(int *funneled) {
	int provided = MPI_THREAD_SINGLE;
	int rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
	*funneled = provided >= MPI_THREAD_FUNNELED;
	return rc;
}

static int rl_errors_return(void) { return MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN); }
static int rl_rank(int *r) { return MPI_Comm_rank(MPI_COMM_WORLD, r); }
static int rl_size(int *s) { return MPI_Comm_size(MPI_COMM_WORLD, s); }

static int rl_allreduce_sum(void *buf, int n, int t) {
	return MPI_Allreduce(MPI_IN_PLACE, buf, n, rl_type(t), MPI_SUM, MPI_COMM_WORLD);
}

static int rl_bcast(void *buf, int n, int t, int root) {
	return MPI_Bcast(buf, n, rl_type(t), root, MPI_COMM_WORLD);
}

static int rl_gather(void *send, void *recv, int n, int t, int root) {
	return MPI_Gather(send, n, rl_type(t), recv, n, rl_type(t), root, MPI_COMM_WORLD);
}

static int rl_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }
static int rl_abort(int code) { return MPI_Abort(MPI_COMM_WORLD, code); }
static int rl_finalize(void) { return MPI_Finalize(); }

// rl_error_string copies MPI's text for an error code into out.
static int rl_error_string(int code, char *out, int cap) {
	char s[MPI_MAX_ERROR_STRING];
	int n = 0;
	if (MPI_Error_string(code, s, &n) != MPI_SUCCESS)
		n = 0;
	if (n > cap)
		n = cap;
	memcpy(out, s, n);
	return n;
}

// rl_library_version copies the library's version text into out; MPI allows
// it from any thread, before MPI_Init too.
static int rl_library_version(char *out, int cap) {
	char s[MPI_MAX_LIBRARY_VERSION_STRING];
	int n = 0;
	if (MPI_Get_library_version(s, &n) != MPI_SUCCESS)
		n = 0;
	if (n > cap)
		n = cap;
	memcpy(out, s, n);
	return n;
}
*/
import "C"

import (
	"fmt"
	"strings"
	"unsafe"
)

// The element types of the buffers we pass (rl_type above).
const (
	typeByte   int = C.rl_byte
	typeFloat  int = C.rl_float
	typeDouble int = C.rl_double
)

func cInit() (funneled bool, rc int) {
	var f C.int
	rc = int(C.rl_init(&f))
	return f != 0, rc
}

func cErrorsReturn() int { return int(C.rl_errors_return()) }

func cRank() (int, int) {
	var r C.int
	rc := C.rl_rank(&r)
	return int(r), int(rc)
}

func cSize() (int, int) {
	var s C.int
	rc := C.rl_size(&s)
	return int(s), int(rc)
}

// The buffer functions take n <= maxCount elements at p (nil when n is 0
// or the rank receives nothing); mpi_comm.go splits longer buffers.

func cAllreduceSum(p unsafe.Pointer, n, t int) int {
	return int(C.rl_allreduce_sum(p, C.int(n), C.int(t)))
}

func cBcast(p unsafe.Pointer, n, t, root int) int {
	return int(C.rl_bcast(p, C.int(n), C.int(t), C.int(root)))
}

func cGather(send, recv unsafe.Pointer, n, t, root int) int {
	return int(C.rl_gather(send, recv, C.int(n), C.int(t), C.int(root)))
}

func cBarrier() int   { return int(C.rl_barrier()) }
func cAbort(code int) { C.rl_abort(C.int(code)) }
func cFinalize() int  { return int(C.rl_finalize()) }

// mpiErr turns an MPI error code into an error naming the call, with MPI's
// own text for the code.
func mpiErr(call string, rc int) error {
	if rc == 0 {
		return nil
	}
	var b [512]byte
	n := C.rl_error_string(C.int(rc), (*C.char)(unsafe.Pointer(&b[0])), C.int(len(b)))
	return fmt.Errorf("dist: %s: %s (MPI error %d)", call, b[:n], rc)
}

// libraryVersion names the MPI library for messages: its version text up to
// the first comma or line end ("Open MPI v4.1.4"). Safe on any thread.
func libraryVersion() string {
	var b [8192]byte
	n := C.rl_library_version((*C.char)(unsafe.Pointer(&b[0])), C.int(len(b)))
	s, _, _ := strings.Cut(string(b[:n]), "\n")
	s, _, _ = strings.Cut(s, ",")
	return strings.TrimRight(s, "\x00 \t")
}
