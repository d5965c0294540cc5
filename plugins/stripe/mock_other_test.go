//go:build !linux

package stripe

import "os/exec"

func setPdeathsig(*exec.Cmd) {}
