package web

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/admit/admit/app/metrics"
	"github.com/admit/admit/app/payment"
)

// registrationsCounted reads admit_registrations_total by outcome.
func registrationsCounted(t *testing.T, m *metrics.Metrics) map[string]float64 {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range fams {
		if f.GetName() != "admit_registrations_total" {
			continue
		}
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == "outcome" {
					out[l.GetValue()] = s.GetCounter().GetValue()
				}
			}
		}
	}
	return out
}

// TestMetricsRegistrationsEveryPath: admit_registrations_total counts
// every path that gives a registration a status, each once: added by the
// organizer, a waiting-list offer claimed, approval (confirm and reject), a
// bank transfer marked paid, a hold expired; a refused registration by its
// error code. Before, only public registrations were counted.
func TestMetricsRegistrationsEveryPath(t *testing.T) {
	var m *metrics.Metrics
	e := newEnvWith(t, payment.NewRegistry(), withMetrics(&m, ""))
	ctx := context.Background()
	last := registrationsCounted(t, m)
	step := func(what string, want map[string]float64) {
		t.Helper()
		now := registrationsCounted(t, m)
		for k, v := range now {
			if d := v - last[k]; d != want[k] {
				t.Errorf("%s: %s moved by %v, want %v (all: %v)", what, k, d, want[k], now)
			}
		}
		for k, v := range want {
			if _, ok := now[k]; !ok && v != 0 {
				t.Errorf("%s: no %s counted, want %v", what, k, v)
			}
		}
		last = now
	}

	// Added by the organizer.
	ev := e.createEvent(liveEvent(map[string]any{"slug": "full", "capacity": 1}))
	id := num(ev["id"])
	if r := e.do("POST", fmt.Sprintf("/api/v1/events/%d/registrations", id), map[string]any{"name": "Al", "email": "al@example.org"}, true); r.Status != 201 {
		t.Fatalf("add: %d %s", r.Status, r.Body)
	}
	al := num(e.do("GET", fmt.Sprintf("/api/v1/events/%d/registrations", id), nil, true).JSON(t)["items"].([]any)[0].(map[string]any)["id"])
	step("added by the organizer", map[string]float64{"confirmed": 1})
	// Refused: sold out.
	if r := e.do("POST", "/api/v1/public/events/full/registrations", map[string]any{"name": "Ed", "email": "ed@example.org"}, false); r.Status != 409 {
		t.Fatalf("sold out: %d", r.Status)
	}
	step("sold out", map[string]float64{"sold_out": 1})
	// The waiting list: Bo joins, Al is cancelled, Bo claims the offer.
	if r := e.do("POST", "/api/v1/public/events/full/waitlist", map[string]any{"name": "Bo", "email": "bo@example.org"}, false); r.Status != 201 {
		t.Fatalf("join: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/cancel", al), nil, true); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	step("cancelled", map[string]float64{"cancelled": 1})
	tok := e.offerToken("bo@example.org")
	if r := e.do("POST", "/w/"+tok, "", false, "Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html"); r.Status != 303 {
		t.Fatalf("claim: %d", r.Status)
	}
	step("waiting-list offer claimed", map[string]float64{"confirmed": 1})

	// Approval: Cy and Di wait; Cy is confirmed, Di rejected.
	e.createEvent(liveEvent(map[string]any{"title": "By invitation", "slug": "approval", "approval_required": true}))
	var waiting []int64
	for _, n := range []string{"cy", "di"} {
		r := e.do("POST", "/api/v1/public/events/approval/registrations", map[string]any{"name": n, "email": n + "@example.org"}, false)
		if r.Status != 201 {
			t.Fatalf("register %s: %d %s", n, r.Status, r.Body)
		}
		waiting = append(waiting, num(r.JSON(t)["registration"].(map[string]any)["id"]))
	}
	step("waiting for approval", map[string]float64{"pending_approval": 2})
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/confirm", waiting[0]), nil, true); r.Status != 200 {
		t.Fatalf("confirm: %d %s", r.Status, r.Body)
	}
	step("approved", map[string]float64{"confirmed": 1})
	if r := e.do("POST", fmt.Sprintf("/api/v1/registrations/%d/reject", waiting[1]), nil, true); r.Status != 200 {
		t.Fatalf("reject: %d %s", r.Status, r.Body)
	}
	step("rejected", map[string]float64{"rejected": 1})

	// A bank transfer: partly paid (still pending), then the rest.
	e.connectBank(3)
	bank := e.createEvent(bankEvent(5))
	ada, _, _ := e.registerBank(bank["slug"].(string), "Ada")
	step("bank transfer chosen", map[string]float64{"pending_payment": 1})
	if r := e.markPaid(ada, map[string]any{"amount": 1000}); r.Status != 200 {
		t.Fatalf("partial: %d %s", r.Status, r.Body)
	}
	step("marked partly paid", nil)
	if r := e.markPaid(ada, map[string]any{"amount": 4000}); r.Status != 200 {
		t.Fatalf("the rest: %d %s", r.Status, r.Body)
	}
	step("marked paid", map[string]float64{"confirmed": 1})

	// A hold that runs out.
	bea, _, _ := e.registerBank(bank["slug"].(string), "Bea")
	step("second bank transfer", map[string]float64{"pending_payment": 1})
	e.clock.Add(3*24*time.Hour + time.Hour)
	if n, err := e.tickets.ExpireOfflinePayments(ctx); n != 1 || err != nil {
		t.Fatalf("expire: %d %v", n, err)
	}
	step("expired", map[string]float64{"expired": 1})
	if r := e.do("GET", fmt.Sprintf("/api/v1/registrations/%d/views", bea), nil, true); r.Status != 200 {
		t.Fatalf("views: %d", r.Status)
	}
	step("a read", nil)
}
