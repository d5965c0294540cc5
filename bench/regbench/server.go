package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

const (
	benchAdmin    = "bench@example.org"
	benchPassword = "regbench-password"
)

// admit is a running admit binary, started by regbench and only ever
// stopped by its own process handle.
type admit struct {
	*child
	base    string // http://127.0.0.1:port
	dataDir string
	logPath string
	client  *http.Client // keep-alive, at most c connections
	token   string       // the bench admin's API token
	// Startup is the time from starting the process to its first healthy
	// answer to /healthz; StartupCPU the CPU time it used meanwhile (what
	// other work on the machine does not inflate); 0 when unknown.
	Startup, StartupCPU time.Duration
}

// child is a process regbench started (admit, the join baseline, nginx);
// it is only ever stopped through its own handle.
type child struct {
	name    string
	cmd     *exec.Cmd
	exited  chan struct{} // closed once the process has exited
	err     error         // its exit status, once exited is closed
	stopped bool
}

// startChild starts cmd with its output appended to logPath; it dies with
// regbench.
func startChild(name string, cmd *exec.Cmd, logPath string) (*child, error) {
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, exited: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.exited)
	}()
	return c, nil
}

// stop ends the process: SIGTERM, then SIGKILL after 15 s. It can be
// called more than once.
func (c *child) stop() error {
	if c.stopped {
		return nil
	}
	c.stopped = true
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
		return c.err
	case <-time.After(15 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
		return fmt.Errorf("%s did not stop within 15s of SIGTERM: killed", c.name)
	}
}

// startAdmit runs bin in dir on a free 127.0.0.1 port with a fresh data
// directory, the bench admin, o.logLevel and env (ADMIT_... settings), waits
// for /healthz and logs the admin in. Every ADMIT_ variable of regbench's
// own environment is dropped. The caller must call stop.
func startAdmit(ctx context.Context, bin, dir string, o options, env ...string) (*admit, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	a := &admit{base: "http://" + addr, dataDir: filepath.Join(dir, "data"), logPath: filepath.Join(dir, "admit.log")}
	cmd := exec.Command(bin)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ADMIT_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env,
		"ADMIT_HTTP__ADDRESS="+addr,
		"ADMIT_HTTP__PUBLIC_URL="+a.base,
		"ADMIT_DATA__DIR="+a.dataDir,
		"ADMIT_ADMIN__EMAIL="+benchAdmin,
		"ADMIT_ADMIN__PASSWORD="+benchPassword,
		"ADMIT_LOG__LEVEL="+o.logLevel,
		// Every simulated buyer comes from 127.0.0.1.
		"ADMIT_LIMITS__PUBLIC_PER_MINUTE=0",
		"ADMIT_LIMITS__HOLDS_PER_CLIENT=0",
	)
	cmd.Env = append(cmd.Env, env...)
	t0 := time.Now()
	if a.child, err = startChild("admit", cmd, a.logPath); err != nil {
		return nil, err
	}
	a.client = keepAliveClient(o.c)
	if err := waitHealthy(ctx, a.client, a.base, a.exited); err != nil {
		a.stop()
		return nil, fmt.Errorf("%w\nserver log:\n%s", err, tailFile(a.logPath, 3000))
	}
	a.Startup = time.Since(t0)
	a.StartupCPU, _ = procCPU(a.cmd.Process.Pid)
	if a.token, err = login(ctx, a.client, a.base); err != nil {
		a.stop()
		return nil, err
	}
	return a, nil
}

// stop ends the server: SIGTERM, then SIGKILL after 15 s. It can be called
// more than once.
func (a *admit) stop() error {
	a.client.CloseIdleConnections()
	return a.child.stop()
}

// cpuUse is the CPU time the server and regbench used during a phase.
type cpuUse struct {
	Server, Client time.Duration
	OK             bool
}

// cpuMeter starts counting the CPU time of the process (and its
// children) and of regbench (in an HTTP phase, its clients); the function
// it returns stops.
func (c *child) cpuMeter() func() cpuUse {
	s0, err1 := treeCPU(c.cmd.Process.Pid)
	c0, err2 := selfCPU()
	return func() cpuUse {
		s1, err3 := treeCPU(c.cmd.Process.Pid)
		c1, err4 := selfCPU()
		return cpuUse{Server: s1 - s0, Client: c1 - c0, OK: errors.Join(err1, err2, err3, err4) == nil}
	}
}

// dbPath is the server's database (main.go: data.dir/admit.db).
func (a *admit) dbPath() string { return filepath.Join(a.dataDir, "admit.db") }

// keepAliveClient talks to 127.0.0.1 over at most c kept-alive connections.
func keepAliveClient(c int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		// Only ever 127.0.0.1: no proxy from the environment.
		Proxy:               nil,
		MaxIdleConns:        c,
		MaxIdleConnsPerHost: c,
		MaxConnsPerHost:     c,
		DisableCompression:  true,
		IdleConnTimeout:     time.Minute,
	}}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// waitHealthy waits for base/healthz to answer 200.
func waitHealthy(ctx context.Context, client *http.Client, base string, exited <-chan struct{}) error {
	return waitAnswer(ctx, client, base+"/healthz", exited, http.StatusOK)
}

// waitAnswer asks url again and again until it answers with status want
// (0: any status), the process exits, or 30 s have passed.
func waitAnswer(ctx context.Context, client *http.Client, url string, exited <-chan struct{}, want int) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("exited before serving")
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		resp, err := client.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if want == 0 || resp.StatusCode == want {
				return nil
			}
		}
		time.Sleep(2 * time.Millisecond) // fine enough to time a start
	}
	return fmt.Errorf("no answer from %s within 30s", url)
}

func postJSON(ctx context.Context, client *http.Client, method, url, token string, in, out any) error {
	var rd io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, bytes.TrimSpace(b))
	}
	return json.Unmarshal(b, out)
}

func login(ctx context.Context, client *http.Client, base string) (string, error) {
	var out struct {
		Token string `json:"token"`
	}
	err := postJSON(ctx, client, "POST", base+"/api/v1/auth/token", "", map[string]string{"email": benchAdmin, "password": benchPassword}, &out)
	return out.Token, err
}

type event struct {
	ID   int64  `json:"id"`
	Slug string `json:"slug"`
}

// createEvent creates a published live event with one session; capacity 0
// is unlimited. extra adds fields (price, providers).
func (a *admit) createEvent(ctx context.Context, capacity int64, extra map[string]any) (event, error) {
	var ev event
	var c any // null: unlimited
	if capacity > 0 {
		c = capacity
	}
	in := map[string]any{
		"title": "Load", "kind": "live", "timezone": "UTC", "capacity": c, "status": "published",
		"sessions": []map[string]any{{"starts_at": "2030-01-01T10:00:00Z", "duration_minutes": 60}},
	}
	for k, v := range extra {
		in[k] = v
	}
	err := postJSON(ctx, a.client, "POST", a.base+"/api/v1/events", a.token, in, &ev)
	if err == nil && ev.Slug == "" {
		err = errors.New("created event has no slug")
	}
	return ev, err
}

// registration is what regbench reads of the admin's registration list.
type registration struct {
	ID         int64  `json:"id"`
	Status     string `json:"status"`
	Provider   string `json:"provider"`
	Amount     int64  `json:"amount"`
	AmountPaid int64  `json:"amount_paid"`
	Currency   string `json:"currency"`
	PaymentID  string `json:"payment_id"`
}

// registrations lists an event's registrations (status "": all) through
// the admin API.
func (a *admit) registrations(ctx context.Context, eventID int64, status string) ([]registration, error) {
	var out struct {
		Items []registration `json:"items"`
	}
	url := fmt.Sprintf("%s/api/v1/events/%d/registrations", a.base, eventID)
	if status != "" {
		url += "?status=" + status
	}
	err := postJSON(ctx, a.client, "GET", url, a.token, nil, &out)
	return out.Items, err
}

func tailFile(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > n {
		_, _ = f.Seek(-n, io.SeekEnd)
	}
	b, _ := io.ReadAll(f)
	return string(b)
}
