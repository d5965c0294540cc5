// Command regbench measures, in one run, what Admit does, each figure
// beside a baseline doing the same work:
//
//   - free registrations: RAW, a capacity-checked insert straight into
//     SQLite, one transaction each, and RAW group commit, the same inserts
//     as many a transaction as there are clients (the ceiling), beside HTTP,
//     the real admit binary's public API on 127.0.0.1, whose peak memory
//     is read meanwhile; then admit's cold start to a healthy /healthz;
//   - the join link of a live session (GET /a/{token}/join), beside a fiber
//     handler doing one indexed read (regbench join-baseline);
//   - a recording's Range streams (GET /a/{token}/recordings/{id}), beside
//     nginx serving the same file;
//   - signed Stripe webhooks (checkout.session.completed, each delivered
//     twice and applied once): RAW, the payment-event row, the
//     registration's update and its access mail in one transaction, and
//     HTTP, POST /webhooks/stripe on the real binary, connected to
//     stripe-mock; both at each number of concurrent deliveries in
//     -webhook-c, since the server's group commit makes its throughput
//     depend on how many are in flight;
//   - reminders: the time ticketing.SendDueReminders, the reminders job's
//     step, takes in-process to queue the reminders of -reminders
//     confirmed registrations, beside RAW doing the same inserts, and the
//     worst wait of other mail marked sent through the same writer
//     meanwhile.
//
// It writes the figures and their ratios to bench/RESULTS.md.
//
//	go run ./bench/regbench -n 5000 -c 32        (or bench/run.sh)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/mattn/go-sqlite3" // database/sql driver "sqlite3"

	"github.com/admit/admit/plugins/stripe/stripetest"
)

// aim is the registrations' HTTP / RAW ratio the issue asks for.
const aim = 0.6

type options struct {
	n         int
	c         int
	duration  time.Duration
	bin       string
	out       string
	dir       string
	keep      bool
	logLevel  string
	capacity  int64
	webhooks  int   // paid registrations whose webhook is delivered twice; 0: no webhook measure
	webhookCs []int // the concurrencies the webhook phases run at, in turn
	webhookC  int   // the one a webhook phase runs at (set for each of webhookCs)
	setupC    int
	reminders int // registrations whose reminders are queued; 0: no reminder measure
	starts    int // cold starts timed; 0: none
	liveRegs  int // registrations of the live event (join and recording measures); 0: neither
	streams   int // concurrent recording streams; 0: no recording measure
	streamMB  int64
	chunkKB   int64
	rounds    int           // turns of admit and its baseline (join, recordings)
	phaseTime time.Duration // length of each turn
}

// parseLevels reads -webhook-c: positive numbers, comma-separated, each
// once.
func parseLevels(s string) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	for _, f := range strings.Split(s, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || c < 1 {
			return nil, fmt.Errorf("-webhook-c %q: want positive numbers separated by commas, like 32,64", s)
		}
		if seen[c] {
			return nil, fmt.Errorf("-webhook-c %q: %d given twice", s, c)
		}
		seen[c] = true
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("-webhook-c: no concurrency given")
	}
	return out, nil
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == joinBaselineCmd {
		if err := joinBaseline(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "regbench join-baseline:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	var levels string
	flag.IntVar(&o.n, "n", 5000, "registrations per phase (RAW and HTTP), every one with a unique email")
	flag.IntVar(&o.c, "c", 32, "concurrent HTTP keep-alive clients, and RAW goroutines")
	flag.IntVar(&o.webhooks, "webhooks", 3000, "paid registrations whose Stripe webhook is delivered twice, per phase (RAW and HTTP) and concurrency (fresh ones each time); 0: no webhook measure")
	flag.StringVar(&levels, "webhook-c", "32,64", "concurrent deliveries (HTTP: keep-alive clients; RAW: goroutines) to run the webhook phases at, comma-separated: both phases at each, in turn")
	flag.IntVar(&o.setupC, "setup-c", 0, "concurrent clients opening the paid registrations before the webhook phase (default: -c)")
	flag.IntVar(&o.reminders, "reminders", 100000, "confirmed registrations whose reminders are queued, by the server's reminder step and by RAW; 0: no reminder measure")
	flag.IntVar(&o.starts, "starts", 5, "cold starts of admit timed to a healthy /healthz (the median is reported); 0: none")
	flag.IntVar(&o.liveRegs, "live-regs", 1000, "confirmed registrations of the live event whose join links (and, one per stream, recording links) are asked for; 0: no join or recording measure")
	flag.IntVar(&o.streams, "streams", 100, "concurrent Range streams of the recording, each its own registration; 0: no recording measure")
	flag.Int64Var(&o.streamMB, "stream-mb", 128, "the recording's size in MB (64 to 256 suits the aim's setting)")
	flag.Int64Var(&o.chunkKB, "chunk-kb", 1024, "bytes each Range request asks for, in KB, at a random offset")
	flag.IntVar(&o.rounds, "rounds", 4, "turns of admit then its baseline, for the join and recording measures (load moves: each gets its share)")
	flag.DurationVar(&o.phaseTime, "phase-time", 4*time.Second, "length of each turn of the join and recording measures")
	flag.DurationVar(&o.duration, "duration", 2*time.Minute, "upper bound of each phase: a phase that takes longer stops and reports what it did")
	flag.StringVar(&o.bin, "bin", "", "admit binary to measure (default: go build the module into a temporary directory)")
	flag.StringVar(&o.out, "out", "bench/RESULTS.md", "where to write the results (empty: standard output only)")
	flag.StringVar(&o.dir, "dir", "", "directory for the databases (default: a new temporary directory, removed afterwards)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (databases, server logs)")
	flag.Int64Var(&o.capacity, "capacity", 1000000, "the events' capacity; 0: unlimited (no seat count, in RAW as in the server)")
	flag.StringVar(&o.logLevel, "log-level", "info", "the server's log.level (info: as deployed, one access-log line per request)")
	flag.Parse()
	var err error
	if o.webhookCs, err = parseLevels(levels); err != nil {
		fmt.Fprintln(os.Stderr, "regbench:", err)
		os.Exit(2)
	}
	o.webhookC = o.webhookCs[0]
	if o.setupC == 0 {
		o.setupC = o.c
	}
	if o.n < 1 || o.c < 1 || o.webhooks < 0 || o.reminders < 0 || o.setupC < 1 || o.duration <= 0 || o.capacity < 0 ||
		o.starts < 0 || o.liveRegs < 0 || o.streams < 0 || o.rounds < 1 || o.phaseTime <= 0 {
		fmt.Fprintln(os.Stderr, "regbench: -n, -c, -setup-c, -rounds, -phase-time and -duration must be positive, -webhooks, -reminders, -capacity, -starts, -live-regs and -streams not negative")
		os.Exit(2)
	}
	if o.liveRegs == 0 {
		o.streams = 0 // the streams are the live event's registrations'
	}
	if o.streams > 0 && (o.streams > o.liveRegs || o.chunkKB < 1 || o.streamMB<<20 < o.chunkKB<<10+int64(len(mp4Head))) {
		fmt.Fprintln(os.Stderr, "regbench: -streams needs as many -live-regs, -chunk-kb must be positive and -stream-mb larger than a chunk")
		os.Exit(2)
	}
	if o.capacity > 0 && int64(o.webhooks) > o.capacity {
		fmt.Fprintln(os.Stderr, "regbench: -webhooks must not exceed -capacity")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Whatever happens, the whole run ends by itself: two registration
	// phases and, at each webhook concurrency, three (RAW, the HTTP setup,
	// HTTP), each bounded by -duration, two more for the reminders, and a
	// few minutes for the rest.
	phases := 3
	if o.liveRegs > 0 {
		phases += 2 // the live event's setup and the upload, each bounded by -duration
	}
	extra := time.Duration(o.starts)*30*time.Second + 4*time.Duration(o.rounds)*(o.phaseTime+30*time.Second)
	if o.webhooks > 0 {
		phases += 3 * len(o.webhookCs)
	}
	if o.reminders > 0 {
		phases += 2 // RAW and the server's reminders (not bounded by -duration)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(phases)*o.duration+extra+3*time.Minute)
	defer cancel()
	if err := runBench(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "regbench:", err)
		os.Exit(1)
	}
}

// result is one phase's outcome.
type result struct {
	Name     string
	Done     int // operations that succeeded
	Errors   int
	Elapsed  time.Duration
	P50, P99 time.Duration
	Partial  bool // stopped by -duration before n
	N        int  // operations asked for
	FirstErr string
	CPU      cpuUse          // HTTP phases: CPU time used by the server and by the clients
	Bytes    int64           // bytes received (the recording measure)
	lat      []time.Duration // the successful calls' latencies, sorted
}

// percentiles sets P50 and P99 from the sorted latencies.
func (r *result) percentiles() {
	if len(r.lat) > 0 {
		r.P50 = r.lat[len(r.lat)*50/100]
		r.P99 = r.lat[min(len(r.lat)-1, len(r.lat)*99/100)]
	}
}

// ByteRate is bytes received per second.
func (r result) ByteRate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Bytes) / r.Elapsed.Seconds()
}

func (r result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Done) / r.Elapsed.Seconds()
}

// hookLevel is what the webhook phases measured at one concurrency.
type hookLevel struct {
	C        int // concurrent deliveries
	Raw, Web whResult
	Setup    setupResult // the paid registrations opened before Web
	Problems []string    // what this level's checks found wrong
}

// outcome is everything a run measured.
type outcome struct {
	Raw, Web  result
	Group     result          // RAW with group commit: the ceiling
	RSS       int64           // admit's peak resident memory during Web (VmHWM), bytes; 0: unknown
	Anon      int64           // the most anonymous memory sampled during Web
	File      int64           // the file-backed memory at that sample
	Idle      serverInfo      // Web's server just before the load (Idle, IdleAnon, IdleFile)
	First     time.Duration   // Web's server: start on a new data directory to healthy
	Starts    []time.Duration // restarts on Web's data directory to healthy
	StartsCPU []time.Duration // the CPU time each of Starts took
	Live      *result         // the live event's registrations (setup of Join and Streams)
	Join      *joinOutcome
	Streams   *streamOutcome
	Levels    []hookLevel // one per -webhook-c, in its order
	Notes     []string
	Webhooks  bool
	Rem       *remResult // nil: not measured
	Load      string     // /proc/loadavg when the run began: other work on the machine
	Loads     []string   // the load average at the start of each measure
}

// sample notes the load average as a measure starts.
func (o *outcome) sample() { o.Loads = append(o.Loads, loadAvg()) }

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
	if o.webhooks > 0 {
		if _, err := exec.LookPath("stripe-mock"); err != nil {
			return fmt.Errorf("the webhook measure needs stripe-mock on PATH (go install github.com/stripe/stripe-mock@%s), or run with -webhooks 0", stripetest.Version)
		}
	}
	var out outcome
	var err error
	out.Load = loadAvg()

	out.sample()
	fmt.Fprintf(os.Stderr, "regbench: registrations RAW: %d capacity-checked inserts, %d goroutines, one writer…\n", o.n, o.c)
	if out.Raw, err = rawRegister(ctx, filepath.Join(dir, "raw"), o); err != nil {
		return fmt.Errorf("registrations raw: %w", err)
	}
	fmt.Fprintf(os.Stderr, "regbench: registrations RAW: %.0f/s\n", out.Raw.Rate())

	out.sample()
	fmt.Fprintf(os.Stderr, "regbench: registrations RAW group commit: %d inserts, %d a transaction…\n", o.n, o.c)
	if out.Group, err = rawGroupCommit(ctx, filepath.Join(dir, "raw"), o); err != nil {
		return fmt.Errorf("registrations raw group commit: %w", err)
	}
	fmt.Fprintf(os.Stderr, "regbench: registrations RAW group commit: %.0f/s\n", out.Group.Rate())

	out.sample()
	fmt.Fprintf(os.Stderr, "regbench: registrations HTTP: %d registrations, %d keep-alive clients…\n", o.n, o.c)
	var notes []string
	var srvInfo serverInfo
	if out.Web, srvInfo, notes, err = httpRegister(ctx, bin, filepath.Join(dir, "http"), o); err != nil {
		return fmt.Errorf("registrations http: %w", err)
	}
	out.RSS, out.Anon, out.File, out.First, out.Idle = srvInfo.RSS, srvInfo.Anon, srvInfo.File, srvInfo.Startup, srvInfo
	out.Notes = append(out.Notes, notes...)
	fmt.Fprintf(os.Stderr, "regbench: registrations HTTP: %.0f/s, p50 %v, p99 %v, %d errors; peak RSS %.1f MB\n",
		out.Web.Rate(), out.Web.P50, out.Web.P99, out.Web.Errors, float64(out.RSS)/(1<<20))

	if o.starts > 0 {
		out.sample()
		fmt.Fprintf(os.Stderr, "regbench: cold starts: %d restarts on the registration measure's data…\n", o.starts)
		if out.Starts, out.StartsCPU, err = coldStarts(ctx, bin, filepath.Join(dir, "http"), o, o.starts); err != nil {
			return fmt.Errorf("cold starts: %w", err)
		}
		fmt.Fprintf(os.Stderr, "regbench: cold starts: median %v of %v\n", median(out.Starts), out.Starts)
	}

	if o.liveRegs > 0 {
		if err := runLive(ctx, bin, filepath.Join(dir, "live"), o, &out); err != nil {
			return err
		}
	}

	if o.webhooks > 0 {
		out.Webhooks = true
		// At each concurrency, both phases from scratch: a new RAW database,
		// a new server with newly opened paid registrations.
		for _, c := range o.webhookCs {
			lo := o
			lo.webhookC = c
			lv := hookLevel{C: c}
			out.sample()
			fmt.Fprintf(os.Stderr, "regbench: webhooks RAW, %d concurrent: %d paid registrations, each event delivered twice, %d goroutines, one writer…\n", c, o.webhooks, c)
			if lv.Raw, notes, err = rawWebhooks(ctx, filepath.Join(dir, "raw"), lo); err != nil {
				return fmt.Errorf("webhooks raw, %d concurrent: %w", c, err)
			}
			lv.Problems = append(lv.Problems, notes...)
			fmt.Fprintf(os.Stderr, "regbench: webhooks RAW, %d concurrent: %.0f applied/s, %.0f deliveries/s\n", c, lv.Raw.AppliedRate(), lv.Raw.Rate())

			out.sample()
			fmt.Fprintf(os.Stderr, "regbench: webhooks HTTP, %d concurrent: stripe-mock, admit, %d paid registrations (setup, %d clients)…\n", c, o.webhooks, o.setupC)
			if lv.Web, lv.Setup, notes, err = httpWebhooks(ctx, bin, filepath.Join(dir, fmt.Sprintf("webhooks-c%d", c)), lo, func(s setupResult) {
				fmt.Fprintf(os.Stderr, "regbench: webhooks HTTP, %d concurrent: setup took %.1f s; delivering %d events twice, %d keep-alive clients…\n",
					c, s.Elapsed.Seconds(), s.Regs, c)
			}); err != nil {
				return fmt.Errorf("webhooks http, %d concurrent: %w", c, err)
			}
			lv.Problems = append(lv.Problems, notes...)
			fmt.Fprintf(os.Stderr, "regbench: webhooks HTTP, %d concurrent: %.0f applied/s, %.0f deliveries/s, p50 %v, p99 %v, %d errors\n",
				c, lv.Web.AppliedRate(), lv.Web.Rate(), lv.Web.P50, lv.Web.P99, lv.Web.Errors)
			out.Levels = append(out.Levels, lv)
		}
	}

	if o.reminders > 0 {
		out.sample()
		fmt.Fprintf(os.Stderr, "regbench: reminders: %d confirmed registrations, RAW then the server's reminder step…\n", o.reminders)
		r, err := runReminders(ctx, filepath.Join(dir, "reminders"), o.reminders)
		if err != nil {
			return fmt.Errorf("reminders: %w", err)
		}
		out.Rem = &r
		fmt.Fprintf(os.Stderr, "regbench: reminders: RAW %.2f s, admit %.2f s; other mail marked sent meanwhile: %d, worst %v\n",
			r.Raw.Seconds(), r.App.Seconds(), r.Delivered, r.WorstMark)
	}

	report := render(o, dir, out)
	fmt.Print(report)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(report), 0o644); err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "regbench: wrote", o.out)
	}
	return nil
}

// runLive measures, on one server with a live event, the join redirects
// beside their baseline, then the recording streams beside nginx.
func runLive(ctx context.Context, bin, dir string, o options, out *outcome) error {
	fmt.Fprintf(os.Stderr, "regbench: live event: %d free registrations (setup)…\n", o.liveRegs)
	l, err := setupLive(ctx, bin, dir, o, o.liveRegs)
	if err != nil {
		return fmt.Errorf("live event: %w", err)
	}
	defer l.srv.stop()
	out.Live = &l.setup
	out.sample()
	fmt.Fprintf(os.Stderr, "regbench: join: admit and the baseline, %d turns of %v each, %d connections…\n", o.rounds, o.phaseTime, o.c)
	j, err := runJoin(ctx, dir, l, o)
	if err != nil {
		return fmt.Errorf("join: %w", err)
	}
	out.Join = &j
	fmt.Fprintf(os.Stderr, "regbench: join: admit %.0f/s, baseline %.0f/s\n", j.Web.Rate(), j.Base.Rate())
	if o.streams > 0 {
		out.sample()
		fmt.Fprintf(os.Stderr, "regbench: recordings: %d MB file, %d streams of %d KB ranges, admit and nginx, %d turns of %v each…\n",
			o.streamMB, o.streams, o.chunkKB, o.rounds, o.phaseTime)
		st, err := runStreams(ctx, dir, l, o)
		if err != nil {
			return fmt.Errorf("recordings: %w", err)
		}
		out.Streams = &st
		fmt.Fprintf(os.Stderr, "regbench: recordings: admit %.0f MB/s, nginx %.0f MB/s\n", st.Web.ByteRate()/(1<<20), st.Nginx.ByteRate()/(1<<20))
	}
	if err := l.srv.stop(); err != nil {
		out.Notes = append(out.Notes, "stopping the live event's admit: "+err.Error())
	}
	return nil
}

// measure runs do n times from c goroutines, at most duration, and
// collects the latencies of the calls that succeeded. n = 0: as many
// times as duration allows (a timed phase; reaching it is its end, not a
// partial run).
func measure(ctx context.Context, name string, n, c int, duration time.Duration, do func(worker int, i int64) error) (result, error) {
	res := result{Name: name, N: n}
	limit := int64(n)
	if n <= 0 {
		limit = math.MaxInt64
	}
	var (
		next     atomic.Int64
		mu       sync.Mutex
		lat      = make([]time.Duration, 0, min(max(n, 0), 1<<20))
		errs     int
		firstErr error
		wg       sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	start := time.Now()
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			local := make([]time.Duration, 0, min(max(n, 0), 1<<20)/c+1)
			var lerrs int
			var lfirst error
			for ctx.Err() == nil {
				i := next.Add(1)
				if i > limit {
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
	res.Partial = n > 0 && ctx.Err() != nil && len(lat)+errs < n
	if n <= 0 {
		res.N = len(lat) + errs
	}
	if firstErr != nil {
		res.FirstErr = firstErr.Error()
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	res.lat = lat
	res.percentiles()
	return res, nil
}

// loadAvg is the machine's load average (1, 5 and 15 minutes), which says
// whether other work shared the CPUs with the run.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], ", ")
	}
	return "unknown"
}
