package e2e

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestVersion(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := run(t, bin, t.TempDir(), nil, "version")
	if code != 0 || !strings.HasPrefix(stdout, "admit ") {
		t.Fatalf("admit version: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			s := startServer(t, serverOpts{Dir: dir, DataDir: filepath.Join(dir, "data"), Admin: true})
			// A connection opened and never used (browsers open them
			// ahead; Go's HTTP client keeps one it dialed while another
			// came free) must not hold the shutdown up. The server has
			// taken it in once it answers on the connection dialed next.
			unused, err := net.Dial("tcp", s.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer unused.Close()
			// Nor a keep-alive connection left idle, as a browser leaves
			// one.
			conn, err := net.Dial("tcp", s.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: " + s.addr + "\r\n\r\n")); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()

			start := time.Now()
			s.signal(sig)
			// An idle connection holding the shutdown up would make it
			// reach the server's 20s shutdown deadline, and exit 1.
			code, ok := s.wait(time.Minute)
			if !ok {
				t.Fatalf("still running after %v\nstderr tail:\n%s", sig, tail(s.stderr.String(), 2000))
			}
			if code != 0 {
				t.Fatalf("exit code %d after %v, want 0\nstderr tail:\n%s", code, sig, tail(s.stderr.String(), 2000))
			}
			t.Logf("%v: exit 0 after %v", sig, time.Since(start).Round(time.Millisecond))
			// It stopped accepting.
			if c, err := net.DialTimeout("tcp", s.addr, time.Second); err == nil {
				c.Close()
				t.Errorf("%s still accepts connections after exit", s.addr)
			}
			// The database was closed: its WAL folded back and removed.
			if fi, err := os.Stat(filepath.Join(dir, "data", "admit.db-wal")); err == nil && fi.Size() > 0 {
				t.Errorf("after a graceful exit admit.db-wal still holds %d bytes: the database was not closed", fi.Size())
			}
			integrityCheck(t, filepath.Join(dir, "data", "admit.db"))
		})
	}
}

// TestGracefulShutdownUnderLoad stops the server while registrations are in
// flight: exit 0, and every registration answered 201 is kept.
func TestGracefulShutdownUnderLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServer(t, serverOpts{Dir: dir, DataDir: filepath.Join(dir, "data"), Admin: true})
	token := s.login(t, adminEmail, adminPassword)
	ev := s.createEvent(t, token, "Shutdown", 1000000)
	l := startLoad(s.base, ev.Slug, "term", 8)
	l.waitAcked(t, 50)
	s.signal(syscall.SIGTERM)
	code, ok := s.wait(time.Minute) // past its 20s shutdown deadline, admit exits 1
	res := l.end()
	if !ok {
		t.Fatalf("still running after SIGTERM under load\nstderr tail:\n%s", tail(s.stderr.String(), 2000))
	}
	if code != 0 {
		t.Fatalf("exit code %d after SIGTERM under load, want 0\nstderr tail:\n%s", code, tail(s.stderr.String(), 3000))
	}
	for status, n := range res.statuses {
		t.Errorf("%d answers with status %d while shutting down (want 201 or a refused connection)", n, status)
	}
	t.Logf("%d registrations acknowledged, %d transport errors (%v)", len(res.ids), res.errors, res.firstErr)
	s = s.restart(t)
	token = s.login(t, adminEmail, adminPassword)
	have := s.registrationIDs(t, token, ev.ID)
	for _, id := range res.ids {
		if !have[id] {
			t.Errorf("registration %d was answered 201 but is gone after a graceful shutdown", id)
		}
	}
	// A request the server took in was finished and answered: nothing was
	// committed without its answer reaching the client.
	if len(have) != len(res.ids) {
		t.Errorf("%d registrations stored but %d answered 201: %d requests were cut off mid-way by the shutdown",
			len(have), len(res.ids), len(have)-len(res.ids))
	}
	s.stop(t)
}

func TestNoCgoBinarySaysSo(t *testing.T) {
	t.Parallel()
	nocgo := filepath.Join(buildDir, "admit-nocgo")
	if out, err := goBuild(nocgo, "0"); err != nil {
		t.Fatalf("go build with CGO_ENABLED=0: %v\n%s", err, out)
	}
	dir := t.TempDir()
	mentionsCgo := func(s string) bool { return strings.Contains(strings.ToLower(s), "cgo") }
	code, stdout, stderr := run(t, nocgo, dir, []string{"ADMIT_HTTP__ADDRESS=" + freeAddr(t)})
	if code == 0 || !mentionsCgo(stderr) {
		t.Fatalf("CGO_ENABLED=0 binary serving: exit %d, stderr %q (want non-zero and a word about cgo)", code, stderr)
	}
	t.Logf("no-cgo binary says: %s", strings.TrimSpace(stderr))
	if code, _, stderr := run(t, nocgo, dir, nil, "backup", filepath.Join(dir, "b.db")); code == 0 || !mentionsCgo(stderr) {
		t.Errorf("CGO_ENABLED=0 binary backup: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); err == nil {
		t.Errorf("the no-cgo binary created ./data before refusing to run")
	}
	if code, stdout, stderr = run(t, nocgo, dir, nil, "version"); code != 0 || !strings.HasPrefix(stdout, "admit ") {
		t.Errorf("CGO_ENABLED=0 binary version: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestBadConfigNamesTheKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	unknownInFile := write("unknown.toml", "[http]\naddress = \"127.0.0.1:0\"\naddres = \"127.0.0.1:1\"\n")
	unknownSection := write("section.toml", "[smpt]\nhost = \"mail.example.org\"\n")
	badType := write("type.toml", "[smtp]\nport = \"twenty-five\"\n")
	badValue := write("value.toml", "[payments]\nhold_minutes = 5\n")
	brokenTOML := write("broken.toml", "[http\naddress = \n")
	missing := filepath.Join(dir, "does-not-exist.toml")

	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want []string // every one must appear in stderr
	}{
		{"env value", []string{"ADMIT_HTTP__ADDRESS=nonsense"}, nil, []string{"http.address", "nonsense"}},
		{"env unknown key", []string{"ADMIT_HTTP__ADRESS=127.0.0.1:1"}, nil, []string{"http.adress"}},
		{"env bad number", []string{"ADMIT_SMTP__PORT=abc"}, nil, []string{"smtp.port"}},
		{"env short password", []string{"ADMIT_ADMIN__EMAIL=a@example.org", "ADMIT_ADMIN__PASSWORD=short"}, nil, []string{"admin.password"}},
		{"env token days", []string{"ADMIT_AUTH__TOKEN_DAYS=0"}, nil, []string{"auth.token_days"}},
		{"file unknown key", nil, []string{"--config", unknownInFile}, []string{"http.addres"}},
		{"file unknown section", nil, []string{"--config", unknownSection}, []string{"smpt.host"}},
		{"file bad type", nil, []string{"--config", badType}, []string{"smtp.port"}},
		{"file bad value", nil, []string{"--config", badValue}, []string{"payments.hold_minutes"}},
		{"file not TOML", nil, []string{"--config", brokenTOML}, []string{brokenTOML}},
		{"file missing", nil, []string{"--config", missing}, []string{missing, "no such file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cwd := t.TempDir()
			env := append([]string{"ADMIT_HTTP__ADDRESS=" + freeAddr(t)}, tc.env...)
			code, _, stderr := run(t, bin, cwd, env, tc.args...)
			if code == 0 {
				t.Fatalf("exit 0, want non-zero; stderr %q", stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, stderr)
				}
			}
			if strings.Count(strings.TrimSpace(stderr), "\n") > 5 {
				t.Errorf("a configuration error should be a short message, got:\n%s", stderr)
			}
			if _, err := os.Stat(filepath.Join(cwd, "data")); err == nil {
				t.Errorf("./data was created despite the bad configuration")
			}
		})
	}
}

var generatedPassword = regexp.MustCompile(`admin@localhost\s+password: (\S+)`)

func TestFirstStart(t *testing.T) {
	t.Parallel()
	t.Run("generated admin", func(t *testing.T) {
		cwd := t.TempDir()
		s := startServer(t, serverOpts{Dir: cwd}) // default data.dir: ./data
		m := generatedPassword.FindAllStringSubmatch(s.stderr.String(), -1)
		if len(m) != 1 {
			t.Fatalf("want the generated password printed once on stderr, found %d times:\n%s", len(m), s.stderr.String())
		}
		if strings.Contains(s.stdout.String(), m[0][1]) {
			t.Errorf("the password went to stdout too")
		}
		password := m[0][1]
		s.login(t, "admin@localhost", password)
		for _, d := range []string{"data", filepath.Join("data", "recordings")} {
			if fi, err := os.Stat(filepath.Join(cwd, d)); err != nil || !fi.IsDir() {
				t.Errorf("./%s not created: %v", d, err)
			}
		}
		if _, err := os.Stat(filepath.Join(cwd, "data", "admit.db")); err != nil {
			t.Errorf("database not in ./data: %v", err)
		}
		s.stop(t)

		// A restart prints no password, and admin.email/password no longer
		// create anyone: a user exists.
		s = startServer(t, serverOpts{Dir: cwd, Admin: true})
		if strings.Contains(s.stderr.String(), "password") {
			t.Errorf("restart prints a password again:\n%s", s.stderr.String())
		}
		s.login(t, "admin@localhost", password)
		status := api(t, httpClient, "POST", s.base+"/api/v1/auth/token", "", map[string]string{"email": adminEmail, "password": adminPassword}, nil)
		if status != http.StatusUnauthorized {
			t.Errorf("admin.email on a database that has a user: login answered %d, want 401 (no second admin)", status)
		}
		s.stop(t)
	})
	t.Run("admin from environment", func(t *testing.T) {
		cwd := t.TempDir()
		s := startServer(t, serverOpts{Dir: cwd, Admin: true})
		if generatedPassword.MatchString(s.stderr.String()) || strings.Contains(s.stderr.String(), adminPassword) {
			t.Errorf("with admin.email/password set, stderr shows a password:\n%s", s.stderr.String())
		}
		s.login(t, adminEmail, adminPassword)
		status := api(t, httpClient, "POST", s.base+"/api/v1/auth/token", "", map[string]string{"email": adminEmail, "password": "not-the-password"}, nil)
		if status != http.StatusUnauthorized {
			t.Errorf("wrong password: %d, want 401", status)
		}
		status = api(t, httpClient, "POST", s.base+"/api/v1/auth/token", "", map[string]string{"email": "admin@localhost", "password": adminPassword}, nil)
		if status != http.StatusUnauthorized {
			t.Errorf("admin@localhost exists although admin.email was set: %d", status)
		}
		if fi, err := os.Stat(filepath.Join(cwd, "data", "recordings")); err != nil || !fi.IsDir() {
			t.Errorf("./data/recordings not created: %v", err)
		}
		s.stop(t)
	})
}
