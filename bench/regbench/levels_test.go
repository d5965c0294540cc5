package main

import (
	"strings"
	"testing"
	"time"
)

func TestParseLevels(t *testing.T) {
	for in, want := range map[string][]int{"32,64": {32, 64}, " 8 , 16,128": {8, 16, 128}, "1": {1}} {
		got, err := parseLevels(in)
		if err != nil || len(got) != len(want) {
			t.Fatalf("parseLevels(%q) = %v, %v; want %v", in, got, err, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("parseLevels(%q) = %v; want %v", in, got, want)
			}
		}
	}
	for _, in := range []string{"", "0", "32,", "-4", "a,b", "32,32"} {
		if got, err := parseLevels(in); err == nil {
			t.Errorf("parseLevels(%q) = %v, no error", in, got)
		}
	}
}

// TestRenderLevels: one row per measure and concurrency, a verdict and a
// ratio per concurrency, and the checks passed only when every level's did.
func TestRenderLevels(t *testing.T) {
	o := options{n: 100, c: 32, webhooks: 1000, webhookCs: []int{32, 64}, setupC: 32, duration: time.Minute, capacity: 1000000, logLevel: "info"}
	hook := func(name string, applied int, took time.Duration) whResult {
		return whResult{result: result{Name: name, Done: 2 * applied, N: 2 * applied, Elapsed: took}, Regs: applied, Applied: applied, Duplicates: applied}
	}
	out := outcome{
		Raw: result{Name: "RAW", Done: 100, N: 100, Elapsed: time.Second}, Web: result{Name: "HTTP", Done: 100, N: 100, Elapsed: time.Second},
		Webhooks: true,
		Levels: []hookLevel{
			{C: 32, Raw: hook("RAW", 1000, time.Second), Web: hook("HTTP", 1000, 625*time.Millisecond), Setup: setupResult{Regs: 1000, Elapsed: 4 * time.Second}},
			{C: 64, Raw: hook("RAW", 1000, time.Second), Web: hook("HTTP", 1000, 400*time.Millisecond), Setup: setupResult{Regs: 1000, Elapsed: 4 * time.Second}},
		},
	}
	r := render(o, t.TempDir(), out)
	for _, want := range []string{
		"| RAW: SQLite, payment event + registration paid + access mail | 32 | 1000 | 2000 |",
		"| HTTP: admit, signed `POST /webhooks/stripe` | 32 | 1600 | 3200 |",
		"| RAW: SQLite, payment event + registration paid + access mail | 64 | 1000 | 2000 |",
		"| HTTP: admit, signed `POST /webhooks/stripe` | 64 | 2500 | 5000 |",
		"32 concurrent: **not met** (1600/s); 64 concurrent: **met** (2500/s).",
		"1.60 at 32 concurrent; 2.50 at 64 concurrent.",
		"at 32 and 64 concurrent deliveries",
		"256 at 32 concurrent and 512 at 64 concurrent",
		"at every concurrency: passed",
	} {
		if !strings.Contains(r, want) {
			t.Errorf("report lacks %q:\n%s", want, r)
		}
	}

	out.Levels[1].Problems = []string{"HTTP webhooks, 64 concurrent: 999 access mails in the outbox, not 1000"}
	r = render(o, t.TempDir(), out)
	for _, want := range []string{"**failed** at 64 concurrent", "999 access mails"} {
		if !strings.Contains(r, want) {
			t.Errorf("report lacks %q:\n%s", want, r)
		}
	}
}
