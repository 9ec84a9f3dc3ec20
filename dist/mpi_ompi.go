//go:build mpi && !mpich

package dist

// Open MPI's compile and link flags. Debian's libopenmpi-dev installs them
// as ompi.pc (also mpi.pc, but that name is an alternatives link that may
// point at another MPI).

// #cgo pkg-config: ompi
import "C"
