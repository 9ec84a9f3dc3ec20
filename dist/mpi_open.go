//go:build mpi || mpich

package dist

import (
	"errors"
	"fmt"
	"os"
	"sync"
)

var (
	openMu sync.Mutex
	world  *mpiComm // the one MPI_COMM_WORLD, once Open has succeeded
)

// Open initialises MPI (MPI_Init_thread, MPI_THREAD_FUNNELED) on a thread of
// its own and returns MPI_COMM_WORLD, with errors returned rather than fatal.
// Started without a launcher, the process is a job of one rank. Later calls
// return the same Comm; after its Close, an error, since MPI cannot be
// initialised twice in one process.
//
// A binary linked against one MPI but started by another's launcher
// initialises as N jobs of one rank each; Open checks the size MPI reports
// against the launcher's variables and returns an error instead.
func Open() (Comm, error) {
	openMu.Lock()
	defer openMu.Unlock()
	if world != nil {
		if world.closed.Load() {
			return nil, errors.New("dist: MPI was finalized and cannot be initialized again in this process")
		}
		return world, nil
	}
	c := &mpiComm{th: startMPIThread()}
	if err := c.th.do(c.init); err != nil {
		c.th.stop()
		return nil, err
	}
	world = c
	if l, ok := detectLaunch(os.Getenv); ok && l.size > 1 && l.size != c.size {
		_ = c.Close()
		return nil, fmt.Errorf("dist: launched by %s with %s (%s) but MPI reports %d: "+
			"this binary links %s, not the launcher's MPI; rebuild with the matching tag "+
			"(-tags mpi for Open MPI, -tags mpich for MPICH) or start it with the matching mpirun",
			l.launcher, l.ranks(), l.evidence, c.size, libraryVersion())
	}
	return c, nil
}

// init runs on the MPI thread: MPI_Init_thread, then errors as return codes,
// then the rank and size.
func (c *mpiComm) init() error {
	funneled, rc := cInit()
	if err := mpiErr("MPI_Init_thread", rc); err != nil {
		return err
	}
	if !funneled {
		return fmt.Errorf("dist: %s does not provide MPI_THREAD_FUNNELED", libraryVersion())
	}
	if err := mpiErr("MPI_Comm_set_errhandler", cErrorsReturn()); err != nil {
		return err
	}
	var err error
	if c.rank, rc = cRank(); rc != 0 {
		err = mpiErr("MPI_Comm_rank", rc)
	} else if c.size, rc = cSize(); rc != 0 {
		err = mpiErr("MPI_Comm_size", rc)
	}
	return err
}
