//go:build mpich

package dist

// MPICH's compile and link flags (Debian's libmpich-dev installs mpich.pc),
// for clusters whose mpiexec is MPICH's or a derivative's (Intel MPI,
// MVAPICH2, Cray MPICH): a binary must link the MPI of the launcher that
// starts it.

// #cgo pkg-config: mpich
import "C"
