package ticketing

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
)

// TestHandleWebhook: a webhook is verified by the provider it names, then
// applied once; a bad or missing signature, or a provider not connected,
// is refused with model.ErrBadSignature and changes nothing; a kind Admit
// does not act on is ignored.
func TestHandleWebhook(t *testing.T) {
	ctx := context.Background()
	f := newLedgerProvider("stripe", false, true)
	g := newLedgerRig(t, f)
	sign := func(body []byte) string {
		mac := hmac.New(sha256.New, []byte("whsec_test"))
		mac.Write(body)
		return hex.EncodeToString(mac.Sum(nil))
	}
	f.parse = func(r payment.WebhookRequest) (payment.Event, error) {
		if !hmac.Equal([]byte(r.Header.Get("Signature")), []byte(sign(r.Body))) {
			return payment.Event{}, fmt.Errorf("%w: no match", payment.ErrSignature)
		}
		var ev payment.Event
		if err := json.Unmarshal(r.Body, &ev); err != nil || ev.Kind == "" {
			return payment.Event{}, payment.ErrIgnored
		}
		return ev, nil
	}
	r := g.buy("ada@example.org")
	f.pay(g.reg(r.ID))
	ev := f.take(0)
	body, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	state := func() string {
		reg := g.reg(r.ID)
		seen, err := g.st.PaymentEventSeen(ctx, "stripe", ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		mails, err := g.st.Outbox(ctx, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%s paid %d, event seen %v, %d mails", reg.Status, reg.AmountPaid, seen, len(mails))
	}
	before := state()
	for _, c := range []struct {
		name, provider, signature, verifiedBy string
	}{
		{"wrong signature", "stripe", sign([]byte("another body")), "stripe"},
		{"no signature", "stripe", "", "stripe"},
		{"provider not connected", "paypal", sign(body), ""},
	} {
		res, err := g.s.HandleWebhook(ctx, c.provider, body, http.Header{"Signature": {c.signature}})
		var p *model.Problem
		if !errors.Is(err, model.ErrBadSignature) || !errors.As(err, &p) || p.Message == "" {
			t.Fatalf("%s: %v, want a problem of kind ErrBadSignature", c.name, err)
		}
		if res.Provider != c.verifiedBy || res.Outcome != "" {
			t.Fatalf("%s: %+v", c.name, res)
		}
		if now := state(); now != before {
			t.Fatalf("%s changed %q into %q", c.name, before, now)
		}
	}
	good := http.Header{"Signature": {sign(body)}}
	for _, want := range []Outcome{Applied, Duplicate} {
		res, err := g.s.HandleWebhook(ctx, "stripe", body, good)
		if err != nil || res.Outcome != want || res.Provider != "stripe" {
			t.Fatalf("signed webhook: %+v, %v; want %s", res, err, want)
		}
	}
	if reg := g.reg(r.ID); reg.Status != model.StatusConfirmed || reg.AmountPaid != ev.Amount {
		t.Fatalf("after the webhook: %s paid %d", reg.Status, reg.AmountPaid)
	}
	other := []byte(`{"type":"customer.created"}`)
	if res, err := g.s.HandleWebhook(ctx, "stripe", other, http.Header{"Signature": {sign(other)}}); err != nil || res.Outcome != Ignored {
		t.Fatalf("a kind Admit does not act on: %+v, %v", res, err)
	}
}
