package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/admit/admit/app/clocktest"
)

// bin is the admit binary built once by TestMain (CGO_ENABLED=1).
var bin string

// buildDir holds the binaries built for this run.
var buildDir string

const (
	adminEmail    = "e2e-admin@example.org"
	adminPassword = "e2e-password-123"
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "admit-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	buildDir = dir
	bin = filepath.Join(dir, "admit")
	if out, err := goBuild(bin, "1"); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build (CGO_ENABLED=1): %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// goBuild builds the module's main package (two levels up) into out.
func goBuild(out, cgo string) ([]byte, error) {
	cmd := exec.Command("go", "build", "-o", out, "../..")
	cmd.Env = append(os.Environ(), "CGO_ENABLED="+cgo)
	return cmd.CombinedOutput()
}

// cleanEnv is the test's environment without any ADMIT_ variable, plus extra.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ADMIT_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// lockedBuffer collects a process's output while it runs.
type lockedBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed, then replaced, at every write
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.changed != nil {
		close(b.changed)
		b.changed = nil
	}
	return b.buf.Write(p)
}

// waitFor waits until the output holds s. It fails when ended is closed
// (the process is gone and its output complete) without s, or after d.
func (b *lockedBuffer) waitFor(s string, ended <-chan struct{}, d time.Duration) error {
	timeout := time.After(d)
	for {
		b.mu.Lock()
		found := strings.Contains(b.buf.String(), s)
		if b.changed == nil {
			b.changed = make(chan struct{})
		}
		changed := b.changed
		b.mu.Unlock()
		if found {
			return nil
		}
		select {
		case <-changed:
		case <-ended:
			if strings.Contains(b.String(), s) {
				return nil
			}
			return fmt.Errorf("ended without writing %q", s)
		case <-timeout:
			return fmt.Errorf("did not write %q within %v", s, d)
		}
	}
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proc is a running admit process.
type proc struct {
	t      testing.TB
	cmd    *exec.Cmd
	stdout lockedBuffer
	stderr lockedBuffer
	done   chan struct{}
}

// startProc starts binary in dir with env (no ADMIT_ variable but those in
// env) and kills it when the test ends if it still runs.
func startProc(t testing.TB, binary, dir string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, done: make(chan struct{})}
	p.cmd = exec.Command(binary, args...)
	p.cmd.Dir = dir
	p.cmd.Env = cleanEnv(env...)
	p.cmd.Stdout = &p.stdout
	p.cmd.Stderr = &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", binary, err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.exited() {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits for the process to end, up to clocktest.Patience(d), and
// returns its exit code (-1 when a signal ended it); ok is false when it
// was still running.
func (p *proc) wait(d time.Duration) (code int, ok bool) {
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode(), true
	case <-time.After(clocktest.Patience(p.t, d)):
		return 0, false
	}
}

func (p *proc) signal(sig os.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %v: %v", sig, err)
	}
}

// kill ends the process with SIGKILL and waits for it.
func (p *proc) kill() {
	p.t.Helper()
	p.signal(syscall.SIGKILL)
	if _, ok := p.wait(time.Minute); !ok {
		p.t.Fatal("process still running after SIGKILL")
	}
}

// run runs binary to its end (at most clocktest.Patience of a minute) and
// returns its exit code and output.
func run(t testing.TB, binary, dir string, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), clocktest.Patience(t, time.Minute))
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = dir
	cmd.Env = cleanEnv(env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
	default:
		t.Fatalf("run %s %v: %v", binary, args, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("%s %v did not end; stderr:\n%s", binary, args, e.String())
	}
	return cmd.ProcessState.ExitCode(), o.String(), e.String()
}

// freeAddr finds a free port on 127.0.0.1.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// server is an admit process serving HTTP.
type server struct {
	*proc
	opt  serverOpts
	addr string
	base string
}

type serverOpts struct {
	// Dir is the working directory (a new temporary one when empty).
	Dir string
	// DataDir is ADMIT_DATA__DIR (unset when empty: the default ./data).
	DataDir string
	// Admin sets ADMIT_ADMIN__EMAIL and ADMIT_ADMIN__PASSWORD.
	Admin bool
	// Env is more environment.
	Env []string
}

// startServer starts admit and waits until it says it serves and /healthz
// answers 200.
func startServer(t testing.TB, opt serverOpts) *server {
	t.Helper()
	if opt.Dir == "" {
		opt.Dir = t.TempDir()
	}
	for attempt := 0; ; attempt++ {
		addr := freeAddr(t)
		// The load tests register hundreds of people from one address.
		env := []string{"ADMIT_HTTP__ADDRESS=" + addr, "ADMIT_HTTP__PUBLIC_URL=http://" + addr, "ADMIT_LIMITS__PUBLIC_PER_MINUTE=0"}
		if opt.DataDir != "" {
			env = append(env, "ADMIT_DATA__DIR="+opt.DataDir)
		}
		if opt.Admin {
			env = append(env, "ADMIT_ADMIN__EMAIL="+adminEmail, "ADMIT_ADMIN__PASSWORD="+adminPassword)
		}
		env = append(env, opt.Env...)
		s := &server{proc: startProc(t, bin, opt.Dir, env), opt: opt, addr: addr, base: "http://" + addr}
		err := s.waitServing(clocktest.Patience(t, time.Minute))
		if err == nil {
			return s
		}
		if s.exited() && strings.Contains(s.stderr.String(), "address already in use") && attempt < 3 {
			continue // someone took the port between Listen and the server's bind
		}
		if !s.exited() {
			s.kill()
		}
		t.Fatalf("admit did not become healthy: %v\nstderr:\n%s", err, s.stderr.String())
	}
}

// servingLine is the log line admit writes once it serves.
const servingLine = "admit serving"

// waitServing waits for admit's log line that it serves, then checks
// /healthz. Waiting for the line rather than for /healthz alone also means
// that everything admit printed during start-up (a generated password) is
// in s.stderr: the test reads the process's output through a pipe, and an
// answer from the server can come before that output has.
func (s *server) waitServing(d time.Duration) error {
	if err := s.stderr.waitFor(servingLine, s.done, d); err != nil {
		if s.exited() {
			return fmt.Errorf("exited with code %d: %w", s.cmd.ProcessState.ExitCode(), err)
		}
		return err
	}
	return s.healthy()
}

// healthy asks /healthz once.
func (s *server) healthy() error {
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(s.base + "/healthz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"ok"`) {
		return fmt.Errorf("/healthz: %d %s", resp.StatusCode, body)
	}
	return nil
}

// restart starts a new server with the same options (working and data
// directory); the old one must have ended.
func (s *server) restart(t testing.TB) *server {
	t.Helper()
	if !s.exited() {
		t.Fatal("restart: the previous process still runs")
	}
	return startServer(t, s.opt)
}

// stop sends SIGTERM and requires exit code 0 (a shutdown that reached
// admit's own 20-second deadline exits 1).
func (s *server) stop(t testing.TB) {
	t.Helper()
	s.signal(syscall.SIGTERM)
	code, ok := s.wait(time.Minute)
	if !ok {
		t.Fatalf("admit still running after SIGTERM\nstderr tail:\n%s", tail(s.stderr.String(), 2000))
	}
	if code != 0 {
		t.Fatalf("admit exited with %d after SIGTERM\nstderr tail:\n%s", code, tail(s.stderr.String(), 2000))
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// api does one JSON request and decodes a JSON answer into out (when not
// nil); it returns the status code.
func api(t testing.TB, client *http.Client, method, url, token string, in, out any) int {
	t.Helper()
	status, body, err := doJSON(client, method, url, token, in)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	if out != nil && len(body) > 0 {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, url, status, body, err)
		}
	}
	return status
}

func doJSON(client *http.Client, method, url, token string, in any) (int, []byte, error) {
	var rd io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, err
	}
	return resp.StatusCode, body, nil
}

var httpClient = &http.Client{Timeout: 30 * time.Second}

// login answers an admin bearer token.
func (s *server) login(t testing.TB, email, password string) string {
	t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	status := api(t, httpClient, "POST", s.base+"/api/v1/auth/token", "", map[string]string{"email": email, "password": password}, &out)
	if status != http.StatusOK || out.Token == "" {
		t.Fatalf("login %s: status %d, token %q", email, status, out.Token)
	}
	return out.Token
}

type event struct {
	ID   int64  `json:"id"`
	Slug string `json:"slug"`
}

// createEvent creates a published live event with the given capacity:
// free, with one session on 1 January 2030, unless more sets other fields
// (a price and its providers, other sessions).
func (s *server) createEvent(t testing.TB, token, title string, capacity int64, more ...map[string]any) event {
	t.Helper()
	in := map[string]any{
		"title": title, "kind": "live", "timezone": "UTC", "capacity": capacity, "status": "published",
		"sessions": []map[string]any{{"starts_at": "2030-01-01T10:00:00Z", "duration_minutes": 60}},
	}
	for _, m := range more {
		maps.Copy(in, m)
	}
	var e event
	if status := api(t, httpClient, "POST", s.base+"/api/v1/events", token, in, &e); status != http.StatusCreated || e.ID == 0 || e.Slug == "" {
		t.Fatalf("create event: status %d, %+v", status, e)
	}
	return e
}

// registrationIDs lists the ids of an event's registrations as the admin API
// gives them.
func (s *server) registrationIDs(t testing.TB, token string, eventID int64) map[int64]bool {
	t.Helper()
	var out struct {
		Items []struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		} `json:"items"`
	}
	url := fmt.Sprintf("%s/api/v1/events/%d/registrations", s.base, eventID)
	if status := api(t, httpClient, "GET", url, token, nil, &out); status != http.StatusOK {
		t.Fatalf("GET %s: %d", url, status)
	}
	ids := make(map[int64]bool, len(out.Items))
	for _, r := range out.Items {
		if ids[r.ID] {
			t.Errorf("registration %d listed twice", r.ID)
		}
		ids[r.ID] = true
	}
	return ids
}

// register posts one registration and answers the status and, on 201, the
// registration id.
func register(client *http.Client, base, slug, name, email string) (int, int64, error) {
	status, body, err := doJSON(client, "POST", base+"/api/v1/public/events/"+slug+"/registrations", "",
		map[string]string{"name": name, "email": email})
	if err != nil {
		return status, 0, err
	}
	if status != http.StatusCreated {
		return status, 0, nil
	}
	var out struct {
		Registration struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		} `json:"registration"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return status, 0, fmt.Errorf("201 with %s: %w", body, err)
	}
	if out.Registration.ID == 0 {
		return status, 0, fmt.Errorf("201 without a registration id: %s", body)
	}
	return status, out.Registration.ID, nil
}

// keepAliveClient is an HTTP client for load: keep-alive connections, no
// overall deadline beyond timeout.
func keepAliveClient(conns int, timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
			DisableCompression:  true,
			IdleConnTimeout:     30 * time.Second,
		},
	}
}
