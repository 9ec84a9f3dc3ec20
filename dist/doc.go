// Package dist lets several processes (ranks) train one model together: the
// trainer all-reduces token counts and gradients through a Comm, so rl,
// nn and rewards never learn that there are ranks.
//
// The default build is pure Go and has one rank: Local is a Comm of size 1
// whose reductions are the identity, and Open returns it. Built with
// `-tags mpi`, Open initialises MPI through a thin cgo binding (linked with
// `pkg-config ompi`, Open MPI; `-tags mpich` links `pkg-config mpich`
// instead) and returns MPI_COMM_WORLD, so
//
//	go build -tags mpi ./cmd/rltrain
//	mpirun -np 4 ./rltrain ...
//
// trains on four ranks. The tag keeps cgo and the MPI libraries out of the
// static binary everyone else builds.
//
// A default binary started by mpirun or srun would otherwise run N
// independent copies that each train alone and race on the output folder, so
// Open reads the variables launchers set for each rank (Open MPI, MPICH and
// Intel MPI's Hydra, MVAPICH2, Slurm's srun, PMIx) and returns an error
// telling how to rebuild instead.
//
// Collectives (the all-reduces, broadcasts, Gather, Barrier) must be called
// by every rank, in the same order, with the same lengths and root: MPI
// cannot check this, and a mismatch hangs or corrupts. Issue them from one
// goroutine. A rank that dies without telling MPI leaves the others waiting,
// so main should
//
//	c, err := dist.Open()
//	if err != nil { ... }
//	defer c.Close()
//	defer dist.Guard(c) // runs first: a panic aborts every rank
//
// BenchAllReduce measures all-reduce time and bandwidth for
// `rltrain bench allreduce`; scripts/test-mpi.sh runs the MPI tests under
// mpirun.
package dist
