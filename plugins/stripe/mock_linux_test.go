package stripe

import (
	"os/exec"
	"syscall"
)

// setPdeathsig makes the kernel kill stripe-mock if the test binary dies
// without running TestMain's cleanup (a timeout panic, a kill -9).
func setPdeathsig(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
