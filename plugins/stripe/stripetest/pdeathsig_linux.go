package stripetest

import (
	"os/exec"
	"syscall"
)

// dieWithParent kills stripe-mock when the test process dies.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
