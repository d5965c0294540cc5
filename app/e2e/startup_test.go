package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A signal that arrives while admit starts must still end it gracefully
// with exit code 0 (docs/API.md, "Command line"). The configuration is a
// named pipe, so start-up waits while the test signals: once admit has
// opened it, its signal handler is installed (main does that first of all).
// The rest of start-up (database, migrations, first administrator) then
// runs with the signal received.
func TestSignalDuringStartup(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			config := newConfigPipe(t)
			p := startProc(t, bin, dir, []string{"ADMIT_HTTP__ADDRESS=" + freeAddr(t), "ADMIT_DATA__DIR=" + filepath.Join(dir, "data")},
				"--config", config.path)
			config.waitRead(p)
			p.signal(sig)
			config.release("[admin]\nemail = \"" + adminEmail + "\"\npassword = \"" + adminPassword + "\"\n")
			code, ok := p.wait(60 * time.Second)
			if !ok {
				t.Fatalf("%v during start-up: still running; stderr:\n%s", sig, tail(p.stderr.String(), 2000))
			}
			if code != 0 {
				t.Fatalf("%v during start-up: exit %d, want 0; stderr:\n%s", sig, code, tail(p.stderr.String(), 2000))
			}
			if strings.Contains(p.stderr.String(), "admit:") {
				t.Errorf("%v during start-up: exit 0 but an error was printed:\n%s", sig, tail(p.stderr.String(), 2000))
			}
		})
	}
}

// `admit backup ""` must fail: it exits 0 and writes nothing, so a script
// with an unset variable believes it has a backup.
func TestBackupNeedsAFileName(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	s := startServer(t, serverOpts{Dir: dir, DataDir: dataDir, Admin: true})
	s.stop(t)
	code, _, stderr := run(t, bin, dir, []string{"ADMIT_DATA__DIR=" + dataDir}, "backup", "")
	if code == 0 {
		t.Fatalf("admit backup \"\" exited 0 (stderr %q); want an error that asks for a file name", stderr)
	}
}

// http.address is validated like every other key: a value that cannot be
// listened on is refused naming the key, before anything is created.
func TestBadAddressNamesTheKey(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"127.0.0.1:99999", "127.0.0.1:abc", ":"} {
		cwd := t.TempDir()
		p := startProc(t, bin, cwd, []string{"ADMIT_HTTP__ADDRESS=" + addr})
		code, ok := p.wait(time.Minute) // a refused address ends at once; one served never
		if !ok {
			p.kill()
			t.Errorf("http.address %q: admit serves (stderr %q)", addr, tail(p.stderr.String(), 300))
			continue
		}
		if code == 0 || !strings.Contains(p.stderr.String(), "http.address") {
			t.Errorf("http.address %q: exit %d, stderr %q (want non-zero, naming http.address)", addr, code, p.stderr.String())
		}
		if _, err := os.Stat(filepath.Join(cwd, "data")); err == nil {
			t.Errorf("http.address %q: ./data created before the address was refused", addr)
		}
	}
}
