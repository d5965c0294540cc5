package paymenttest_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/payment/paymenttest"
)

// memProvider is a provider kept in memory, written to the contract: the
// suite must pass it whole, and fail it when one bug is planted (bug).
type memProvider struct {
	bug    string
	secret []byte

	mu        sync.Mutex
	seq       int
	checkouts map[string]*memCheckout
	byKey     map[string]string         // idempotency key → checkout id
	refunds   map[string]payment.Refund // idempotency key → refund
	byPayment map[string]*memCheckout
	sent      []memWebhook // webhooks the provider "delivered", oldest first
}

type memCheckout struct {
	id       string
	req      payment.CheckoutRequest
	paid     bool
	refunded int64
}

// memWebhook is the provider's webhook body.
type memWebhook struct {
	ID           string `json:"id"`
	Type         string `json:"type"`
	Checkout     string `json:"checkout,omitempty"`
	Registration int64  `json:"registration,omitempty"`
	Payment      string `json:"payment,omitempty"`
	Amount       int64  `json:"amount,omitempty"`
	Currency     string `json:"currency,omitempty"`
	Refund       string `json:"refund,omitempty"`
}

const memSignature = "X-Mem-Signature"

func newMem(bug string) *memProvider {
	return &memProvider{bug: bug, secret: []byte("mem-secret"), checkouts: map[string]*memCheckout{},
		byKey: map[string]string{}, refunds: map[string]payment.Refund{}, byPayment: map[string]*memCheckout{}}
}

func (m *memProvider) Name() string {
	if m.bug == "name-changes" {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.seq++
		return fmt.Sprintf("mem%d", m.seq)
	}
	return "mem"
}

func (m *memProvider) Supports(c string) bool { return c == "EUR" || c == "USD" }

func (m *memProvider) Check(context.Context) error { return nil }

func (m *memProvider) CreateCheckout(_ context.Context, r payment.CheckoutRequest) (payment.Checkout, error) {
	if !m.Supports(r.Currency) {
		if m.bug == "currency-plain-error" {
			return payment.Checkout{}, fmt.Errorf("mem: no %q", r.Currency)
		}
		return payment.Checkout{}, fmt.Errorf("mem: %q: %w", r.Currency, payment.ErrCurrency)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if id, ok := m.byKey[r.IdempotencyKey]; ok && m.bug != "no-idempotency" {
		return payment.Checkout{ID: id, RedirectURL: "https://pay.mem.example/" + id}, nil
	}
	m.seq++
	id := fmt.Sprintf("mem_co_%d", m.seq)
	m.checkouts[id] = &memCheckout{id: id, req: r}
	m.byKey[r.IdempotencyKey] = id
	return payment.Checkout{ID: id, RedirectURL: "https://pay.mem.example/" + id}, nil
}

func (m *memProvider) Status(_ context.Context, id string) (payment.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.checkouts[id]
	if c == nil {
		if m.bug == "unknown-pending" {
			return payment.Event{ID: "status:" + id + ":pending", Provider: "mem", Kind: payment.Pending, CheckoutID: id}, nil
		}
		return payment.Event{}, fmt.Errorf("mem: no checkout %s: %w", id, payment.ErrNotFound)
	}
	ev := payment.Event{Provider: "mem", Kind: payment.Pending, CheckoutID: id, RegistrationID: c.req.RegistrationID,
		Amount: c.req.Amount, Currency: c.req.Currency}
	if c.paid {
		ev.Kind, ev.PaymentID = payment.Paid, "mem_pay_"+id
		if m.bug == "wrong-amount" {
			ev.Amount++
		}
	}
	ev.ID = "status:" + id + ":" + string(ev.Kind)
	if m.bug == "status-new-id" {
		m.seq++
		ev.ID += fmt.Sprint(m.seq)
	}
	return ev, nil
}

func (m *memProvider) Return(ctx context.Context, q url.Values) (payment.Event, error) {
	if m.bug == "return-pays" {
		m.pay(q.Get("checkout"))
	}
	return m.Status(ctx, q.Get("checkout"))
}

func (m *memProvider) ReturnedCheckout(q url.Values) string {
	if m.bug == "returned-checkout-none" {
		return ""
	}
	return q.Get("checkout")
}

func (m *memProvider) Refund(_ context.Context, r payment.RefundRequest) (payment.Refund, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if rf, ok := m.refunds[r.IdempotencyKey]; ok {
		return rf, nil
	}
	c := m.byPayment[r.PaymentID]
	if c == nil {
		return payment.Refund{}, fmt.Errorf("mem: no payment %s: %w", r.PaymentID, payment.ErrNotFound)
	}
	if r.Amount <= 0 || (r.Amount > c.req.Amount-c.refunded && m.bug != "overrefund") {
		return payment.Refund{}, fmt.Errorf("mem: cannot refund %d of %d left", r.Amount, c.req.Amount-c.refunded)
	}
	m.seq++
	rf := payment.Refund{ID: fmt.Sprintf("mem_re_%d", m.seq), Amount: r.Amount, Status: "succeeded"}
	c.refunded += r.Amount
	m.refunds[r.IdempotencyKey] = rf
	m.sent = append(m.sent, memWebhook{ID: fmt.Sprintf("mem_evt_%d", m.seq), Type: "refunded", Checkout: c.id,
		Payment: r.PaymentID, Amount: r.Amount, Currency: c.req.Currency, Refund: rf.ID})
	return rf, nil
}

func (m *memProvider) sign(key, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

func (m *memProvider) ParseWebhook(_ context.Context, r payment.WebhookRequest) (payment.Event, error) {
	var w memWebhook
	switch m.bug {
	case "panic-on-garbage":
		var v map[string]any
		_ = json.Unmarshal(r.Body, &v)
		_ = v["id"].(string) // panics when there is no id
	case "type-before-signature":
		if json.Unmarshal(r.Body, &w) == nil && w.Type != "paid" && w.Type != "refunded" {
			return payment.Event{}, payment.ErrIgnored
		}
	}
	got, _ := hex.DecodeString(r.Header.Get(memSignature))
	want, _ := hex.DecodeString(m.sign(m.secret, r.Body))
	if !hmac.Equal(got, want) && !(m.bug == "any-signature" && len(got) > 0) {
		return payment.Event{}, fmt.Errorf("mem: bad signature: %w", payment.ErrSignature)
	}
	if err := json.Unmarshal(r.Body, &w); err != nil {
		return payment.Event{}, fmt.Errorf("mem: %v", err)
	}
	ev := payment.Event{ID: w.ID, Provider: "mem", CheckoutID: w.Checkout, RegistrationID: w.Registration,
		PaymentID: w.Payment, Amount: w.Amount, Currency: w.Currency, RefundID: w.Refund}
	switch w.Type {
	case "paid":
		ev.Kind = payment.Paid
	case "refunded":
		ev.Kind = payment.Refunded
	default:
		if m.bug == "ignored-plain-error" {
			return payment.Event{}, errors.New("mem: unknown type")
		}
		return payment.Event{}, fmt.Errorf("mem: %s: %w", w.Type, payment.ErrIgnored)
	}
	return ev, nil
}

// memFee is what the mem provider keeps of a payment: 2% + 10, in the
// payment's currency.
func memFee(amount int64) int64 { return amount*2/100 + 10 }

// Payment implements payment.PaymentLookup.
func (m *memProvider) Payment(_ context.Context, checkoutID, paymentID string) (payment.PaymentState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.byPayment[paymentID]
	if c == nil || c.id != checkoutID {
		return payment.PaymentState{}, fmt.Errorf("mem: no payment %s: %w", paymentID, payment.ErrNotFound)
	}
	st := payment.PaymentState{Amount: c.req.Amount, Currency: c.req.Currency, Refunded: c.refunded,
		Fee: memFee(c.req.Amount), FeeCurrency: c.req.Currency}
	switch m.bug {
	case "lookup-refunds-lost":
		st.Refunded = 0
	case "lookup-wrong-fee":
		st.Fee++
	}
	return st, nil
}

// pay is the buyer paying; the provider delivers a webhook.
func (m *memProvider) pay(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.checkouts[id]
	if c == nil || c.paid {
		return
	}
	c.paid = true
	m.byPayment["mem_pay_"+id] = c
	m.seq++
	m.sent = append(m.sent, memWebhook{ID: fmt.Sprintf("mem_evt_%d", m.seq), Type: "paid", Checkout: id,
		Registration: c.req.RegistrationID, Payment: "mem_pay_" + id, Amount: c.req.Amount, Currency: c.req.Currency})
}

func (m *memProvider) harness() paymenttest.Harness {
	signed := func(w memWebhook) payment.WebhookRequest {
		body, _ := json.Marshal(w)
		return payment.WebhookRequest{Body: body, Header: http.Header{memSignature: {m.sign(m.secret, body)}}}
	}
	return paymenttest.Harness{
		Name:    "mem",
		Takes:   []string{"EUR", "USD"},
		Refuses: []string{"JPY", ""},
		Module:  m.module(),
		Pay: func(t *testing.T, co payment.Checkout) {
			if m.checkouts[co.ID] == nil {
				t.Fatalf("mem: no checkout %s", co.ID)
			}
			m.pay(co.ID)
		},
		ReturnQuery: func(co payment.Checkout) url.Values { return url.Values{"checkout": {co.ID}} },
		Webhook: func(t *testing.T, kind payment.Kind) payment.WebhookRequest {
			if kind == paymenttest.Unrelated {
				return signed(memWebhook{ID: "mem_evt_other", Type: "customer.created"})
			}
			m.mu.Lock()
			defer m.mu.Unlock()
			for i := len(m.sent) - 1; i >= 0; i-- {
				if m.sent[i].Type == string(kind) {
					return signed(m.sent[i])
				}
			}
			t.Fatalf("mem: no %s webhook", kind)
			return payment.WebhookRequest{}
		},
		Forge: func(r payment.WebhookRequest) payment.WebhookRequest {
			return payment.WebhookRequest{Body: r.Body, Header: http.Header{memSignature: {m.sign([]byte("attacker"), r.Body)}}}
		},
		UnknownCheckout: "mem_co_none",
		Fee:             func(_ string, amount int64, currency string) (int64, string) { return memFee(amount), currency },
	}
}

const bugEnv = "PAYMENTTEST_BUG"

// The reference provider passes the suite; with PAYMENTTEST_BUG set (by
// TestSuiteCatchesBugs) it carries that bug.
func TestReferenceProvider(t *testing.T) {
	m := newMem(os.Getenv(bugEnv))
	paymenttest.Run(t, m, m.harness())
}

// A harness that gives nothing but currencies: what needs the rest is
// skipped, and what remains still runs and passes.
func TestMinimalHarness(t *testing.T) {
	if os.Getenv(bugEnv) != "" {
		t.Skip("a bug run")
	}
	paymenttest.Run(t, newMem(""), paymenttest.Harness{Takes: []string{"EUR"}})
}

// Each planted bug fails the suite, in the subtest that checks what it
// breaks; with none, nothing is skipped.
func TestSuiteCatchesBugs(t *testing.T) {
	if os.Getenv(bugEnv) != "" {
		t.Skip("a bug run")
	}
	run := func(t *testing.T, bug string) (string, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestReferenceProvider$", "-test.v")
		cmd.Env = append(os.Environ(), bugEnv+"="+bug)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	t.Run("none", func(t *testing.T) {
		out, err := run(t, "none")
		if err != nil {
			t.Fatalf("the reference provider fails the suite: %v\n%s", err, out)
		}
		if strings.Contains(out, "--- SKIP") {
			t.Errorf("a full harness still skips:\n%s", out)
		}
	})
	for bug, subtest := range map[string]string{
		"name-changes":           "Name",
		"currency-plain-error":   "CreateCheckout/RefusedCurrency",
		"no-idempotency":         "CreateCheckout/SameIdempotencyKey",
		"unknown-pending":        "Status/UnknownCheckout",
		"status-new-id":          "Status/Unpaid",
		"wrong-amount":           "Paid/Status",
		"return-pays":            "PaidFoundByStatus",
		"overrefund":             "Paid/Refund",
		"any-signature":          "Webhook/Forged",
		"panic-on-garbage":       "Webhook/GarbageUnsigned",
		"type-before-signature":  "Webhook/Unsigned",
		"ignored-plain-error":    "Webhook/Unrelated",
		"returned-checkout-none": "ReturnedCheckout",
		"module-lies":            "Module",
		"lookup-wrong-fee":       "Paid/Lookup",
		"lookup-refunds-lost":    "Paid/Refund/Lookup",
	} {
		t.Run(bug, func(t *testing.T) {
			out, err := run(t, bug)
			if err == nil {
				t.Fatalf("the suite passes a provider with bug %s:\n%s", bug, out)
			}
			if !strings.Contains(out, "--- FAIL: TestReferenceProvider/"+subtest+" ") {
				t.Errorf("bug %s did not fail subtest %s:\n%s", bug, subtest, out)
			}
		})
	}
}

// module is what the reference provider would register; with bug
// module-lies it claims a currency the provider refuses.
func (m *memProvider) module() *payment.Module {
	text := payment.Text{}
	for _, l := range payment.Languages {
		text[l] = "Mem"
	}
	mod := payment.Module{Name: "mem", Title: text, Hint: text,
		Currencies: map[string]payment.Limits{"EUR": {Min: 1}, "USD": {Min: 1}},
		New:        func(map[string]string) (payment.Provider, error) { return m, nil }}
	if m.bug == "module-lies" {
		mod.Currencies["JPY"] = payment.Limits{Min: 1}
	}
	return &mod
}
