//go:build !mpi && !mpich

package dist

import (
	"os"
	"strings"
	"testing"
)

func TestOpenUnderMPIRunWithoutTag(t *testing.T) {
	c, err := openEnv(env{"OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_RANK": "1"}.get)
	if err == nil {
		t.Fatalf("openEnv under mpirun -np 4 returned %v and no error", c)
	}
	for _, want := range []string{
		"built without -tags mpi", "launched by mpirun (Open MPI) with 4 ranks",
		"OMPI_COMM_WORLD_SIZE=4", "go build -tags mpi ./cmd/rltrain",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if c != nil {
		t.Error("openEnv returned a Comm with its error")
	}
}

func TestOpenUnderOtherLaunchers(t *testing.T) {
	for _, e := range []env{
		{"PMI_SIZE": "2", "PMI_RANK": "0"},
		{"SLURM_STEP_NUM_TASKS": "16", "SLURM_PROCID": "0", "SLURM_STEP_ID": "0"},
		{"PMIX_RANK": "1"},
	} {
		if _, err := openEnv(e.get); err == nil || !strings.Contains(err.Error(), "rebuild with") {
			t.Errorf("openEnv(%v) = %v, want the rebuild error", e, err)
		}
	}
}

func TestOpenSingleProcess(t *testing.T) {
	for _, e := range []env{
		{},
		{"OMPI_COMM_WORLD_SIZE": "1", "OMPI_COMM_WORLD_RANK": "0"}, // mpirun -np 1
		{"SLURM_NTASKS": "4", "SLURM_PROCID": "0"},                 // an sbatch script
	} {
		c, err := openEnv(e.get)
		if err != nil || c == nil || c.Size() != 1 || c.Rank() != 0 {
			t.Errorf("openEnv(%v) = %v, %v; want Local", e, c, err)
		}
	}
}

// TestOpenHere checks Open in the real environment: Local when no launcher
// started the process, the rebuild error when one started several ranks.
// scripts/test-mpi.sh runs it under mpirun.
func TestOpenHere(t *testing.T) {
	c, err := Open()
	if l, ok := detectLaunch(os.Getenv); ok && l.multi() {
		if err == nil || !strings.Contains(err.Error(), "rebuild with") {
			t.Fatalf("Open under %s with %s = %v, %v; want the rebuild error", l.launcher, l.ranks(), c, err)
		}
		t.Log(err)
		return
	}
	if err != nil || c.Size() != 1 {
		t.Fatalf("Open = %v, %v; want Local", c, err)
	}
}
