package main

import (
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// The bench's own load raises the load average during the run: only the
// reading before the first measure says whether other work shared the
// machine.
func TestBusyNote(t *testing.T) {
	n := float64(runtime.NumCPU())
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) + ", 1.00, 1.00" }
	if got := busyNote([]string{f(0.1), f(n * 2), f(n * 3)}); !strings.Contains(got, "otherwise quiet") || strings.Contains(got, "shared with other work") {
		t.Errorf("quiet start, busy measures: %q", got)
	}
	if got := busyNote([]string{f(n * 2), f(0.1)}); !strings.Contains(got, "shared with other work") {
		t.Errorf("busy start: %q", got)
	}
	if got := busyNote(nil); got != "" {
		t.Errorf("no readings: %q", got)
	}
}
