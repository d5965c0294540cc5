package e2e

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/admit/admit/app/clocktest"
)

// configPipe is a --config file that is a named pipe. admit installs its
// signal handler first of all and then reads its configuration; opening a
// pipe blocks until the other end is opened too, and reading it until the
// writer closes. Start-up thus waits at a known point for as long as the
// test likes: after the signal handler, before anything is created.
type configPipe struct {
	t    testing.TB
	path string
	w    *os.File
}

func newConfigPipe(t testing.TB) *configPipe {
	t.Helper()
	path := filepath.Join(t.TempDir(), "admit.toml")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatalf("mkfifo %s: %v", path, err)
	}
	return &configPipe{t: t, path: path}
}

type openResult struct {
	f   *os.File
	err error
}

// waitRead returns once p has opened the pipe to read its configuration:
// opening the write end blocks until then. p is then past its signal
// handler's installation and waits for release.
func (c *configPipe) waitRead(p *proc) {
	c.t.Helper()
	opened := make(chan openResult, 1)
	go func() {
		f, err := os.OpenFile(c.path, os.O_WRONLY, 0)
		opened <- openResult{f, err}
	}()
	select {
	case r := <-opened:
		if r.err != nil {
			c.t.Fatalf("open %s for writing: %v", c.path, r.err)
		}
		c.w = r.f
		c.t.Cleanup(func() { c.w.Close() })
	case <-p.done:
		c.abandon(opened)
		c.t.Fatalf("admit ended (exit %d) before it read its configuration; stderr:\n%s",
			p.cmd.ProcessState.ExitCode(), tail(p.stderr.String(), 2000))
	case <-time.After(clocktest.Patience(c.t, time.Minute)):
		c.abandon(opened)
		c.t.Fatalf("admit did not open its configuration; stderr:\n%s", tail(p.stderr.String(), 2000))
	}
}

// abandon ends an open of the write end still waiting for a reader, by
// opening the read end (without waiting) itself.
func (c *configPipe) abandon(opened <-chan openResult) {
	r, err := os.OpenFile(c.path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return
	}
	defer r.Close()
	if res := <-opened; res.f != nil {
		res.f.Close()
	}
}

// release writes the configuration (TOML, possibly empty) and closes the
// pipe: admit reads it to its end and goes on starting.
func (c *configPipe) release(toml string) {
	c.t.Helper()
	if c.w == nil {
		c.t.Fatal("configPipe.release before waitRead")
	}
	if _, err := c.w.WriteString(toml); err != nil {
		c.t.Fatalf("write the configuration: %v", err)
	}
	if err := c.w.Close(); err != nil {
		c.t.Fatalf("close the configuration: %v", err)
	}
}
