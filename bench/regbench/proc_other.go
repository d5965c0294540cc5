//go:build !linux

package main

import (
	"errors"
	"syscall"
	"time"
)

func sysProcAttr() *syscall.SysProcAttr { return nil }

var errNoCPU = errors.New("CPU accounting is only implemented on Linux")

func procCPU(int) (time.Duration, error) { return 0, errNoCPU }

func selfCPU() (time.Duration, error) { return 0, errNoCPU }

func treeCPU(int) (time.Duration, error) { return 0, errNoCPU }

func peakRSS(int) (int64, error) { return 0, errors.New("peak memory is only read on Linux") }

func rssSplit(int) (int64, int64, error) { return 0, 0, errors.New("memory is only read on Linux") }
