package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/admit/admit/plugins/stripe/stripetest"
)

// The webhook measure: signed Stripe checkout.session.completed events,
// each delivered twice (Stripe retries; Admit must apply each once).
const (
	webhookSecret   = "whsec_bench"
	webhookAim      = 2000.0 // applied per second, the aim
	webhookPrice    = 1999
	webhookCurrency = "EUR"
)

// whResult is a webhook phase's outcome: result counts deliveries
// answered as expected; Applied counts first deliveries applied.
type whResult struct {
	result
	Regs       int // registrations, each delivered twice
	Applied    int // first deliveries answered "applied"
	Duplicates int // second deliveries answered "duplicate"
}

// AppliedRate is events applied per second over the phase's wall time
// (first and second deliveries alike ran in it).
func (r whResult) AppliedRate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Applied) / r.Elapsed.Seconds()
}

// setupResult is the paid registrations made before the HTTP webhook phase.
type setupResult struct {
	Regs    int
	Elapsed time.Duration
	Errors  int
}

// delivery is one POST of registration reg's event: the first or the
// second (a retry of the same event id).
type delivery struct {
	reg    int
	second bool
}

// schedule orders 2n deliveries: every registration's first delivery in
// order, its second lag deliveries later, so that retries are mixed with
// new events over the whole phase.
func schedule(n, lag int) []delivery {
	lag = min(lag, n)
	out := make([]delivery, 0, 2*n)
	for j := 0; j < n+lag; j++ {
		if j < n {
			out = append(out, delivery{reg: j})
		}
		if j >= lag {
			out = append(out, delivery{reg: j - lag, second: true})
		}
	}
	return out
}

// deliverAll runs the schedule for n registrations from c workers. deliver
// answers "applied" or "duplicate"; a first delivery must be applied, the
// second (sent only once the first has been answered) a duplicate.
func deliverAll(ctx context.Context, name string, n, c int, duration time.Duration, deliver func(reg int, second bool) (string, error)) (whResult, error) {
	sched := schedule(n, 8*c)
	firstDone := make([]chan struct{}, n)
	for i := range firstDone {
		firstDone[i] = make(chan struct{})
	}
	var applied, dups atomic.Int64
	res, err := measure(ctx, name, len(sched), c, duration, func(_ int, i int64) error {
		d := sched[i-1]
		if d.second {
			select {
			case <-firstDone[d.reg]:
			case <-ctx.Done():
				return ctx.Err()
			}
		} else {
			defer close(firstDone[d.reg])
		}
		got, err := deliver(d.reg, d.second)
		if err != nil {
			return err
		}
		want := "applied"
		if d.second {
			want = "duplicate"
		}
		if got != want {
			return fmt.Errorf("delivery %d of registration #%d answered %q, not %q", 1+btoi(d.second), d.reg, got, want)
		}
		if d.second {
			dups.Add(1)
		} else {
			applied.Add(1)
		}
		return nil
	})
	return whResult{result: res, Regs: n, Applied: int(applied.Load()), Duplicates: int(dups.Load())}, err
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ---- webhooks: RAW ------------------------------------------------------

const (
	rawSeedRegistration = `INSERT INTO registrations(event_id, session_id, name, email, email_norm, status, amount, currency,
    provider, token_nonce, token_hash, hold_expires_at, created_at, updated_at, checkout_id, checkout_url)
VALUES (1, NULL, ?, ?, ?, 'pending_payment', ?, ?, 'stripe', ?, ?, ?, ?, ?, ?, ?)`
	// The server's insert-payment-event, set-paid and insert-outbox
	// (app/store/queries).
	rawMarkEvent = `INSERT INTO payment_events(provider, event_id, kind, registration_id, outcome, applied_at) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING`
	rawSetPaid = `UPDATE registrations SET status = ?, amount_paid = ?, paid_currency = ?, payment_id = ?, paid_at = ?, updated_at = ?,
    last_mailed_at = coalesce(?, last_mailed_at) WHERE id = ? AND status = ? AND amount_refunded = ?`
	rawQueueAccess = `INSERT INTO outbox(registration_id, to_addr, to_name, subject, kind, locale, data, status, next_attempt_at, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)`
)

// rawWebhooks: n pending paid registrations are seeded (not measured) in
// a new database for o.webhookC; then per delivery one transaction: BEGIN
// IMMEDIATE, INSERT the (provider, event id) row, and when it is new UPDATE
// the registration to confirmed and paid (the mail's time with it) and
// INSERT its access mail into the outbox, COMMIT; a duplicate rolls back.
// Each event is delivered twice, as over HTTP.
func rawWebhooks(ctx context.Context, dir string, o options) (whResult, []string, error) {
	res := whResult{result: result{Name: "RAW"}}
	var capacity any
	if o.capacity > 0 {
		capacity = o.capacity
	}
	db, err := openRaw(ctx, filepath.Join(dir, fmt.Sprintf("raw-webhooks-c%d.db", o.webhookC)), capacity)
	if err != nil {
		return res, nil, err
	}
	defer db.Close()
	// Seed: registration k (0-based) has id k+1.
	n := o.webhooks
	now := time.Now().Unix()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return res, nil, err
	}
	seed, err := tx.PrepareContext(ctx, rawSeedRegistration)
	if err != nil {
		tx.Rollback()
		return res, nil, err
	}
	for k := 0; k < n; k++ {
		nonce, hash := make([]byte, 16), make([]byte, 32)
		_, _ = rand.Read(nonce)
		_, _ = rand.Read(hash)
		email := fmt.Sprintf("raw-%d@example.org", k)
		cs := fmt.Sprintf("cs_bench_%d", k+1)
		if _, err := seed.ExecContext(ctx, fmt.Sprintf("Raw %d", k), email, email, webhookPrice, webhookCurrency, nonce, hash,
			now+30*60, now, now, cs, "https://checkout.stripe.com/c/pay/"+cs); err != nil {
			tx.Rollback()
			return res, nil, err
		}
	}
	seed.Close()
	if err := tx.Commit(); err != nil {
		return res, nil, err
	}

	mark, err := db.PrepareContext(ctx, rawMarkEvent)
	if err != nil {
		return res, nil, err
	}
	defer mark.Close()
	setPaid, err := db.PrepareContext(ctx, rawSetPaid)
	if err != nil {
		return res, nil, err
	}
	defer setPaid.Close()
	queue, err := db.PrepareContext(ctx, rawQueueAccess)
	if err != nil {
		return res, nil, err
	}
	defer queue.Close()

	deliver := func(k int, _ bool) (string, error) {
		id := int64(k + 1)
		tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock)
		if err != nil {
			return "", err
		}
		defer tx.Rollback()
		now := time.Now().Unix()
		r, err := tx.StmtContext(ctx, mark).ExecContext(ctx, "stripe", fmt.Sprintf("evt_bench_%d", id), "paid", id, "", now)
		if err != nil {
			return "", err
		}
		if fresh, err := r.RowsAffected(); err != nil {
			return "", err
		} else if fresh == 0 {
			return "duplicate", tx.Rollback()
		}
		if _, err := tx.StmtContext(ctx, setPaid).ExecContext(ctx, "confirmed", webhookPrice, webhookCurrency, fmt.Sprintf("pi_bench_%d", id), now, now, now, id, "pending_payment", 0); err != nil {
			return "", err
		}
		if _, err := tx.StmtContext(ctx, queue).ExecContext(ctx, id, fmt.Sprintf("raw-%d@example.org", k), fmt.Sprintf("Raw %d", k),
			"Your access to Load", "access", "en", "{}", now, now); err != nil {
			return "", err
		}
		return "applied", tx.Commit()
	}
	res, err = deliverAll(ctx, "RAW", n, o.webhookC, o.duration, deliver)
	if err != nil {
		return res, nil, err
	}
	var notes []string
	who := fmt.Sprintf("RAW webhooks, %d concurrent: ", o.webhookC)
	counts, err := countApplied(ctx, db, 1)
	if err != nil {
		notes = append(notes, who+"could not count the database's rows: "+err.Error())
	} else if msg := counts.check(n); msg != "" {
		notes = append(notes, who+msg)
	}
	return res, notes, nil
}

// appliedCounts is what a webhook phase left in a database.
type appliedCounts struct {
	confirmed, accessMails, otherMails, paymentEvents int
}

func countApplied(ctx context.Context, db *sql.DB, eventID int64) (appliedCounts, error) {
	var c appliedCounts
	err := db.QueryRowContext(ctx, `SELECT
    (SELECT COUNT(*) FROM registrations WHERE event_id = ?1 AND status = 'confirmed' AND amount_paid = amount),
    (SELECT COUNT(*) FROM outbox WHERE kind = 'access' AND registration_id IN (SELECT id FROM registrations WHERE event_id = ?1)),
    (SELECT COUNT(*) FROM outbox WHERE kind != 'access' AND registration_id IN (SELECT id FROM registrations WHERE event_id = ?1)),
    (SELECT COUNT(*) FROM payment_events WHERE registration_id IN (SELECT id FROM registrations WHERE event_id = ?1))`,
		eventID).Scan(&c.confirmed, &c.accessMails, &c.otherMails, &c.paymentEvents)
	return c, err
}

// check reports what differs from n registrations confirmed and paid,
// n access mails and nothing else queued, n payment events recorded.
func (c appliedCounts) check(n int) string {
	var bad []string
	if c.confirmed != n {
		bad = append(bad, fmt.Sprintf("%d registrations confirmed and paid, not %d", c.confirmed, n))
	}
	if c.accessMails != n {
		bad = append(bad, fmt.Sprintf("%d access mails in the outbox, not %d", c.accessMails, n))
	}
	if c.otherMails != 0 {
		bad = append(bad, fmt.Sprintf("%d other mails in the outbox", c.otherMails))
	}
	if c.paymentEvents != n {
		bad = append(bad, fmt.Sprintf("%d payment events recorded, not %d", c.paymentEvents, n))
	}
	return strings.Join(bad, "; ")
}

// ---- webhooks: HTTP -----------------------------------------------------

// httpWebhooks runs stripe-mock and admit with Stripe connected, opens n
// paid registrations through the public API (each opens a checkout at
// stripe-mock: setup, not measured), then POSTs every registration's
// signed checkout.session.completed twice to /webhooks/stripe from
// o.webhookC keep-alive clients, and checks the outcome through the API
// and, once admit has stopped, in its database. onSetup is told when the
// setup is done.
func httpWebhooks(ctx context.Context, bin, dir string, o options, onSetup func(setupResult)) (whResult, setupResult, []string, error) {
	res := whResult{result: result{Name: "HTTP"}}
	var setup setupResult
	mock, err := stripetest.Start()
	if err != nil {
		return res, setup, nil, err
	}
	defer mock.Close()
	srv, err := startAdmit(ctx, bin, dir, o,
		"ADMIT_STRIPE__SECRET_KEY="+stripetest.Key,
		"ADMIT_STRIPE__WEBHOOK_SECRET="+webhookSecret,
		"ADMIT_STRIPE__API_BASE="+mock.URL,
	)
	if err != nil {
		return res, setup, nil, err
	}
	defer srv.stop()
	ev, err := srv.createEvent(ctx, o.capacity, map[string]any{
		"title":     "Paid load",
		"price":     map[string]any{"amount": webhookPrice, "currency": webhookCurrency},
		"providers": []string{"stripe"},
	})
	if err != nil {
		return res, setup, nil, err
	}

	// Setup: n paid registrations, each with a checkout at stripe-mock.
	url := srv.base + "/api/v1/public/events/" + ev.Slug + "/registrations"
	made, err := measure(ctx, "setup", o.webhooks, o.setupC, o.duration, func(_ int, i int64) error {
		body := fmt.Sprintf(`{"name":"Buyer %d","email":"buyer-%d@example.org","provider":"stripe"}`, i, i)
		var out struct {
			CheckoutURL string `json:"checkout_url"`
		}
		if err := postJSON(ctx, srv.client, "POST", url, "", json.RawMessage(body), &out); err != nil {
			return err
		}
		if out.CheckoutURL == "" {
			return errors.New("a paid registration without a checkout URL")
		}
		return nil
	})
	if err != nil {
		return res, setup, nil, err
	}
	setup = setupResult{Regs: made.Done, Elapsed: made.Elapsed, Errors: made.Errors}
	if made.Errors > 0 {
		return res, setup, nil, fmt.Errorf("setup: %d of %d paid registrations failed, first: %s", made.Errors, o.webhooks, made.FirstErr)
	}
	regs, err := srv.registrations(ctx, ev.ID, "")
	if err != nil {
		return res, setup, nil, err
	}
	if len(regs) != made.Done {
		return res, setup, nil, fmt.Errorf("setup: made %d paid registrations, the server lists %d", made.Done, len(regs))
	}
	onSetup(setup)
	checkouts, err := checkoutIDs(ctx, srv.dbPath())
	if err != nil {
		return res, setup, nil, fmt.Errorf("setup: reading the checkouts: %w", err)
	}
	bodies := make([][]byte, len(regs))
	for k, r := range regs {
		if r.Status != "pending_payment" || r.Provider != "stripe" || r.Amount != webhookPrice || !strings.EqualFold(r.Currency, webhookCurrency) {
			return res, setup, nil, fmt.Errorf("setup: registration #%d is %s, %s, %d %s: not a pending Stripe payment of %d %s",
				r.ID, r.Status, r.Provider, r.Amount, r.Currency, webhookPrice, webhookCurrency)
		}
		// Admit finds the registration by metadata.registration_id and
		// checks that the session is the checkout it opened (stripe-mock's).
		session := stripetest.Session(checkouts[r.ID], r.ID, "complete", "paid", r.Amount, r.Currency, fmt.Sprintf("pi_bench_%d", r.ID))
		bodies[k] = stripetest.Event(fmt.Sprintf("evt_bench_%d", r.ID), "checkout.session.completed", session)
	}

	client := keepAliveClient(o.webhookC)
	defer client.CloseIdleConnections()
	hook := srv.base + "/webhooks/stripe"
	deliver := func(k int, _ bool) (string, error) {
		req, err := http.NewRequestWithContext(ctx, "POST", hook, bytes.NewReader(bodies[k]))
		if err != nil {
			return "", err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Stripe-Signature", stripetest.Sign(webhookSecret, time.Now(), bodies[k]))
		resp, err := client.Do(req)
		if err != nil {
			return "", err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return "", err
		}
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(b))
		}
		var out struct {
			Status string `json:"status"`
		}
		if err := json.Unmarshal(b, &out); err != nil {
			return "", fmt.Errorf("answer %q: %w", b, err)
		}
		return out.Status, nil
	}
	cpu := srv.cpuMeter()
	res, err = deliverAll(ctx, "HTTP", len(regs), o.webhookC, o.duration, deliver)
	res.CPU = cpu()
	if err != nil {
		return res, setup, nil, err
	}

	// Checks: through the API, then in the database once admit has stopped.
	var notes []string
	who := fmt.Sprintf("HTTP webhooks, %d concurrent: ", o.webhookC)
	if confirmed, err := srv.registrations(ctx, ev.ID, "confirmed"); err != nil {
		notes = append(notes, who+"could not list the confirmed registrations: "+err.Error())
	} else if len(confirmed) != len(regs) {
		notes = append(notes, fmt.Sprintf("%sthe API lists %d confirmed registrations, not %d", who, len(confirmed), len(regs)))
	} else {
		for _, r := range confirmed {
			if r.AmountPaid != r.Amount || r.PaymentID != fmt.Sprintf("pi_bench_%d", r.ID) {
				notes = append(notes, fmt.Sprintf("%sregistration #%d is confirmed with %d paid by %q", who, r.ID, r.AmountPaid, r.PaymentID))
				break
			}
		}
	}
	if err := srv.stop(); err != nil {
		notes = append(notes, who+"stopping admit: "+err.Error())
	}
	db, err := sql.Open("sqlite3", "file:"+srv.dbPath()+"?mode=ro")
	if err != nil {
		return res, setup, append(notes, who+"opening the server's database: "+err.Error()), nil
	}
	defer db.Close()
	counts, err := countApplied(ctx, db, ev.ID)
	if err != nil {
		notes = append(notes, who+"could not count the server's rows: "+err.Error())
	} else if msg := counts.check(len(regs)); msg != "" {
		notes = append(notes, who+msg)
	}
	return res, setup, notes, nil
}

// checkoutIDs reads the checkouts the running server opened, by
// registration id, from its database (read-only; the API does not show
// them).
func checkoutIDs(ctx context.Context, path string) (map[int64]string, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT id, checkout_id FROM registrations WHERE checkout_id != ''`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var cs string
		if err := rows.Scan(&id, &cs); err != nil {
			return nil, err
		}
		out[id] = cs
	}
	return out, rows.Err()
}
