package ticketing

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/admit/admit/app/mail"
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/pricing"
	"github.com/admit/admit/app/store"
)

// Offline payments (payment.Offline: a bank transfer) have no checkout
// page: the registration gets a reference, its seat is held until the
// provider's term, the registrant is sent what to pay and how, and the
// organizer records what arrived (MarkPaid). Paid in full, it is applied
// like any payment (ApplyPayment, exactly once); unpaid at the term, its
// seat is released and the registrant told (ExpireOfflinePayments).

// Offline payments on an event with manual approval wait for it: the
// registrant who chooses one is pending_approval with nothing to pay, their
// seat held, no reference and no instructions; the organizer's confirmation
// opens the payment (pending_payment, the reference, the instructions
// mailed, the term counted from then: approveOffline), and a payment that
// arrives then confirms at once; a rejection has nothing to refund.

// paysAfterApproval: r waits for the organizer's approval before paying
// offline (nothing paid, nothing held, its provider offline).
func (s *Service) paysAfterApproval(r *model.Registration) bool {
	return r.Status == model.StatusPendingApproval && r.AmountPaid == 0 && r.Amount > 0 && s.isOffline(r.Provider)
}

// isOffline: the provider called name takes payments offline (its module
// says so), connected or not.
func (s *Service) isOffline(name string) bool {
	m, ok := s.modules.Get(name)
	return ok && m.Offline
}

// PaysAfterApproval reports whether r, awaiting approval, pays offline
// once approved (pages say there is nothing to pay yet).
func (s *Service) PaysAfterApproval(r *model.Registration) bool { return s.paysAfterApproval(r) }

// approveOffline confirms a registration that pays offline after approval:
// it becomes pending_payment with its reference, the term counted from
// now, and the instructions are mailed. A payment recorded then confirms it
// at once (its approval is kept, as for a lapsed hold paid again).
func (s *Service) approveOffline(ctx context.Context, r *model.Registration) (*model.Registration, error) {
	p, ok := s.provider(r.Provider)
	o, isOffline := s.offline(r.Provider)
	if !ok || !isOffline {
		return nil, model.Fail(model.ErrProviderMissing, s.providerTitle(r.Provider)+" is not connected: connect it again to send the payment instructions; the registration still awaits approval.")
	}
	// The seat stays held; the term set with the reference replaces this
	// hold.
	e, err := s.reopenApproved(ctx, r, o.Term())
	if err != nil {
		return nil, err
	}
	res := &RegisterResult{Registration: r, Event: e}
	co, err := p.CreateCheckout(ctx, s.checkoutRequest(r, e, "checkout-"+strconv.FormatInt(r.ID, 10)+"-approved"))
	if err == nil {
		err = s.openOffline(ctx, res, o, co, true)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "offline payment not opened on approval", "registration", r.ID, "provider", r.Provider, "err", err)
		s.backToApproval(ctx, r)
		return nil, model.Fail(model.ErrProviderFailed, "The payment instructions could not be prepared; nothing changed and the registration still awaits approval. Try again.")
	}
	return s.Registration(ctx, r.ID)
}

// offline is the connected provider name's Offline capability.
func (s *Service) offline(name string) (payment.Offline, bool) {
	p, ok := s.providers.Get(name)
	if !ok {
		return nil, false
	}
	o, ok := p.(payment.Offline)
	return o, ok
}

// openOffline records a new offline payment once its provider gave the
// reference (co.ID): the seat is held until the term, the instructions are
// mailed (saying the registration was approved, when it just was), and the
// buyer is sent to their own page, which shows them.
func (s *Service) openOffline(ctx context.Context, res *RegisterResult, o payment.Offline, co payment.Checkout, approved bool) error {
	r, e := res.Registration, res.Event
	page := s.AccessURL(r.TokenNonce)
	due := s.now().Add(o.Term())
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.SetCheckout(r.ID, co.ID, page); err != nil {
			return err
		}
		if err := tx.InsertOfflinePayment(r.ID, r.Provider, co.ID, due); err != nil {
			return err
		}
		// The instructions are written when the mail leaves
		// (mailInstructions), in the language it leaves in.
		return s.queueMail(tx, r, e, model.MailPaymentDue, map[string]any{"amount": r.Amount, "currency": r.Currency,
			"due_at": due.Unix(), "provider": r.Provider, "reference": co.ID, "approved": approved})
	})
	if err != nil {
		return err
	}
	r.CheckoutID, r.CheckoutURL, r.HoldExpiresAt = co.ID, page, nil
	res.CheckoutURL = page
	s.log.InfoContext(ctx, "offline payment opened", "registration", r.ID, "provider", r.Provider, "reference", co.ID, "due", due)
	return nil
}

// mailInstructions are how to pay reference with provider, as a mail in
// lang shows them: written when the mail leaves (Compose), so in the
// language it leaves in and with the account as it is then. A mail queued
// with its instructions already written (queued, before they were written
// at sending) keeps those; none when the provider is not connected any
// more, as on the registrant's page.
func (s *Service) mailInstructions(provider, reference, lang string, queued []mail.MailInstruction) []mail.MailInstruction {
	p, ok := s.offline(provider)
	if reference == "" || !ok {
		return queued
	}
	var out []mail.MailInstruction
	for _, in := range p.Instructions(lang, reference) {
		out = append(out, mail.MailInstruction{Label: in.Label, Value: in.Value, Code: in.Code})
	}
	return out
}

// OfflineState is what a registration paid offline stands at.
type OfflineState struct {
	// AwaitingApproval: the event approves each registration first, and
	// nothing is due yet; the reference, the term and the instructions
	// come (by email too) once the organizer approves it.
	AwaitingApproval bool `json:"awaiting_approval,omitempty"`
	// Amount is the price to pay, in Currency.
	Amount    int64     `json:"amount"`
	Reference string    `json:"reference,omitempty"`
	DueAt     time.Time `json:"due_at,omitzero"`
	// Received is what the organizer recorded as arrived, Balance what is
	// left to pay (both in the registration's currency).
	Received int64  `json:"amount_received"`
	Balance  int64  `json:"balance"`
	Currency string `json:"currency"`
	// Released: the term ran out unpaid and the seat was released.
	Released bool `json:"released"`
	// Instructions are how to pay, in the language asked (empty when the
	// provider is not connected any more).
	Instructions []payment.Instruction `json:"instructions,omitempty"`
}

func (s *Service) offlineState(r *model.Registration, o *model.OfflinePayment, lang string) *OfflineState {
	st := &OfflineState{Amount: r.Amount, Reference: o.Reference, DueAt: o.DueAt, Received: o.Received, Balance: o.Balance(r),
		Currency: r.Currency, Released: o.ReleasedAt != nil}
	if r.Status != model.StatusPendingPayment && (r.AmountPaid > 0 || r.Status == model.StatusConfirmed) {
		st.Received = max(st.Received, r.AmountPaid)
	}
	if p, ok := s.offline(o.Provider); ok && r.Status == model.StatusPendingPayment {
		st.Instructions = p.Instructions(lang, o.Reference)
	}
	return st
}

// OfflineOf is the offline payment of a registration, nil when it pays
// otherwise.
func (s *Service) OfflineOf(ctx context.Context, r *model.Registration, lang string) (*OfflineState, error) {
	o, err := s.store.OfflinePayment(ctx, r.ID)
	if errors.Is(err, model.ErrNotFound) {
		if s.paysAfterApproval(r) {
			return &OfflineState{AwaitingApproval: true, Amount: r.Amount, Currency: r.Currency}, nil
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.offlineState(r, o, lang), nil
}

// EventOffline are the offline payments of an event's registrations, by
// registration id.
func (s *Service) EventOffline(ctx context.Context, eventID int64) (map[int64]*model.OfflinePayment, error) {
	return s.store.EventOfflinePayments(ctx, eventID)
}

// MarkPaidResult is what recording a payment answers.
type MarkPaidResult struct {
	Registration *model.Registration `json:"registration"`
	Payment      *OfflineState       `json:"payment"`
}

// dateLayout is the date a payment arrived, as the API takes it.
const dateLayout = "2006-01-02"

// MarkPaid records that amount (minor units of the registration's currency)
// arrived on date (YYYY-MM-DD; "" is today) for a registration paid
// offline. Short of the price it stays pending_payment with the balance
// shown; the payment that completes it is applied like a provider's
// (ApplyPayment, exactly once): confirmed (or pending_approval) with its
// access email. A registration already paid in full answers already_paid;
// one whose term ran out, gone.
func (s *Service) MarkPaid(ctx context.Context, id int64, amount *int64, date string) (*MarkPaidResult, error) {
	f := fields{}
	if amount == nil {
		f.add("amount", "is required: what arrived, in minor units of the registration's currency (1999 = 19.99)")
	} else if *amount <= 0 {
		f.add("amount", "must be above 0, in minor units (1999 = 19.99)")
	}
	paidOn := s.now().UTC().Format(dateLayout)
	if date != "" {
		d, err := time.Parse(dateLayout, date)
		switch {
		case err != nil:
			f.add("date", "%q is not a date such as 2026-12-01", date)
		case d.After(s.now().Add(24 * time.Hour)):
			f.add("date", "%s is in the future: the day the money arrived", date)
		default:
			paidOn = d.Format(dateLayout)
		}
	}
	if len(f) > 0 {
		return nil, model.Invalid(f)
	}
	var complete bool
	var r *model.Registration
	var o *model.OfflinePayment
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		var err error
		if r, err = tx.Registration(id); err != nil {
			return err
		}
		o, err = tx.OfflinePayment(id)
		if errors.Is(err, model.ErrNotFound) {
			return model.Fail(model.ErrConflict, fmt.Sprintf("Registration %d does not pay by an offline method (bank transfer): its payment is recorded by its provider.", id))
		}
		if err != nil {
			return err
		}
		switch {
		case r.Status == model.StatusPendingPayment && o.Received >= r.Amount:
			complete = true // recorded in full before, not applied yet: apply it now
			return nil
		case r.Status == model.StatusPendingPayment:
		case r.AmountPaid > 0 || r.Status == model.StatusConfirmed || r.Status == model.StatusPendingApproval:
			return &model.Problem{Err: model.ErrConflict, Code: "already_paid",
				Message: fmt.Sprintf("Registration %d is already paid in full (%s): nothing was recorded.", id, pricing.FormatMoney(max(r.AmountPaid, o.Received), r.Currency, "en"))}
		case o.ReleasedAt != nil:
			return model.Fail(model.ErrGone, fmt.Sprintf("The payment term of registration %d ran out on %s and its seat was released: nothing was recorded. Add the person again (POST /api/v1/events/%d/registrations) if they still come.", id, o.DueAt.Format(dateLayout), r.EventID))
		default:
			return model.Fail(model.ErrConflict, fmt.Sprintf("Registration %d is %s: nothing was recorded.", id, r.Status))
		}
		if balance := o.Balance(r); *amount > balance {
			return model.Invalid(fields{"amount": fmt.Sprintf("is more than the balance of %s (%d): record what is due, and give the rest back by hand", pricing.FormatMoney(balance, r.Currency, "en"), balance)})
		}
		if err := tx.InsertOfflineReceipt(id, *amount, r.Currency, paidOn); err != nil {
			return err
		}
		o.Received += *amount
		complete = o.Received >= r.Amount
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "offline payment recorded", "registration", id, "amount", *amount, "received", o.Received, "due", r.Amount, "complete", complete)
	if complete {
		ev := payment.Event{ID: "offline-" + o.Reference + "-paid", Provider: o.Provider, Kind: payment.Paid, CheckoutID: o.Reference,
			RegistrationID: id, PaymentID: o.Reference, Amount: r.Amount, Currency: r.Currency, OccurredAt: s.now(),
			// What the organizer records is what arrived: no processor
			// kept a fee, and there is none to ask for later.
			Fee: 0, FeeCurrency: r.Currency}
		if _, err := s.ApplyPayment(ctx, ev); err != nil {
			return nil, err
		}
	}
	if r, err = s.store.Registration(ctx, id); err != nil {
		return nil, err
	}
	if o, err = s.store.OfflinePayment(ctx, id); err != nil {
		return nil, err
	}
	return &MarkPaidResult{Registration: r, Payment: s.offlineState(r, o, "en")}, nil
}

// ExpireOfflinePayments releases the seats of offline payments whose term
// ran out unpaid (the registration becomes expired) and tells each
// registrant, once. It reports how many it released.
func (s *Service) ExpireOfflinePayments(ctx context.Context) (int64, error) {
	var n int64
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		ids, err := tx.DueOfflinePayments(100)
		if err != nil {
			return err
		}
		for _, id := range ids {
			r, err := tx.Registration(id)
			if err != nil {
				return err
			}
			o, err := tx.OfflinePayment(id)
			if err != nil {
				return err
			}
			ok, err := tx.SetRegistrationStatus(id, model.StatusPendingPayment, model.StatusExpired)
			if err != nil || !ok {
				return err
			}
			if _, err := tx.ReleaseOfflinePayment(id); err != nil {
				return err
			}
			e, err := tx.Event(r.EventID)
			if err != nil {
				return err
			}
			r.Status = model.StatusExpired
			if err := s.queueMail(tx, r, e, model.MailPaymentExpired, map[string]any{"amount": o.Received, "currency": r.Currency,
				"due_at": o.DueAt.Unix()}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if n > 0 {
		s.log.InfoContext(ctx, "offline payments past their term released", "count", n)
	}
	return n, err
}
