// Package metrics counts what Admit does, for GET /metrics in the
// Prometheus text format. Each Metrics has a registry of its own (never the
// process-wide default), so a test can build several servers side by side.
//
// The domain packages do not import this one: each declares the small
// interface or hook it calls (ticketing.Metrics, mail.Dispatcher.Observe,
// jobs.Options.Observe), and main wires a Metrics into them.
//
// Counting is an atomic add on a counter found by its labels: a few
// hundred nanoseconds beside a request that writes to SQLite or reads a
// token. Label values come from fixed sets (outcomes, route patterns,
// provider names Admit knows), never from the request, so the number of
// series stays bounded.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Outbox counts the mails waiting in the outbox and those that failed for
// good, read at each scrape.
type Outbox interface {
	OutboxDepth(ctx context.Context) (queued, failed int64, err error)
}

// Metrics holds Admit's counters and their registry. A nil *Metrics counts
// nothing.
type Metrics struct {
	reg           *prometheus.Registry
	registrations *prometheus.CounterVec
	payments      *prometheus.CounterVec
	refunds       *prometheus.CounterVec
	webhooks      *prometheus.CounterVec
	mail          *prometheus.CounterVec
	jobs          *prometheus.CounterVec
	requests      *prometheus.HistogramVec
}

// LatencyBuckets are the HTTP latency histogram's upper bounds, in seconds:
// from a cached page (a millisecond) to a slow provider call (10 s).
var LatencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// New returns the metrics on a registry of their own, with the Go runtime's
// and the process's collectors; outbox (nil: none) gives the mail queue's
// depth at each scrape.
func New(outbox Outbox) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		registrations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "admit_registrations_total",
			Help: "Registrations by outcome: each status a registration reaches, whatever made it (public form or API, added by an organizer, waiting-list offer, approval, payment, bank transfer marked paid, expiry, cancellation, refund), or the error code that refused a public registration (sold_out, validation, ...)."},
			[]string{"outcome"}),
		payments: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "admit_payments_total",
			Help: "Provider payment events that changed a registration, by provider and kind (paid, failed, expired, refunded)."},
			[]string{"provider", "kind"}),
		refunds: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "admit_refunds_total",
			Help: "Refunds sent to a provider, by provider and outcome (succeeded, refused or given up: failed, not reached and retried: retry)."},
			[]string{"provider", "outcome"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "admit_webhooks_total",
			Help: "Incoming provider webhooks by provider and outcome (applied, duplicate, ignored, bad_signature, error)."},
			[]string{"provider", "outcome"}),
		mail: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "admit_mail_deliveries_total",
			Help: "Mail delivery attempts by outcome (sent, retry: not sent and tried again later, failed: given up)."},
			[]string{"outcome"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "admit_job_runs_total",
			Help: "Scheduled job runs by job and outcome (ok, error, panic)."},
			[]string{"job", "outcome"}),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "admit_http_request_duration_seconds",
			Help:    "HTTP request latency by method, route pattern (never the raw path) and status class.",
			Buckets: LatencyBuckets},
			[]string{"method", "route", "status"}),
	}
	m.reg.MustRegister(m.registrations, m.payments, m.refunds, m.webhooks, m.mail, m.jobs, m.requests,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if outbox != nil {
		m.reg.MustRegister(outboxCollector{outbox})
	}
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Registry is the metrics' own registry (tests gather it).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Registration counts a registration reaching a status, or a public
// registration refused (its error code).
func (m *Metrics) Registration(outcome string) {
	if m != nil {
		m.registrations.WithLabelValues(outcome).Inc()
	}
}

// Payment counts a provider event that changed a registration.
func (m *Metrics) Payment(provider, kind string) {
	if m != nil {
		m.payments.WithLabelValues(provider, kind).Inc()
	}
}

// Refund counts a refund sent to a provider.
func (m *Metrics) Refund(provider, outcome string) {
	if m != nil {
		m.refunds.WithLabelValues(provider, outcome).Inc()
	}
}

// Webhook counts an incoming webhook by outcome.
func (m *Metrics) Webhook(provider, outcome string) {
	if m != nil {
		m.webhooks.WithLabelValues(provider, outcome).Inc()
	}
}

// Mail counts a delivery attempt by outcome.
func (m *Metrics) Mail(outcome string) {
	if m != nil {
		m.mail.WithLabelValues(outcome).Inc()
	}
}

// Job counts a job run by outcome.
func (m *Metrics) Job(name, outcome string) {
	if m != nil {
		m.jobs.WithLabelValues(name, outcome).Inc()
	}
}

// statusClasses are the status labels, so that a request allocates none.
var statusClasses = [...]string{"1xx", "2xx", "3xx", "4xx", "5xx"}

// StatusClass is a status code's class label ("2xx").
func StatusClass(status int) string {
	if c := status/100 - 1; c >= 0 && c < len(statusClasses) {
		return statusClasses[c]
	}
	return strconv.Itoa(status)
}

// Request observes one HTTP request's latency under its route pattern.
func (m *Metrics) Request(method, route string, status int, d time.Duration) {
	if m != nil {
		m.requests.WithLabelValues(method, route, StatusClass(status)).Observe(d.Seconds())
	}
}

// outboxCollector reads the mail queue at each scrape: nothing is counted
// on the way a mail is queued or sent.
type outboxCollector struct{ ob Outbox }

var (
	outboxDesc = prometheus.NewDesc("admit_mail_outbox", "Mails in the outbox by status: queued (waiting to be sent, retries included) and failed (given up).",
		[]string{"status"}, nil)
	outboxUpDesc = prometheus.NewDesc("admit_mail_outbox_readable", "1 when the outbox could be read for this scrape, 0 when not.", nil, nil)
)

func (o outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxDesc
	ch <- outboxUpDesc
}

func (o outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	queued, failed, err := o.ob.OutboxDepth(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(outboxUpDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(outboxUpDesc, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(queued), "queued")
	ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(failed), "failed")
}
