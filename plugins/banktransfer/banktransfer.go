// Package banktransfer is a payment.Provider for payment by bank transfer:
// no vendor and no SDK. The buyer gets the organizer's account, the amount
// and a reference (an ISO 11649 creditor reference built from the
// registration id) by email and on their page; the organizer records what
// arrived in the admin (POST /api/v1/registrations/{id}/mark_paid), and a
// registration unpaid after the term releases its seat.
package banktransfer

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/pricing"
)

// Name is the provider's name in routes, the API and the configuration.
const Name = "banktransfer"

// Config is what the organizer sets: an account (holder, IBAN, BIC), or
// instructions in their own words, or both; and the term.
type Config struct {
	AccountHolder string
	IBAN          string
	BIC           string
	// Instructions are free text shown with the account (or instead of it:
	// a bank without IBANs, a payment at the desk).
	Instructions string
	// TermDays is how many days a registrant has to pay (1 to 60).
	TermDays int
}

// Provider takes payment by bank transfer.
type Provider struct{ cfg Config }

// New checks the settings: the IBAN and BIC when given, an account holder
// with an IBAN, an IBAN or instructions, and the term.
func New(cfg Config) (*Provider, error) {
	cfg.AccountHolder = strings.TrimSpace(cfg.AccountHolder)
	cfg.Instructions = strings.TrimSpace(cfg.Instructions)
	if cfg.IBAN != "" {
		if err := CheckIBAN(cfg.IBAN); err != nil {
			return nil, &payment.SettingError{Key: "iban", Problem: err.Error()}
		}
		cfg.IBAN = compact(cfg.IBAN)
		if cfg.AccountHolder == "" {
			return nil, &payment.SettingError{Key: "account_holder", Problem: "is required with an IBAN: the name the account is in"}
		}
	}
	if cfg.BIC != "" {
		if err := CheckBIC(cfg.BIC); err != nil {
			return nil, &payment.SettingError{Key: "bic", Problem: err.Error()}
		}
		cfg.BIC = compact(cfg.BIC)
	}
	if cfg.IBAN == "" && cfg.Instructions == "" {
		return nil, &payment.SettingError{Key: "iban", Problem: "is required, unless instructions say how to pay"}
	}
	if err := checkTerm(cfg.TermDays); err != nil {
		return nil, &payment.SettingError{Key: "term_days", Problem: err.Error()}
	}
	return &Provider{cfg: cfg}, nil
}

// Name implements payment.Provider.
func (p *Provider) Name() string { return Name }

// Supports implements payment.Provider: every currency Admit sells in
// (those the module lists).
func (p *Provider) Supports(currency string) bool {
	_, ok := pricing.Lookup(currency)
	return ok
}

// Check implements payment.Provider: there is nobody to ask; New checked
// the settings.
func (p *Provider) Check(context.Context) error { return nil }

// CreateCheckout implements payment.Provider: the checkout is the payment's
// reference; the buyer is sent to the success URL (Admit shows the
// instructions on their page instead).
func (p *Provider) CreateCheckout(_ context.Context, r payment.CheckoutRequest) (payment.Checkout, error) {
	if !p.Supports(r.Currency) {
		return payment.Checkout{}, fmt.Errorf("banktransfer: %s: %w", r.Currency, payment.ErrCurrency)
	}
	if r.RegistrationID <= 0 {
		return payment.Checkout{}, errors.New("banktransfer: a reference needs the registration id")
	}
	return payment.Checkout{ID: Reference(r.RegistrationID), RedirectURL: r.SuccessURL}, nil
}

// ParseWebhook implements payment.Provider: a bank sends none, so every
// webhook is refused.
func (p *Provider) ParseWebhook(context.Context, payment.WebhookRequest) (payment.Event, error) {
	return payment.Event{}, fmt.Errorf("banktransfer: no webhooks: %w", payment.ErrSignature)
}

// ReturnedCheckout implements payment.Provider.
func (p *Provider) ReturnedCheckout(q url.Values) string {
	if _, ok := ParseReference(q.Get("reference")); ok {
		return compact(q.Get("reference"))
	}
	return ""
}

// Return implements payment.Provider: the money has not come until the
// organizer says so.
func (p *Provider) Return(ctx context.Context, q url.Values) (payment.Event, error) {
	ref := p.ReturnedCheckout(q)
	if ref == "" {
		return payment.Event{}, payment.ErrNotFound
	}
	ev, _ := p.Status(ctx, ref)
	return ev, payment.ErrNotApproved
}

// Status implements payment.Provider: a reference of ours is pending (what
// arrived is recorded in Admit, not here); anything else is unknown.
func (p *Provider) Status(_ context.Context, checkoutID string) (payment.Event, error) {
	id, ok := ParseReference(checkoutID)
	if !ok {
		return payment.Event{}, fmt.Errorf("banktransfer: %q is not a reference: %w", checkoutID, payment.ErrNotFound)
	}
	ref := Reference(id)
	return payment.Event{ID: ref + ":pending", Provider: Name, Kind: payment.Pending, CheckoutID: ref, RegistrationID: id}, nil
}

// Refund implements payment.Provider: Admit cannot send money back by
// itself; the organizer transfers it (the module declares ManualRefunds,
// and Admit records the refund as owed).
func (p *Provider) Refund(context.Context, payment.RefundRequest) (payment.Refund, error) {
	return payment.Refund{}, fmt.Errorf("banktransfer: a bank transfer is refunded by a transfer from the organizer's own bank: %w", payment.ErrUnsupported)
}

// Term implements payment.Offline.
func (p *Provider) Term() time.Duration { return time.Duration(p.cfg.TermDays) * 24 * time.Hour }

// Instructions implements payment.Offline: the account, the reference and
// the organizer's words, in lang.
func (p *Provider) Instructions(lang, reference string) []payment.Instruction {
	var out []payment.Instruction
	add := func(label payment.Text, v string, code bool) {
		if v != "" {
			out = append(out, payment.Instruction{Label: label.In(lang), Value: v, Code: code})
		}
	}
	add(labelHolder, p.cfg.AccountHolder, false)
	add(labelIBAN, formatIBAN(p.cfg.IBAN), true)
	add(labelBIC, p.cfg.BIC, true)
	add(labelReference, FormatReference(reference), true)
	if p.cfg.Instructions != "" {
		out = append(out, payment.Instruction{Value: p.cfg.Instructions})
	}
	return out
}

// termDays reads term_days ("" is the default) and checks it (checkTerm).
func termDays(v string) (int, error) {
	if v == "" {
		return defaultTermDays, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number of days", v)
	}
	return n, checkTerm(n)
}

// checkTerm says what is wrong with a term of days, nil from 1 to 60.
func checkTerm(days int) error {
	if days < 1 || days > 60 {
		return fmt.Errorf("%d must be a number of days from 1 to 60", days)
	}
	return nil
}
