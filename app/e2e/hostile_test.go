package e2e

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// peakRSS is the process's peak resident memory (VmHWM) in kB.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", rest, err)
			}
			return kb
		}
	}
	t.Skip("no VmHWM in /proc/PID/status")
	return 0
}

// TestCompressedBodyBomb: 100 KB of gzip that would inflate to 100 MB, posted
// without authentication to registration, login and a webhook, is refused
// with 415 before anything inflates it: the server's peak memory does not
// move by more than a few MB.
func TestCompressedBodyBomb(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOpts{Admin: true})
	token := s.login(t, adminEmail, adminPassword)
	ev := s.createEvent(t, token, "Bomb", 10)

	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	io.WriteString(zw, `{"name":"`)
	chunk := bytes.Repeat([]byte("a"), 1<<20)
	for range 100 {
		zw.Write(chunk)
	}
	io.WriteString(zw, `","email":"bomb@example.org","password":"x"}`)
	zw.Close()
	bomb := buf.Bytes()

	before := peakRSS(t, s.cmd.Process.Pid)
	for _, path := range []string{"/api/v1/public/events/" + ev.Slug + "/registrations", "/api/v1/auth/token", "/webhooks/stripe"} {
		req, _ := http.NewRequest("POST", s.base+path, bytes.NewReader(bomb))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Content-Encoding", "gzip")
		res, err := httpClient.Do(req)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusUnsupportedMediaType || !strings.Contains(string(body), `"unsupported_media_type"`) {
			t.Errorf("POST %s with %d bytes of gzip: %d %.300s; want 415 unsupported_media_type", path, len(bomb), res.StatusCode, body)
		}
	}
	if grew := peakRSS(t, s.cmd.Process.Pid) - before; grew > 16<<10 {
		t.Errorf("peak memory grew by %d MB during the requests", grew>>10)
	}
	s.stop(t)
}

// TestDataFilesArePrivate: the database with its WAL and shared memory,
// secret.key and a backup are readable by their owner only.
func TestDataFilesArePrivate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	s := startServer(t, serverOpts{Dir: dir, DataDir: data, Admin: true})
	token := s.login(t, adminEmail, adminPassword)
	s.createEvent(t, token, "Private", 10)

	backup := filepath.Join(dir, "copy.db")
	if code, _, stderr := run(t, bin, dir, []string{"ADMIT_DATA__DIR=" + data}, "backup", backup); code != 0 {
		t.Fatalf("admit backup: exit %d: %s", code, stderr)
	}
	for _, p := range []string{filepath.Join(data, "admit.db"), filepath.Join(data, "admit.db-wal"), filepath.Join(data, "admit.db-shm"),
		filepath.Join(data, "secret.key"), backup} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %#o, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}
	s.stop(t)
}
