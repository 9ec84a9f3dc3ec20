//go:build unix

package rewards

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts the program in a process group of its own, so that
// killProcessGroup also ends what `sh -c` started and a terminal's Ctrl-C
// reaches only the trainer, which then shuts the program down.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killProcessGroup kills the program's process group.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Process.Kill()
	}
}
