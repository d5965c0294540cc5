package ticketing

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/app/clocktest"
	"github.com/admit/admit/app/i18n"
	"github.com/admit/admit/app/mail"
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/store"
	"github.com/admit/admit/assets"
)

// The domain's rules are tested in this package against a real store and a
// fake payment provider, without HTTP and without any vendor's mock: the
// world below.

// fakeProvider is a payment.Provider that takes EUR and USD, opens a
// checkout per idempotency key, accepts every refund and records what it
// was asked.
type fakeProvider struct {
	mu        sync.Mutex
	checkouts []payment.CheckoutRequest
	refunds   []payment.RefundRequest
	// failCheckout, when set, is what CreateCheckout answers.
	failCheckout error
}

func (p *fakeProvider) Name() string { return "stripe" }

func (p *fakeProvider) Supports(currency string) bool { return currency == "EUR" || currency == "USD" }

func (p *fakeProvider) Check(context.Context) error { return nil }

func (p *fakeProvider) CreateCheckout(_ context.Context, r payment.CheckoutRequest) (payment.Checkout, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failCheckout != nil {
		return payment.Checkout{}, p.failCheckout
	}
	p.checkouts = append(p.checkouts, r)
	id := "cs_" + r.IdempotencyKey
	return payment.Checkout{ID: id, RedirectURL: "https://pay.test/" + id}, nil
}

func (p *fakeProvider) Refund(_ context.Context, r payment.RefundRequest) (payment.Refund, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, prev := range p.refunds {
		if prev.IdempotencyKey == r.IdempotencyKey {
			return payment.Refund{ID: "re_" + r.IdempotencyKey, Amount: prev.Amount, Status: "succeeded"}, nil
		}
	}
	p.refunds = append(p.refunds, r)
	return payment.Refund{ID: "re_" + r.IdempotencyKey, Amount: r.Amount, Status: "succeeded"}, nil
}

func (p *fakeProvider) ParseWebhook(context.Context, payment.WebhookRequest) (payment.Event, error) {
	return payment.Event{}, payment.ErrIgnored
}

func (p *fakeProvider) Return(context.Context, url.Values) (payment.Event, error) {
	return payment.Event{}, payment.ErrNotFound
}

func (p *fakeProvider) ReturnedCheckout(url.Values) string { return "" }

func (p *fakeProvider) Status(context.Context, string) (payment.Event, error) {
	return payment.Event{}, payment.ErrNotFound
}

// asked returns copies of the checkouts and refunds asked so far.
func (p *fakeProvider) asked() ([]payment.CheckoutRequest, []payment.RefundRequest) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.checkouts), slices.Clone(p.refunds)
}

// world is a Service wired as main.go wires it: a database file, the token
// secret (testSecret), the real translations and templates, and a connected
// provider, with a clock the test moves.
type world struct {
	t     *testing.T
	ctx   context.Context
	dir   string // the database's folder
	store *store.Store
	svc   *Service
	clock *clocktest.Clock
	prov  *fakeProvider
	n     int // events made
}

// day0 is when every test starts; events are a month later.
var day0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

const holdFor = 30 * time.Minute

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	clk := clocktest.New(day0)
	st, err := store.Open(ctx, filepath.Join(dir, "admit.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.SetClock(clk.Now)
	t.Cleanup(func() { st.Close() })
	text, err := loadText()
	if err != nil {
		t.Fatal(err)
	}
	pay := &fakeProvider{}
	providers := payment.NewRegistry()
	providers.Set(pay)
	svc, err := New(st, Options{Secret: testSecret, Subjects: I18nSubjects{Bundle: text.tr}, Renderer: text.renderer,
		PublicURL: "https://tickets.test", Hold: holdFor, Providers: providers, Modules: testModules("stripe", "paypal"), Now: clk.Now,
		Log: slog.New(slog.NewTextHandler(testLog{t}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return &world{t: t, ctx: ctx, dir: dir, store: st, svc: svc, clock: clk, prov: pay}
}

// text is the translations and mail templates, as main.go loads them.
type text struct {
	tr       *i18n.Bundle
	renderer *mail.Renderer
}

// loadText loads them once for every test: both are safe for concurrent
// use, and parsing every message takes a while under the race detector.
var loadText = sync.OnceValues(func() (text, error) {
	sub := func(dir string) fs.FS { f, _ := fs.Sub(assets.FS, dir); return f }
	tr, err := i18n.New(sub("i18n"))
	if err != nil {
		return text{}, err
	}
	renderer, err := mail.NewRenderer(sub("email"), tr)
	return text{tr, renderer}, err
})

// testLog sends the service's log to the test's.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func ptr[T any](v T) *T { return &v }

// eventSpec describes an event to create; the zero value is a free live
// webinar of unlimited capacity a month from day0.
type eventSpec struct {
	capacity    int64 // 0: unlimited
	price       int64 // EUR cents; 0: free
	currency    string
	approval    bool
	refundHours *int64
	providers   []string // the event's own list; nil: any connected one
	// sessions, when set, make an individual series with these starts.
	sessions []time.Time
}

// sessionStart is the live events' session.
var sessionStart = day0.AddDate(0, 1, 0)

func (w *world) event(spec eventSpec) *model.Event {
	w.t.Helper()
	w.n++
	in := EventInput{Title: ptr(fmt.Sprintf("Event %d", w.n)), Kind: ptr(model.KindLive), Status: ptr(model.EventPublished),
		ApprovalRequired: ptr(spec.approval)}
	starts := []time.Time{sessionStart}
	if spec.sessions != nil {
		in.Kind, in.SeriesRegistration, starts = ptr(model.KindSeries), ptr(model.SeriesIndividual), spec.sessions
	}
	sessions := []SessionInput{}
	for _, s := range starts {
		sessions = append(sessions, SessionInput{StartsAt: ptr(s.Format(time.RFC3339)), DurationMinutes: ptr(int64(60))})
	}
	in.Sessions = &sessions
	if spec.capacity > 0 {
		in.Capacity = Opt[int64]{Set: true, Value: spec.capacity}
	}
	if spec.price > 0 {
		if spec.currency == "" {
			spec.currency = "EUR"
		}
		in.Price = Opt[MoneyInput]{Set: true, Value: MoneyInput{Amount: ptr(spec.price), Currency: spec.currency}}
	}
	if spec.providers != nil {
		in.Providers = &spec.providers
	}
	if spec.refundHours != nil {
		in.CancelRefundHours = Opt[int64]{Set: true, Value: *spec.refundHours}
	}
	e, err := w.svc.CreateEvent(w.ctx, in)
	if err != nil {
		w.t.Fatalf("create event %+v: %v", spec, err)
	}
	return e
}

// register signs email up for e (for session, when not nil).
func (w *world) register(e *model.Event, email string, session *int64) (*RegisterResult, error) {
	return w.svc.Register(w.ctx, e.Slug, RegisterInput{Name: "Reg " + email, Email: email, SessionID: session}, nil)
}

// mustRegister is register that fails the test on an error.
func (w *world) mustRegister(e *model.Event, email string, session *int64) *model.Registration {
	w.t.Helper()
	res, err := w.register(e, email, session)
	if err != nil {
		w.t.Fatalf("register %s on %s: %v", email, e.Slug, err)
	}
	return res.Registration
}

// paid is the provider's word that r was paid amount in currency.
func paid(r *model.Registration, eventID string, amount int64, currency string) payment.Event {
	return payment.Event{ID: eventID, Provider: "stripe", Kind: payment.Paid, CheckoutID: r.CheckoutID,
		RegistrationID: r.ID, PaymentID: fmt.Sprintf("pi_%d", r.ID), Amount: amount, Currency: currency, OccurredAt: day0}
}

// pay applies a payment of the full price for r.
func (w *world) pay(r *model.Registration) *model.Registration {
	w.t.Helper()
	if _, err := w.svc.ApplyPayment(w.ctx, paid(r, fmt.Sprintf("evt_paid_%d", r.ID), r.Amount, r.Currency)); err != nil {
		w.t.Fatalf("pay registration %d: %v", r.ID, err)
	}
	return w.reg(r.ID)
}

// reg reads a registration as stored now.
func (w *world) reg(id int64) *model.Registration {
	w.t.Helper()
	r, err := w.svc.Registration(w.ctx, id)
	if err != nil {
		w.t.Fatalf("registration %d: %v", id, err)
	}
	return r
}

// mails lists the kinds of the mails queued about registration id, oldest
// first.
func (w *world) mails(id int64) []string {
	w.t.Helper()
	all, err := w.store.Outbox(w.ctx, "", 10000)
	if err != nil {
		w.t.Fatal(err)
	}
	var kinds []string
	for _, m := range all {
		if m.RegistrationID != nil && *m.RegistrationID == id {
			kinds = append(kinds, m.Kind)
		}
	}
	slices.Reverse(kinds) // the outbox lists newest first
	return kinds
}

// seatsLeft is the event's free seats (-1 when unlimited).
func (w *world) seatsLeft(e *model.Event) int64 {
	w.t.Helper()
	s, err := w.svc.SeatsLeft(w.ctx, e)
	if err != nil {
		w.t.Fatal(err)
	}
	if s.Left == nil {
		return -1
	}
	return *s.Left
}

// token is the access token of a registration, as its access mail carries
// it.
func (w *world) token(r *model.Registration) string { return w.svc.tokenFor(r.TokenNonce) }

// wantRefunds checks the refunds the provider was asked for, in order:
// their amounts, each on r's payment with the key refund-<id>-<n>.
func (w *world) wantRefunds(t *testing.T, what string, r *model.Registration, amounts ...int64) {
	t.Helper()
	_, refunds := w.prov.asked()
	var got []int64
	for i, f := range refunds {
		got = append(got, f.Amount)
		if want := fmt.Sprintf("refund-%d-%d", r.ID, i+1); f.IdempotencyKey != want || f.PaymentID != r.PaymentID {
			t.Errorf("%s: refund %d asked with key %q on %q, want %q on %q", what, i, f.IdempotencyKey, f.PaymentID, want, r.PaymentID)
		}
	}
	if !slices.Equal(got, amounts) {
		t.Errorf("%s: refunds asked %v, want %v", what, got, amounts)
	}
}

// upTo is amount as the list of refunds wantRefunds takes: none for 0.
func upTo(amount int64) []int64 {
	if amount == 0 {
		return nil
	}
	return []int64{amount}
}

// wantErr fails unless err is (wraps) want; want nil wants no error. For a
// validation error, field (when not "") must be named.
func wantErr(t *testing.T, what string, err, want error, field string) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("%s: %v, want no error", what, err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("%s: error %v, want %v", what, err, want)
	case field != "":
		var p *model.Problem
		if !errors.As(err, &p) || p.Fields[field] == "" {
			t.Fatalf("%s: error %v does not name the field %s", what, err, field)
		}
	}
}
