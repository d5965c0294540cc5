// Command regbench measures how many free registrations per second Admit
// takes, twice in one run: RAW, a capacity-checked insert straight into
// SQLite with the server's settings, and HTTP, through the real admit binary
// on 127.0.0.1. It writes both figures and their ratio to bench/RESULTS.md.
//
//	go run ./bench/regbench -n 20000 -c 32        (or bench/run.sh)
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/template"
	"time"

	_ "github.com/mattn/go-sqlite3" // database/sql driver "sqlite3"
)

// aim is the HTTP / RAW ratio the issue asks for.
const aim = 0.6

type options struct {
	n        int
	c        int
	duration time.Duration
	bin      string
	out      string
	dir      string
	keep     bool
	logLevel string
	capacity int64
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 20000, "registrations per phase (RAW and HTTP), every one with a unique email")
	flag.IntVar(&o.c, "c", 32, "concurrent HTTP keep-alive clients, and RAW goroutines")
	flag.DurationVar(&o.duration, "duration", 2*time.Minute, "upper bound of each phase: a phase that takes longer stops and reports what it did")
	flag.StringVar(&o.bin, "bin", "", "admit binary to measure (default: go build the module into a temporary directory)")
	flag.StringVar(&o.out, "out", "bench/RESULTS.md", "where to write the results (empty: standard output only)")
	flag.StringVar(&o.dir, "dir", "", "directory for the databases (default: a new temporary directory, removed afterwards)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (databases, server log)")
	flag.Int64Var(&o.capacity, "capacity", 1000000, "the event's capacity; 0: unlimited (no seat count, in RAW as in the server)")
	flag.StringVar(&o.logLevel, "log-level", "info", "the server's log.level during the HTTP phase (info: as deployed, one access-log line per request)")
	flag.Parse()
	if o.n < 1 || o.c < 1 || o.duration <= 0 || o.capacity < 0 {
		fmt.Fprintln(os.Stderr, "regbench: -n, -c and -duration must be positive, -capacity not negative")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Whatever happens, the whole run ends by itself.
	ctx, cancel := context.WithTimeout(ctx, 2*o.duration+3*time.Minute)
	defer cancel()
	if err := runBench(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "regbench:", err)
		os.Exit(1)
	}
}

// result is one phase's outcome.
type result struct {
	Name     string
	Done     int // registrations that succeeded
	Errors   int
	Elapsed  time.Duration
	P50, P99 time.Duration
	Partial  bool // stopped by -duration before n
	FirstErr string
}

func (r result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Done) / r.Elapsed.Seconds()
}

func runBench(ctx context.Context, o options) error {
	dir := o.dir
	if dir == "" {
		d, err := os.MkdirTemp("", "regbench-")
		if err != nil {
			return err
		}
		dir = d
		if !o.keep {
			defer os.RemoveAll(dir)
		}
	} else if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(os.Stderr, "regbench: keeping", dir)
	}
	bin := o.bin
	if bin == "" {
		bin = filepath.Join(dir, "admit")
		fmt.Fprintln(os.Stderr, "regbench: building admit…")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build (run regbench from the repository root, or pass -bin): %v\n%s", err, out)
		}
	}

	fmt.Fprintf(os.Stderr, "regbench: RAW: %d capacity-checked inserts, %d goroutines, one writer…\n", o.n, o.c)
	raw, err := rawPhase(ctx, filepath.Join(dir, "raw"), o)
	if err != nil {
		return fmt.Errorf("raw: %w", err)
	}
	fmt.Fprintf(os.Stderr, "regbench: RAW: %.0f registrations/s\n", raw.Rate())

	fmt.Fprintf(os.Stderr, "regbench: HTTP: %d registrations, %d keep-alive clients…\n", o.n, o.c)
	web, notes, err := httpPhase(ctx, bin, filepath.Join(dir, "http"), o)
	if err != nil {
		return fmt.Errorf("http: %w", err)
	}
	fmt.Fprintf(os.Stderr, "regbench: HTTP: %.0f registrations/s, p50 %v, p99 %v, %d errors\n", web.Rate(), web.P50, web.P99, web.Errors)

	report := render(o, dir, raw, web, notes)
	fmt.Print(report)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(report), 0o644); err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "regbench: wrote", o.out)
	}
	return nil
}

// ---- RAW ----------------------------------------------------------------

// rawSchema mirrors the server's registrations table (app/store/migrations)
// with its indexes, so an insert maintains as many b-trees as the server's.
const rawSchema = `
CREATE TABLE events (id INTEGER PRIMARY KEY, capacity INTEGER);
CREATE TABLE registrations (
    id               INTEGER PRIMARY KEY,
    event_id         INTEGER NOT NULL REFERENCES events(id),
    session_id       INTEGER,
    name             TEXT NOT NULL,
    email            TEXT NOT NULL,
    email_norm       TEXT NOT NULL,
    status           TEXT NOT NULL,
    role             TEXT NOT NULL DEFAULT 'attendee',
    locale           TEXT NOT NULL DEFAULT 'en',
    amount           INTEGER NOT NULL DEFAULT 0,
    currency         TEXT NOT NULL DEFAULT '',
    amount_paid      INTEGER NOT NULL DEFAULT 0,
    amount_refunded  INTEGER NOT NULL DEFAULT 0,
    tier             TEXT NOT NULL DEFAULT '',
    promo_code       TEXT NOT NULL DEFAULT '',
    provider         TEXT NOT NULL DEFAULT '',
    token_nonce      BLOB NOT NULL,
    token_hash       BLOB NOT NULL UNIQUE,
    hold_expires_at  INTEGER,
    last_mailed_at   INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX registrations_seats ON registrations(event_id, session_id, status, hold_expires_at);
CREATE INDEX registrations_email ON registrations(event_id, email_norm);
CREATE UNIQUE INDEX registrations_one_active ON registrations(event_id, ifnull(session_id, 0), email_norm)
    WHERE status IN ('pending_payment', 'pending_approval', 'confirmed', 'partially_refunded');
`

// The server's count-seats query (app/store/queries/registrations.sql).
const rawCount = `SELECT COUNT(*) FROM registrations
WHERE event_id = ? AND ifnull(session_id, 0) = ?
  AND (status IN ('confirmed', 'pending_approval', 'partially_refunded')
       OR (status = 'pending_payment' AND (hold_expires_at IS NULL OR hold_expires_at > ?)))`

const rawInsert = `INSERT INTO registrations(event_id, session_id, name, email, email_norm, status, token_nonce, token_hash,
    created_at, updated_at) VALUES (?, NULL, ?, ?, ?, 'confirmed', ?, ?, ?, ?)`

func rawPhase(ctx context.Context, dir string, o options) (result, error) {
	res := result{Name: "RAW"}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return res, err
	}
	path := filepath.Join(dir, "raw.db")
	// The server's writer: WAL, synchronous=FULL, one connection, BEGIN IMMEDIATE.
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_busy_timeout=10000&_foreign_keys=on&_synchronous=FULL&_txlock=immediate")
	if err != nil {
		return res, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	if _, err := db.ExecContext(ctx, "PRAGMA journal_size_limit = 67108864"); err != nil {
		return res, err
	}
	if _, err := db.ExecContext(ctx, rawSchema); err != nil {
		return res, err
	}
	var capacity any // NULL: unlimited
	if o.capacity > 0 {
		capacity = o.capacity
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO events(id, capacity) VALUES (1, ?)", capacity); err != nil {
		return res, err
	}
	count, err := db.PrepareContext(ctx, rawCount)
	if err != nil {
		return res, err
	}
	defer count.Close()
	insert, err := db.PrepareContext(ctx, rawInsert)
	if err != nil {
		return res, err
	}
	defer insert.Close()

	one := func(i int64) error {
		tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		now := time.Now().Unix()
		if o.capacity > 0 {
			var taken int64
			if err := tx.StmtContext(ctx, count).QueryRowContext(ctx, 1, 0, now).Scan(&taken); err != nil {
				return err
			}
			if taken >= o.capacity {
				return errors.New("sold out")
			}
		}
		nonce, hash := make([]byte, 16), make([]byte, 32)
		_, _ = rand.Read(nonce)
		_, _ = rand.Read(hash)
		email := fmt.Sprintf("raw-%d@example.org", i)
		if _, err := tx.StmtContext(ctx, insert).ExecContext(ctx, 1, fmt.Sprintf("Raw %d", i), email, email, nonce, hash, now, now); err != nil {
			return err
		}
		return tx.Commit()
	}
	return measure(ctx, "RAW", o, func(_ int, i int64) error { return one(i) })
}

// measure runs do n times from c goroutines, at most o.duration, and
// collects latencies.
func measure(ctx context.Context, name string, o options, do func(worker int, i int64) error) (result, error) {
	res := result{Name: name}
	var (
		next     atomic.Int64
		mu       sync.Mutex
		lat      = make([]time.Duration, 0, o.n)
		errs     int
		firstErr error
		wg       sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	start := time.Now()
	for w := 0; w < o.c; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			local := make([]time.Duration, 0, o.n/o.c+1)
			var lerrs int
			var lfirst error
			for ctx.Err() == nil {
				i := next.Add(1)
				if i > int64(o.n) {
					break
				}
				t0 := time.Now()
				err := do(w, i)
				if err != nil {
					lerrs++
					if lfirst == nil {
						lfirst = err
					}
					continue
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, local...)
			errs += lerrs
			if firstErr == nil {
				firstErr = lfirst
			}
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Done, res.Errors = len(lat), errs
	res.Partial = ctx.Err() != nil && len(lat)+errs < o.n
	if firstErr != nil {
		res.FirstErr = firstErr.Error()
	}
	if len(lat) > 0 {
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		res.P50 = lat[len(lat)*50/100]
		res.P99 = lat[min(len(lat)-1, len(lat)*99/100)]
	}
	return res, nil
}

// ---- HTTP ---------------------------------------------------------------

const (
	benchAdmin    = "bench@example.org"
	benchPassword = "regbench-password"
)

func httpPhase(ctx context.Context, bin, dir string, o options) (result, []string, error) {
	res := result{Name: "HTTP"}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return res, nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return res, nil, err
	}
	base := "http://" + addr
	logPath := filepath.Join(dir, "admit.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return res, nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr()
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ADMIT_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env,
		"ADMIT_HTTP__ADDRESS="+addr,
		"ADMIT_HTTP__PUBLIC_URL="+base,
		"ADMIT_DATA__DIR="+filepath.Join(dir, "data"),
		"ADMIT_ADMIN__EMAIL="+benchAdmin,
		"ADMIT_ADMIN__PASSWORD="+benchPassword,
		"ADMIT_LOG__LEVEL="+o.logLevel,
	)
	if err := cmd.Start(); err != nil {
		return res, nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	stopServer := func() error {
		if stopped {
			return nil
		}
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			return err
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			return errors.New("admit did not stop within 15s of SIGTERM: killed")
		}
	}
	defer stopServer()

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		// Only ever 127.0.0.1: no proxy from the environment.
		Proxy:               nil,
		MaxIdleConns:        o.c,
		MaxIdleConnsPerHost: o.c,
		MaxConnsPerHost:     o.c,
		DisableCompression:  true,
		IdleConnTimeout:     time.Minute,
	}}
	defer client.CloseIdleConnections()
	if err := waitHealthy(ctx, client, base, exited); err != nil {
		return res, nil, fmt.Errorf("%w\nserver log:\n%s", err, tailFile(logPath, 3000))
	}
	token, err := login(ctx, client, base)
	if err != nil {
		return res, nil, err
	}
	ev, err := createEvent(ctx, client, base, token, o.capacity)
	if err != nil {
		return res, nil, err
	}
	url := base + "/api/v1/public/events/" + ev.Slug + "/registrations"
	res, err = measure(ctx, "HTTP", o, func(_ int, i int64) error {
		body := fmt.Sprintf(`{"name":"Bench %d","email":"http-%d@example.org"}`, i, i)
		req, err := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(b))
		}
		return nil
	})
	if err != nil {
		return res, nil, err
	}

	var notes []string
	// Cross-check: the server stored as many registrations as it answered 201.
	if n, err := countRegistrations(ctx, client, base, token, ev.ID); err != nil {
		notes = append(notes, "could not count the stored registrations: "+err.Error())
	} else if n != res.Done {
		notes = append(notes, fmt.Sprintf("the server answered 201 %d times but lists %d registrations", res.Done, n))
	}
	client.CloseIdleConnections()
	if err := stopServer(); err != nil {
		notes = append(notes, "stopping admit: "+err.Error())
	}
	return res, notes, nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitHealthy(ctx context.Context, client *http.Client, base string, exited <-chan error) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("admit exited before serving: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("admit did not answer /healthz within 30s")
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

func createEvent(ctx context.Context, client *http.Client, base, token string, capacity int64) (event, error) {
	var ev event
	var c any // null: unlimited
	if capacity > 0 {
		c = capacity
	}
	err := postJSON(ctx, client, "POST", base+"/api/v1/events", token, map[string]any{
		"title": "Load", "kind": "live", "timezone": "UTC", "capacity": c, "status": "published",
		"sessions": []map[string]any{{"starts_at": "2030-01-01T10:00:00Z", "duration_minutes": 60}},
	}, &ev)
	if err == nil && ev.Slug == "" {
		err = errors.New("created event has no slug")
	}
	return ev, err
}

func countRegistrations(ctx context.Context, client *http.Client, base, token string, id int64) (int, error) {
	var out struct {
		Items []json.RawMessage `json:"items"`
	}
	err := postJSON(ctx, client, "GET", fmt.Sprintf("%s/api/v1/events/%d/registrations", base, id), token, nil, &out)
	return len(out.Items), err
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

// ---- report -------------------------------------------------------------

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// fsType is the file system that holds dir (from /proc/mounts): fsync costs
// differ widely between ext4, overlay and tmpfs.
func fsType(dir string) string {
	b, err := os.ReadFile("/proc/mounts")
	if err != nil {
		return "unknown"
	}
	abs, _ := filepath.Abs(dir)
	best, typ := "", "unknown"
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		mnt := f[1]
		if (abs == mnt || strings.HasPrefix(abs, strings.TrimSuffix(mnt, "/")+"/")) && len(mnt) > len(best) {
			best, typ = mnt, f[2]
		}
	}
	return typ
}

// gitCommit names the source measured (the binary is built from the
// working tree: "-dirty" when it has changes not committed).
func gitCommit() string {
	out, err := exec.Command("git", "describe", "--always", "--dirty").Output()
	if err != nil {
		return "unknown (not a git checkout)"
	}
	return "commit " + strings.TrimSpace(string(out))
}

func goVersion() string {
	out, err := exec.Command("go", "version").Output()
	if err != nil {
		return runtime.Version() + " (regbench's)"
	}
	return strings.TrimSpace(string(out))
}

var reportTmpl = template.Must(template.New("r").Funcs(template.FuncMap{
	"rate": func(r result) string { return fmt.Sprintf("%.0f", r.Rate()) },
	"ms":   func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) },
	"sec":  func(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) },
}).Parse(`# Registration throughput

Generated by ` + "`bench/run.sh`" + ` (` + "`bench/regbench`" + `) on {{.Date}}.

## Machine

| | |
| --- | --- |
| CPUs (nproc) | {{.NProc}} |
| CPU | {{.CPU}} |
| Go | {{.Go}} |
| admit | {{.Commit}} |
| OS | {{.OS}} |
| database file system | {{.FS}} |

## Results

{{.N}} free registrations per phase, every one with a unique email, on one
event with {{if .Capacity}}capacity {{.Capacity}}{{else}}no capacity (unlimited: no seat count){{end}}; {{.C}} concurrent clients
(HTTP: keep-alive connections; RAW: goroutines).

| measure | registrations/s | p50 | p99 | errors | took |
| --- | ---: | ---: | ---: | ---: | ---: |
| RAW: SQLite, capacity-checked insert | {{rate .Raw}} | {{ms .Raw.P50}} | {{ms .Raw.P99}} | {{.Raw.Errors}} | {{sec .Raw.Elapsed}} |
| HTTP: admit, ` + "`POST /api/v1/public/events/{slug}/registrations`" + ` | {{rate .Web}} | {{ms .Web.P50}} | {{ms .Web.P99}} | {{.Web.Errors}} | {{sec .Web.Elapsed}} |

**Ratio HTTP / RAW: {{printf "%.2f" .Ratio}}** — aim ≥ {{.Aim}}: {{if .Met}}met{{else}}**not met**{{end}}.
{{if .Notes}}
Notes:
{{range .Notes}}
- {{.}}{{end}}
{{end}}
RAW is what a registration costs in the database alone, committed on its
own (one fsync each), with the server's settings: WAL, ` + "`synchronous=FULL`" + `,
one writer connection opened with ` + "`_txlock=immediate`" + `, and per
registration ` + "`BEGIN IMMEDIATE`" + `, the server's ` + "`count-seats`" + ` query (when
the event has a capacity), one ` + "`INSERT`" + ` into a copy of the server's
` + "`registrations`" + ` table (same indexes), ` + "`COMMIT`" + `. HTTP is the real
server, with everything else as well: fiber, JSON, validation, the event
lookup, the duplicate check, the access token, the access email queued in
the outbox, the access log (server ` + "`log.level`" + ` = {{.LogLevel}}). The server
may commit several concurrent registrations in one transaction (group
commit), so HTTP can beat RAW. Client and server share the machine; latency
is measured by the client, from sending the request to reading the whole
answer.

## Rerun

    bench/run.sh                          # from the repository root
    bench/run.sh -n 50000 -c 64           # more registrations, more clients
    bench/run.sh -capacity 0              # unlimited event: no seat count
    go run ./bench/regbench -h            # every flag (-n, -c, -duration, -capacity, -bin, -out, -dir, -keep, -log-level)

` + "`-duration`" + ` bounds each phase (default 2m); a phase that hits it reports
what it did. The server listens on 127.0.0.1 only and is stopped (SIGTERM,
then SIGKILL) before regbench exits.
`))

func render(o options, dir string, raw, web result, notes []string) string {
	ratio := 0.0
	if raw.Rate() > 0 {
		ratio = web.Rate() / raw.Rate()
	}
	uname := runtime.GOOS + "/" + runtime.GOARCH
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		uname += ", Linux " + strings.TrimSpace(string(b))
	}
	for _, r := range []result{raw, web} {
		if r.Partial {
			notes = append(notes, fmt.Sprintf("%s stopped at -duration %v after %d of %d registrations", r.Name, o.duration, r.Done+r.Errors, o.n))
		}
		if r.FirstErr != "" {
			notes = append(notes, fmt.Sprintf("%s first error: %s", r.Name, r.FirstErr))
		}
	}
	var buf bytes.Buffer
	err := reportTmpl.Execute(&buf, map[string]any{
		"Date": time.Now().UTC().Format("2006-01-02 15:04 UTC"), "NProc": runtime.NumCPU(), "CPU": cpuModel(),
		"Go": goVersion(), "OS": uname, "FS": fsType(dir), "N": o.n, "C": o.c, "Raw": raw, "Web": web,
		"Ratio": ratio, "Aim": aim, "Met": ratio >= aim, "Notes": notes, "LogLevel": o.logLevel, "Capacity": o.capacity, "Commit": gitCommit(),
	})
	if err != nil {
		panic(err)
	}
	return buf.String()
}
