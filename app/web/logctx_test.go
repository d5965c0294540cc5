package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/admit/admit/app/jobs"
	"github.com/admit/admit/app/mail"
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/store"
	"github.com/admit/admit/app/ticketing"
)

// jsonLine is the last JSON line of l whose msg is msg (nil: none).
func jsonLine(t *testing.T, l *logBuffer, msg string) map[string]any {
	t.Helper()
	var found map[string]any
	for _, s := range strings.Split(strings.TrimSpace(l.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatalf("a log line is not JSON: %v\n%s", err, s)
		}
		if strings.Count(s, `"request_id"`) > 1 {
			t.Errorf("request_id twice in one line: %s", s)
		}
		if m["msg"] == msg {
			found = m
		}
	}
	return found
}

// TestRequestIDInDomainLogs: the request id a client sends (X-Request-Id)
// travels in the request's context into the domain, and each line the
// domain logs about the request carries it, the ones logged inside the
// registration's transaction included; a job's run gives its lines the
// job's name and an id of its own.
func TestRequestIDInDomainLogs(t *testing.T) {
	var out logBuffer
	log := slog.New(slog.NewJSONHandler(&out, nil))
	e := newEnvWith(t, payment.NewRegistry(), func(o *ticketing.Options, d *Deps) { o.Log, d.Log = log, log })
	e.connectBank(5)
	ev := e.createEvent(bankEvent(5))
	// A tier in another currency is left out of the price, and the domain
	// says so while it prices the registration, inside its transaction.
	err := e.store.Write(context.Background(), func(tx *store.Tx) error {
		return tx.InsertTier(&model.Tier{EventID: num(ev["id"]), Name: "Dollar bird", Amount: 4000, Currency: "USD"})
	})
	if err != nil {
		t.Fatal(err)
	}
	const id = "reg-7f3a-known"
	r := e.do("POST", "/api/v1/public/events/"+ev["slug"].(string)+"/registrations",
		map[string]any{"name": "Ada", "email": "ada@example.org", "provider": "banktransfer"}, false, requestIDHeader, id)
	if r.Status != 201 || r.Header.Get(requestIDHeader) != id {
		t.Fatalf("registration: %d %s, X-Request-Id %q", r.Status, r.Body, r.Header.Get(requestIDHeader))
	}
	for _, msg := range []string{"tier left out of the price: not in the event's currency", "offline payment opened", "http"} {
		m := jsonLine(t, &out, msg)
		if m == nil {
			t.Errorf("no %q line", msg)
		} else if m["request_id"] != id {
			t.Errorf("%q line: request_id %v, want %q: %v", msg, m["request_id"], id, m)
		}
	}

	// The outbox job, with no SMTP server, logs the queued mail in its run.
	dispatcher := mail.NewDispatcher(e.store, e.tickets, nil, log, e.clock.Now)
	sched := jobs.New(jobs.Options{Log: log, Now: e.clock.Now})
	sched.RunNow(jobs.Outbox(dispatcher.Run, nil))
	m := jsonLine(t, &out, "mail queued, no SMTP server configured")
	if m == nil || m["job"] != "outbox" || len(m["run_id"].(string)) != 16 || m["request_id"] != nil {
		t.Fatalf("the outbox run's line: %v", m)
	}
}
