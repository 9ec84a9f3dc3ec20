//go:build !mpi && !mpich

package dist

import (
	"fmt"
	"os"
)

// Open returns the job's Comm. This binary was built without MPI, so that is
// Local, unless a launcher started it as one of several ranks: then each
// rank would train alone on the whole job and all would write the same
// files, so Open returns an error saying how to rebuild instead.
func Open() (Comm, error) { return openEnv(os.Getenv) }

// openEnv is Open with the environment read through getenv.
func openEnv(getenv func(string) string) (Comm, error) {
	if l, ok := detectLaunch(getenv); ok && l.multi() {
		return nil, fmt.Errorf("rltrain was built without -tags mpi but launched by %s with %s (%s): "+
			"rebuild with `go build -tags mpi ./cmd/rltrain` (needs cgo, pkg-config and Open MPI: "+
			"apt-get install openmpi-bin libopenmpi-dev pkg-config), or run it without a launcher to train on one process",
			l.launcher, l.ranks(), l.evidence)
	}
	return Local(), nil
}
