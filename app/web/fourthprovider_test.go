package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/ticketing"
)

// A fourth payment provider, written in this test file alone: registered
// like the plugins are, it is configured through the settings API, offered
// on the event page, paid through and confirmed by its webhook, with no
// change anywhere else.

// fourthPay takes EUR; its webhook carries the checkout and what was paid,
// signed by sending the configured token back in a header.
type fourthPay struct{ name, token string }

type fourthWebhook struct {
	ID           string `json:"id"`
	Checkout     string `json:"checkout"`
	Registration int64  `json:"registration"`
	Amount       int64  `json:"amount"`
	Currency     string `json:"currency"`
}

func (p *fourthPay) Name() string                  { return p.name }
func (p *fourthPay) Supports(currency string) bool { return currency == "EUR" }
func (p *fourthPay) Check(context.Context) error {
	if p.token != "good" {
		return fmt.Errorf("fourthpay: unknown token: %w", payment.ErrCredentials)
	}
	return nil
}

func (p *fourthPay) CreateCheckout(_ context.Context, r payment.CheckoutRequest) (payment.Checkout, error) {
	id := fmt.Sprintf("fp_%d", r.RegistrationID)
	return payment.Checkout{ID: id, RedirectURL: "https://fourthpay.test/pay/" + id}, nil
}

func (p *fourthPay) ParseWebhook(_ context.Context, r payment.WebhookRequest) (payment.Event, error) {
	if r.Header.Get("Fourthpay-Token") != p.token {
		return payment.Event{}, payment.ErrSignature
	}
	var w fourthWebhook
	if err := json.Unmarshal(r.Body, &w); err != nil {
		return payment.Event{}, fmt.Errorf("fourthpay: %v: %w", err, payment.ErrSignature)
	}
	return payment.Event{ID: w.ID, Provider: p.name, Kind: payment.Paid, CheckoutID: w.Checkout, RegistrationID: w.Registration,
		PaymentID: "pay_" + w.Checkout, Amount: w.Amount, Currency: w.Currency}, nil
}

func (p *fourthPay) Return(context.Context, url.Values) (payment.Event, error) {
	return payment.Event{}, payment.ErrNotApproved
}
func (p *fourthPay) ReturnedCheckout(q url.Values) string { return q.Get("checkout") }
func (p *fourthPay) Status(_ context.Context, id string) (payment.Event, error) {
	return payment.Event{ID: id + ":pending", Provider: p.name, Kind: payment.Pending, CheckoutID: id}, nil
}
func (p *fourthPay) Refund(context.Context, payment.RefundRequest) (payment.Refund, error) {
	return payment.Refund{}, payment.ErrUnsupported
}

// fourthModule registers it as name, titled title.
func fourthModule(name string, title payment.Text) payment.Module {
	return payment.Module{Name: name, Title: title, Hint: title,
		Settings:   []payment.Setting{{Key: "token", Required: true, Secret: true, Label: title}},
		Currencies: map[string]payment.Limits{"EUR": {Min: 500}},
		New: func(s map[string]string) (payment.Provider, error) {
			return &fourthPay{name: name, token: s["token"]}, nil
		}}
}

func TestFourthProviderEndToEnd(t *testing.T) {
	e := newEnvWith(t, payment.NewRegistry(), func(o *ticketing.Options, _ *Deps) {
		o.Modules = testModules(
			fourthModule("fourthpay", payment.Text{"en": "Fourth Pay", "fr": "Quatrième Paie", "es": "Cuarto Pago", "ru": "Четвёртая касса", "de": "Vierte Kasse"}),
			fourthModule("fifthpay", payment.Text{"en": "Fifth Pay", "fr": "Cinquième Paie", "es": "Quinto Pago", "ru": "Пятая касса", "de": "Fünfte Kasse"}))
	})
	// Configured through the settings API, checked by the provider.
	if r := e.do("PUT", "/api/v1/settings/payments/fourthpay", map[string]any{"token": "bad"}, true); r.Status != 422 ||
		!strings.Contains(string(r.Body), `"token"`) {
		t.Fatalf("refused token: %d %s", r.Status, r.Body)
	}
	if r := e.do("PUT", "/api/v1/settings/payments/fourthpay", map[string]any{"token": "good", "colour": "red"}, true); r.Status != 422 ||
		!strings.Contains(string(r.Body), `"colour"`) {
		t.Fatalf("unknown setting: %d %s", r.Status, r.Body)
	}
	r := e.do("PUT", "/api/v1/settings/payments/fourthpay", map[string]any{"token": "good"}, true)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"connected":true`) || strings.Contains(string(r.Body), `"good"`) {
		t.Fatalf("connect: %d %s", r.Status, r.Body)
	}
	if r := e.do("PUT", "/api/v1/settings/payments/fifthpay", map[string]any{"token": "good"}, true); r.Status != 200 {
		t.Fatalf("connect the fifth: %d %s", r.Status, r.Body)
	}
	// Its currency and minimum are checked from its module.
	if r := e.do("POST", "/api/v1/events", liveEvent(map[string]any{"price": map[string]any{"amount": 400, "currency": "EUR"}, "providers": []string{"fourthpay"}}), true); r.Status != 422 ||
		!strings.Contains(string(r.Body), "Fourth Pay's minimum charge") {
		t.Fatalf("below its minimum: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/events", liveEvent(map[string]any{"price": map[string]any{"amount": 2500, "currency": "USD"}, "providers": []string{"fourthpay"}}), true); r.Status != 422 ||
		!strings.Contains(string(r.Body), "Fourth Pay does not accept USD") {
		t.Fatalf("a currency it does not take: %d %s", r.Status, r.Body)
	}
	ev := e.createEvent(liveEvent(map[string]any{"price": map[string]any{"amount": 2500, "currency": "EUR"}, "providers": []string{"fourthpay", "fifthpay"}}))
	slug := ev["slug"].(string)
	// Offered on the event page, in the page's language.
	page := e.do("GET", "/e/"+slug+"?lang=de", nil, false)
	if !strings.Contains(string(page.Body), `value="fourthpay" checked> Vierte Kasse`) || !strings.Contains(string(page.Body), `value="fifthpay"> Fünfte Kasse`) {
		t.Fatalf("event page:\n%s", page.Body)
	}
	reg := e.do("POST", "/api/v1/public/events/"+slug+"/registrations", map[string]any{"name": "Ada Four", "email": "ada@example.org", "provider": "fourthpay"}, false)
	if reg.Status != 201 {
		t.Fatalf("register: %d %s", reg.Status, reg.Body)
	}
	body := reg.JSON(t)
	id := num(body["registration"].(map[string]any)["id"])
	if body["checkout_url"] != fmt.Sprintf("https://fourthpay.test/pay/fp_%d", id) {
		t.Fatalf("checkout: %v", body)
	}
	hook, _ := json.Marshal(fourthWebhook{ID: "evt_1", Checkout: fmt.Sprintf("fp_%d", id), Registration: id, Amount: 2500, Currency: "EUR"})
	if r := e.do("POST", "/webhooks/fourthpay", hook, false, "Fourthpay-Token", "forged"); r.Status != http.StatusBadRequest {
		t.Fatalf("forged webhook: %d %s", r.Status, r.Body)
	}
	for range 2 { // delivered twice, applied once
		if r := e.do("POST", "/webhooks/fourthpay", hook, false, "Fourthpay-Token", "good"); r.Status != 200 {
			t.Fatalf("webhook: %d %s", r.Status, r.Body)
		}
	}
	got := e.do("GET", fmt.Sprintf("/api/v1/events/%d/registrations", num(ev["id"])), nil, true)
	if !strings.Contains(string(got.Body), `"status":"confirmed"`) || !strings.Contains(string(got.Body), `"provider":"fourthpay"`) {
		t.Fatalf("registrations: %s", got.Body)
	}
	n := 0
	for _, m := range e.outbox() {
		if m.Kind == model.MailAccess && m.RegistrationID != nil && *m.RegistrationID == id {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d access mails, want 1", n)
	}
}
