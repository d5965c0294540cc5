package main

import (
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// summaryRow is one line of the report's summary: a figure of admit beside
// its baseline from the same run, their ratio, the aim and whether it is
// met.
type summaryRow struct {
	What, Admit, Base, Ratio, Aim, Verdict string
}

func verdict(met bool) string {
	if met {
		return "**pass**"
	}
	return "**miss**"
}

func ratioOf(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

func msOf(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d.Microseconds())/1000) }

func mbOf(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

// summarize lists every figure the run measured beside its baseline.
func summarize(o options, out outcome) []summaryRow {
	var rows []summaryRow
	r := ratioOf(out.Web.Rate(), out.Raw.Rate())
	rows = append(rows, summaryRow{"free registrations/s, against one transaction per insert (RAW)",
		fmt.Sprintf("%.0f", out.Web.Rate()), fmt.Sprintf("%.0f", out.Raw.Rate()), fmt.Sprintf("%.2f", r),
		fmt.Sprintf("≥ %.1f", aim), verdict(r >= aim)})
	if out.Group.Elapsed > 0 {
		g := ratioOf(out.Web.Rate(), out.Group.Rate())
		rows = append(rows, summaryRow{fmt.Sprintf("free registrations/s, against the group-commit ceiling (RAW, %d a transaction)", o.c),
			fmt.Sprintf("%.0f", out.Web.Rate()), fmt.Sprintf("%.0f", out.Group.Rate()), fmt.Sprintf("%.2f", g), "none set (how close to SQLite)", "—"})
	}
	if out.RSS > 0 {
		rows = append(rows, summaryRow{"admit's peak resident memory under the registration load (VmHWM)",
			rssCell(out), "—", "—", "≤ " + mbOf(rssAim), verdict(out.RSS <= rssAim)})
	}
	if len(out.Starts) > 0 {
		m := median(out.Starts)
		rows = append(rows, summaryRow{fmt.Sprintf("cold start to a healthy `/healthz`, median of %d restarts", len(out.Starts)),
			fmt.Sprintf("%s (CPU %s)", msOf(m), msOf(median(out.StartsCPU))), "—", "—", "≤ " + msOf(startupAim), verdict(m <= startupAim)})
	}
	if j := out.Join; j != nil {
		jr := ratioOf(j.Web.Rate(), j.Base.Rate())
		rows = append(rows, summaryRow{"`GET /a/{token}/join` redirects/s, against a fiber handler doing one indexed read",
			fmt.Sprintf("%.0f", j.Web.Rate()), fmt.Sprintf("%.0f", j.Base.Rate()), fmt.Sprintf("%.2f", jr),
			fmt.Sprintf("≥ %.1f", joinAim), verdict(jr >= joinAim && j.Web.Errors == 0)})
	}
	if s := out.Streams; s != nil {
		sr := ratioOf(s.Web.ByteRate(), s.Nginx.ByteRate())
		rows = append(rows, summaryRow{fmt.Sprintf("recording MB/s over %d concurrent Range streams, against nginx serving the same file", s.Streams),
			fmt.Sprintf("%.0f", s.Web.ByteRate()/(1<<20)), fmt.Sprintf("%.0f", s.Nginx.ByteRate()/(1<<20)), fmt.Sprintf("%.2f", sr),
			fmt.Sprintf("≥ %.1f", streamAim), verdict(sr >= streamAim && s.Web.Errors == 0)})
	}
	for _, l := range out.Levels {
		lr := ratioOf(l.Web.AppliedRate(), l.Raw.AppliedRate())
		rows = append(rows, summaryRow{fmt.Sprintf("Stripe webhooks applied/s at %d concurrent, against RAW", l.C),
			fmt.Sprintf("%.0f", l.Web.AppliedRate()), fmt.Sprintf("%.0f", l.Raw.AppliedRate()), fmt.Sprintf("%.2f", lr),
			fmt.Sprintf("≥ %.0f/s", webhookAim), verdict(l.Web.AppliedRate() >= webhookAim)})
	}
	if rem := out.Rem; rem != nil {
		rows = append(rows, summaryRow{fmt.Sprintf("time to queue the reminders of %d registrations, against RAW", rem.N),
			fmt.Sprintf("%.2f s", rem.App.Seconds()), fmt.Sprintf("%.2f s", rem.Raw.Seconds()),
			fmt.Sprintf("%.2f", ratioOf(rem.App.Seconds(), rem.Raw.Seconds())), fmt.Sprintf("< %.0f s", reminderAim.Seconds()),
			verdict(rem.App < reminderAim && len(rem.Problems) == 0)})
	}
	return rows
}

// busyNote says, from the load averages sampled during the run, how much
// other work shared the machine. The load read before the first measure
// says it: later readings carry the bench's own clients and servers (the
// 1-minute average takes each measure into the next), which on 2 CPUs push
// it above the CPU count by themselves.
func busyNote(loads []string) string {
	var vals []float64
	for _, l := range loads {
		if f, err := strconv.ParseFloat(strings.SplitN(l, ",", 2)[0], 64); err == nil {
			vals = append(vals, f)
		}
	}
	if len(vals) == 0 {
		return ""
	}
	n := runtime.NumCPU()
	start, hi := vals[0], slices.Max(vals)
	span := fmt.Sprintf("The 1-minute load average was %.1f on %d CPUs before the first measure, and at most %.1f at the start of a later one (the bench's own clients and servers count in it).", start, n, hi)
	if start <= float64(n)/2 {
		return span + ` The machine was otherwise quiet. Figures still move from
run to run on a shared virtual machine; the ratios are the fairer reading:
each compares two things measured on the same machine minutes apart, and
the join and recording measures alternate admit and its baseline in short
turns so that both meet the same moments.`
	}
	return span + ` **The machine was shared with other work during this
run**: the figures are lower than the machine gives when idle, and they
move from run to run. The ratios are the fairer reading: each compares two
things measured on the same machine minutes apart, and the join and
recording measures alternate admit and its baseline in short turns so that
both meet the same moments of load.`
}

// joinView and streamView are the join and recording sections' figures.
type joinView struct {
	*joinOutcome
	Ratio float64
	Met   bool
	CPU   []string
}

type streamView struct {
	*streamOutcome
	Ratio   float64
	Met     bool
	CPU     []string
	AdmitMB string
	NginxMB string
}

// cpuPair says what CPU each side of a turn-by-turn measure took.
func cpuPair(name string, r result, baseName string, b result) []string {
	var out []string
	for _, x := range []struct {
		n string
		r result
	}{{name, r}, {baseName, b}} {
		if !x.r.CPU.OK || x.r.Elapsed <= 0 {
			continue
		}
		share := func(d time.Duration) float64 {
			return 100 * d.Seconds() / (x.r.Elapsed.Seconds() * float64(runtime.NumCPU()))
		}
		out = append(out, fmt.Sprintf("%s's turns: the server %.1f s of CPU (%.0f %% of the %d CPUs' time), regbench's clients %.1f s (%.0f %%)",
			x.n, x.r.CPU.Server.Seconds(), share(x.r.CPU.Server), runtime.NumCPU(), x.r.CPU.Client.Seconds(), share(x.r.CPU.Client)))
	}
	return out
}

// rssCell is the peak memory, with its anonymous part when sampled.
func rssCell(out outcome) string {
	if out.Anon == 0 {
		return mbOf(out.RSS)
	}
	return fmt.Sprintf("%s (anonymous at most %s)", mbOf(out.RSS), mbOf(out.Anon))
}
