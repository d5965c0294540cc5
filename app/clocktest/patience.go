package clocktest

import (
	"testing"
	"time"
)

// Patience is how long a test waits on the real clock for something that
// takes a moment (a mail, a process to start or end, a job's turn): at
// least d, and on a test binary with a deadline (go test -timeout) until
// 30 s before it. A loaded machine is slow, not wrong: it fails nothing
// that merely came late, and a test that does fail still has the time to
// say what it missed.
func Patience(t testing.TB, d time.Duration) time.Duration {
	if dt, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if end, ok := dt.Deadline(); ok {
			if left := time.Until(end) - 30*time.Second; left > d {
				return left
			}
		}
	}
	return d
}
