package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/app/config"
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/ticketing"
)

// ledger is a payment provider whose books the test writes: it reports
// each payment it has a line for (payment.PaymentLookup), and knows no
// other.
type ledger struct {
	mu    sync.Mutex
	lines map[string]payment.PaymentState
}

func (p *ledger) Name() string                  { return "ledger" }
func (p *ledger) Supports(currency string) bool { return currency == "EUR" }
func (p *ledger) Check(context.Context) error   { return nil }
func (p *ledger) CreateCheckout(_ context.Context, r payment.CheckoutRequest) (payment.Checkout, error) {
	return payment.Checkout{ID: "cs_" + r.IdempotencyKey, RedirectURL: "https://pay.test/" + r.IdempotencyKey}, nil
}
func (p *ledger) ParseWebhook(context.Context, payment.WebhookRequest) (payment.Event, error) {
	return payment.Event{}, payment.ErrIgnored
}
func (p *ledger) Return(context.Context, url.Values) (payment.Event, error) {
	return payment.Event{}, payment.ErrNotFound
}
func (p *ledger) ReturnedCheckout(url.Values) string { return "" }
func (p *ledger) Status(context.Context, string) (payment.Event, error) {
	return payment.Event{}, payment.ErrNotFound
}
func (p *ledger) Refund(context.Context, payment.RefundRequest) (payment.Refund, error) {
	return payment.Refund{}, payment.ErrUnsupported
}

func (p *ledger) Payment(_ context.Context, _, paymentID string) (payment.PaymentState, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st, ok := p.lines[paymentID]
	if !ok {
		return st, fmt.Errorf("ledger: no payment %s: %w", paymentID, payment.ErrNotFound)
	}
	return st, nil
}

func (p *ledger) set(paymentID string, st payment.PaymentState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lines[paymentID] = st
}

// ledgerModule offers the ledger, connected with the key the configuration
// gives it.
func ledgerModule(led *ledger) *payment.Modules {
	text := payment.Text{}
	for _, l := range payment.Languages {
		text[l] = "Ledger"
	}
	return payment.NewModules(payment.Module{Name: "ledger", Title: text, Hint: text,
		Currencies: map[string]payment.Limits{"EUR": {Min: 50}},
		Settings:   []payment.Setting{{Key: "secret_key", Label: text, Secret: true, Required: true}},
		New: func(settings map[string]string) (payment.Provider, error) {
			if settings["secret_key"] != "sk_test_books" {
				return nil, fmt.Errorf("settings %v", settings)
			}
			return led, nil
		}})
}

// TestReconcileCommand: admit reconcile opens the data directory and the
// providers as serving does (here beside a running service, as on a live
// installation), prints each mismatch and a summary, and exits 1 when
// something does not match, 0 when everything does, 2 on a bad argument;
// it never creates a database.
func TestReconcileCommand(t *testing.T) {
	ctx := context.Background()
	led := &ledger{lines: map[string]payment.PaymentState{}}
	mods := ledgerModule(led)
	cfg, err := config.Load("", ConfigSections(mods)...)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Data.Dir = t.TempDir()
	cfg.Providers["ledger"]["secret_key"] = "sk_test_books"
	o := Options{Config: cfg, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Modules: mods}

	// The service, running on the same data: two payments of 19.99 EUR.
	db, secret, err := openData(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tickets, err := newDomain(ctx, o, db, secret, ticketing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	price := ticketing.Opt[ticketing.MoneyInput]{Set: true, Value: ticketing.MoneyInput{Amount: ptr(int64(1999)), Currency: "EUR"}}
	start := time.Now().AddDate(0, 1, 0).UTC().Format(time.RFC3339)
	e, err := tickets.CreateEvent(ctx, ticketing.EventInput{Title: ptr("Books"), Kind: ptr(model.KindLive), Status: ptr(model.EventPublished),
		Price: price, Sessions: &[]ticketing.SessionInput{{StartsAt: ptr(start), DurationMinutes: ptr(int64(60))}}})
	if err != nil {
		t.Fatal(err)
	}
	var paid []*model.Registration
	for _, email := range []string{"ada@example.org", "bob@example.org"} {
		res, err := tickets.Register(ctx, e.Slug, ticketing.RegisterInput{Name: email, Email: email}, nil)
		if err != nil {
			t.Fatal(err)
		}
		r := res.Registration
		ev := payment.Event{ID: "evt_" + email, Provider: "ledger", Kind: payment.Paid, CheckoutID: r.CheckoutID, RegistrationID: r.ID,
			PaymentID: fmt.Sprintf("pay_%d", r.ID), Amount: 1999, Currency: "EUR", OccurredAt: time.Now()}
		if _, err := tickets.ApplyPayment(ctx, ev); err != nil {
			t.Fatal(err)
		}
		led.set(ev.PaymentID, payment.PaymentState{Amount: 1999, Currency: "EUR"})
		r.PaymentID = ev.PaymentID
		paid = append(paid, r)
	}

	run := func(o Options, args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := Reconcile(ctx, o, args, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	if code, out, errOut := run(o); code != 0 || out != "checked 2, matched 2, mismatches 0, not checked 0\n" {
		t.Fatalf("balanced: exit %d\n%s%s", code, out, errOut)
	}
	ada := paid[0]
	led.set(ada.PaymentID, payment.PaymentState{Amount: 1999, Currency: "EUR", Refunded: 700})
	code, out, errOut := run(o, "--since", "2026-11-01")
	want := fmt.Sprintf("registration %d (ledger payment %s): refunded: Admit 0 EUR, ledger 700 EUR\nchecked 2, matched 1, mismatches 1, not checked 0\n", ada.ID, ada.PaymentID)
	if code != 1 || out != want {
		t.Fatalf("a mismatch: exit %d\n%s%s\nwant:\n%s", code, out, errOut, want)
	}
	if code, out, _ := run(o, "--since", time.Now().AddDate(0, 0, 2).Format(time.DateOnly)); code != 0 || out != "checked 0, matched 0, mismatches 0, not checked 0\n" {
		t.Fatalf("since the day after tomorrow: exit %d\n%s", code, out)
	}
	if code, _, errOut := run(o, "--since", "yesterday"); code != 2 || !strings.Contains(errOut, "--since must be a date such as 2026-11-01") {
		t.Fatalf("a bad --since: exit %d %q", code, errOut)
	}
	if code, _, errOut := run(o, "now"); code != 2 || !strings.Contains(errOut, "usage: admit [--config FILE] reconcile [--since DATE]") {
		t.Fatalf("an argument too many: exit %d %q", code, errOut)
	}
	empty := o
	empty.Config.Data.Dir = t.TempDir()
	if code, _, errOut := run(empty); code != 1 || !strings.Contains(errOut, "admit reconcile: no database at "+DBPath(empty.Config)) {
		t.Fatalf("no database: exit %d %q", code, errOut)
	}
	if _, err := os.Stat(DBPath(empty.Config)); err == nil {
		t.Fatal("admit reconcile created a database")
	}
}

func ptr[T any](v T) *T { return &v }
