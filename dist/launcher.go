package dist

import (
	"fmt"
	"strconv"
)

// launch is what the environment says about the parallel launcher that
// started this process. Launchers tell each rank its rank and the job size
// through variables; reading them needs no MPI library, so a binary built
// without MPI can still notice that it was started as one of many ranks.
type launch struct {
	launcher string // who started us, for messages: "mpirun (Open MPI)"
	evidence string // the variable that said so: "OMPI_COMM_WORLD_SIZE=4"
	rank     int    // this process's rank, -1 when not given
	size     int    // ranks in the job; 0 when the launcher gives only the rank
}

// multi reports whether the job has, or may have, more than one rank.
func (l launch) multi() bool { return l.size > 1 || (l.size == 0 && l.rank > 0) }

// ranks describes the job size for messages.
func (l launch) ranks() string {
	if l.size == 0 {
		return fmt.Sprintf("at least %d ranks", l.rank+1)
	}
	return fmt.Sprintf("%d ranks", l.size)
}

// launchVars lists, in order of trust, the variables launchers set for every
// rank. MPICH's Hydra, Intel MPI and srun --mpi=pmi2 share PMI_*.
var launchVars = []struct{ launcher, size, rank string }{
	{"mpirun (Open MPI)", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK"},
	{"mpiexec (MPICH, Intel MPI or PMI)", "PMI_SIZE", "PMI_RANK"},
	{"mpirun_rsh (MVAPICH2)", "MV2_COMM_WORLD_SIZE", "MV2_COMM_WORLD_RANK"},
	// srun sets SLURM_STEP_NUM_TASKS for the tasks of a job step only. The
	// batch script of `sbatch -n 4` has SLURM_NTASKS=4 and SLURM_PROCID=0
	// too but is a single process, so those two alone prove nothing.
	{"srun (Slurm)", "SLURM_STEP_NUM_TASKS", "SLURM_PROCID"},
}

// detectLaunch reads the launcher variables through getenv (os.Getenv, or a
// fake in tests) and reports whether any launcher started this process.
func detectLaunch(getenv func(string) string) (launch, bool) {
	for _, v := range launchVars {
		size, ok := envInt(getenv, v.size)
		if !ok || size < 1 {
			continue
		}
		rank, ok := envInt(getenv, v.rank)
		if !ok {
			rank = -1
		}
		return launch{v.launcher, v.size + "=" + strconv.Itoa(size), rank, size}, true
	}
	// A srun step whose SLURM_STEP_NUM_TASKS was lost: a rank above 0
	// inside a step (SLURM_STEP_ID) still means several tasks.
	if getenv("SLURM_STEP_ID") != "" {
		if rank, ok := envInt(getenv, "SLURM_PROCID"); ok && rank > 0 {
			return launch{"srun (Slurm)", "SLURM_PROCID=" + strconv.Itoa(rank), rank, 0}, true
		}
	}
	// PMIx launchers (prterun, srun --mpi=pmix) give the rank but not the
	// size: rank 0 may be a job of one.
	if rank, ok := envInt(getenv, "PMIX_RANK"); ok && rank >= 0 {
		return launch{"a PMIx launcher", "PMIX_RANK=" + strconv.Itoa(rank), rank, 0}, true
	}
	return launch{}, false
}

// envInt parses the variable as a decimal int; unset or malformed is false.
func envInt(getenv func(string) string, name string) (int, bool) {
	s := getenv(name)
	if s == "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}
