package metrics

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

type depth struct{ queued, failed int64 }

func (d depth) OutboxDepth(context.Context) (int64, int64, error) { return d.queued, d.failed, nil }

// TestRegistriesOfTheirOwn: two Metrics live side by side (the default
// registry would refuse the second), and each counts only its own.
func TestRegistriesOfTheirOwn(t *testing.T) {
	a, b := New(depth{3, 1}), New(nil)
	a.Registration("confirmed")
	a.Request("GET", "/a/:token", 200, time.Millisecond)
	b.Webhook("stripe", "applied")
	if n := testutil.ToFloat64(a.registrations.WithLabelValues("confirmed")); n != 1 {
		t.Fatalf("a counted %v registrations", n)
	}
	if n := testutil.ToFloat64(b.registrations.WithLabelValues("confirmed")); n != 0 {
		t.Fatalf("b counted %v registrations", n)
	}
	if err := testutil.GatherAndCompare(a.Registry(), strings.NewReader(`
# HELP admit_mail_outbox Mails in the outbox by status: queued (waiting to be sent, retries included) and failed (given up).
# TYPE admit_mail_outbox gauge
admit_mail_outbox{status="failed"} 1
admit_mail_outbox{status="queued"} 3
`), "admit_mail_outbox"); err != nil {
		t.Fatal(err)
	}
	var none *Metrics // counts nothing, and does not fail
	none.Registration("confirmed")
	none.Request("GET", "/", 200, 0)
}

func TestStatusClass(t *testing.T) {
	for status, want := range map[int]string{200: "2xx", 201: "2xx", 303: "3xx", 404: "4xx", 503: "5xx", 99: "99", 600: "600"} {
		if got := StatusClass(status); got != want {
			t.Errorf("StatusClass(%d) = %s, want %s", status, got, want)
		}
	}
}

// BenchmarkRequest is what each HTTP request pays for the latency
// histogram (and about what a counter costs).
func BenchmarkRequest(b *testing.B) {
	m := New(nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Request("GET", "/a/:token/join", 302, 150*time.Microsecond)
		}
	})
}

func BenchmarkCounter(b *testing.B) {
	m := New(nil)
	b.ReportAllocs()
	for b.Loop() {
		m.Registration("confirmed")
	}
}
