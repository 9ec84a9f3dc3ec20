package dist

import "testing"

// env is a fake environment for detectLaunch and openEnv.
type env map[string]string

func (e env) get(k string) string { return e[k] }

func TestDetectLaunch(t *testing.T) {
	for _, tc := range []struct {
		name     string
		env      env
		found    bool
		multi    bool
		size     int
		rank     int
		launcher string
	}{
		{"none", env{"HOME": "/root"}, false, false, 0, 0, ""},
		{"openmpi", env{"OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_RANK": "2", "PMIX_RANK": "2"}, true, true, 4, 2, "mpirun (Open MPI)"},
		{"openmpi one rank", env{"OMPI_COMM_WORLD_SIZE": "1", "OMPI_COMM_WORLD_RANK": "0"}, true, false, 1, 0, "mpirun (Open MPI)"},
		{"hydra", env{"PMI_SIZE": "3", "PMI_RANK": "0"}, true, true, 3, 0, "mpiexec (MPICH, Intel MPI or PMI)"},
		{"mvapich", env{"MV2_COMM_WORLD_SIZE": "2", "MV2_COMM_WORLD_RANK": "1"}, true, true, 2, 1, "mpirun_rsh (MVAPICH2)"},
		{"srun", env{"SLURM_STEP_NUM_TASKS": "8", "SLURM_PROCID": "5", "SLURM_NTASKS": "8", "SLURM_STEP_ID": "0"}, true, true, 8, 5, "srun (Slurm)"},
		{"srun one task", env{"SLURM_STEP_NUM_TASKS": "1", "SLURM_PROCID": "0", "SLURM_NTASKS": "1"}, true, false, 1, 0, "srun (Slurm)"},
		// The batch script of sbatch -n 4 is one process.
		{"sbatch script", env{"SLURM_NTASKS": "4", "SLURM_PROCID": "0", "SLURM_JOB_ID": "7"}, false, false, 0, 0, ""},
		{"srun rank only", env{"SLURM_STEP_ID": "1", "SLURM_PROCID": "3"}, true, true, 0, 3, "srun (Slurm)"},
		{"pmix rank 0", env{"PMIX_RANK": "0"}, true, false, 0, 0, "a PMIx launcher"},
		{"pmix rank 2", env{"PMIX_RANK": "2"}, true, true, 0, 2, "a PMIx launcher"},
		{"malformed", env{"OMPI_COMM_WORLD_SIZE": "four", "PMI_SIZE": "0"}, false, false, 0, 0, ""},
		{"size without rank", env{"OMPI_COMM_WORLD_SIZE": "2"}, true, true, 2, -1, "mpirun (Open MPI)"},
	} {
		l, found := detectLaunch(tc.env.get)
		if found != tc.found || l.multi() != tc.multi || (found && (l.size != tc.size || l.rank != tc.rank || l.launcher != tc.launcher)) {
			t.Errorf("%s: got %+v found=%v multi=%v; want found=%v multi=%v size %d rank %d by %q",
				tc.name, l, found, l.multi(), tc.found, tc.multi, tc.size, tc.rank, tc.launcher)
		}
	}
}

func TestLaunchRanks(t *testing.T) {
	if got := (launch{size: 4}).ranks(); got != "4 ranks" {
		t.Errorf("ranks() = %q", got)
	}
	if got := (launch{rank: 2}).ranks(); got != "at least 3 ranks" {
		t.Errorf("ranks() = %q", got)
	}
}
