package ticketing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/store"
)

// Outcome is what applying a provider event did; webhooks answer it, so
// that the provider's delivery log tells the truth.
type Outcome string

const (
	// Applied: the event changed a registration.
	Applied Outcome = "applied"
	// Duplicate: the event was seen before, or what it reports was already
	// recorded (the return page applied the same capture under its own id;
	// Admit's own refund came back as a webhook).
	Duplicate Outcome = "duplicate"
	// Ignored: the event names no registration of Admit's (another shop's
	// order on the same provider account).
	Ignored Outcome = "ignored"
)

// ApplyPayment applies a provider event (from a webhook, the return page or
// reconciliation) exactly once: the (provider, event id) row and the state
// change commit together, and only the call that changed the state sends
// mail. It reports what the event did.
func (s *Service) ApplyPayment(ctx context.Context, ev payment.Event) (Outcome, error) {
	return s.applyPayment(ctx, ev, false)
}

// applyPayment is ApplyPayment; buyerHere says the buyer is on the return
// page, which tells them what a failed payment needs no email for.
func (s *Service) applyPayment(ctx context.Context, ev payment.Event, buyerHere bool) (Outcome, error) {
	if ev.Provider == "" || ev.ID == "" {
		return "", fmt.Errorf("ticketing: payment event without provider or id")
	}
	// A redelivery is answered from the read pool; the writer decides only
	// about events it has not seen (and the UNIQUE row settles any race).
	if seen, err := s.store.PaymentEventSeen(ctx, ev.Provider, ev.ID); err != nil || seen {
		return Duplicate, err
	}
	outcome := Duplicate
	var refundIDs []int64
	var voids []payment.VoidRequest // holds Admit cannot keep
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		r, err := s.findPaymentRegistration(tx, ev)
		if err != nil && !errors.Is(err, model.ErrNotFound) {
			return err
		}
		var regID int64
		if r != nil {
			regID = r.ID
		}
		// A refund of a payment not recorded yet (its event overtook the
		// payment's) waits for it.
		waits := ev.Kind == payment.Refunded && ev.PaymentID != "" && (r == nil || r.PaymentID != ev.PaymentID)
		mark := ""
		if waits {
			mark = "waiting"
		}
		fresh, err := tx.MarkPaymentEvent(ev.Provider, ev.ID, string(ev.Kind), regID, mark)
		if err != nil || !fresh {
			return err
		}
		if waits {
			s.log.InfoContext(ctx, "refund of a payment not recorded yet: kept until it comes", "provider", ev.Provider, "event", ev.ID, "payment", ev.PaymentID)
			outcome = Applied
			return tx.KeepWaitingEvent(ev.Provider, ev.ID, ev.PaymentID, regID, mustJSON(ev))
		}
		if r == nil {
			s.log.WarnContext(ctx, "payment event for no known registration", "provider", ev.Provider, "event", ev.ID, "kind", ev.Kind, "checkout", ev.CheckoutID)
			outcome = Ignored
			return nil
		}
		before := *r
		held := false
		switch ev.Kind {
		case payment.Paid:
			refundIDs, err = s.applyPaid(tx, r, ev)
		case payment.Failed, payment.Expired:
			err = s.applyUnpaid(tx, r, ev.Kind, buyerHere)
		case payment.Refunded:
			err = s.applyRefunded(tx, r, ev)
		case payment.Authorized:
			held, voids, err = s.applyAuthorized(tx, r, ev)
		case payment.Voided:
			held, err = s.applyVoided(tx, r, ev)
		}
		if err != nil {
			return err
		}
		if held {
			outcome = Applied
		}
		// Read back rather than trusted from r: whatever the event did to
		// the registration counts, however it was written.
		after, err := tx.Registration(r.ID)
		if err != nil {
			return err
		}
		if after.Status != before.Status || after.AmountPaid != before.AmountPaid ||
			after.AmountRefunded != before.AmountRefunded || after.PaymentID != before.PaymentID {
			outcome = Applied
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if outcome == Applied {
		s.metrics.Payment(ev.Provider, string(ev.Kind))
	}
	for _, id := range refundIDs {
		_ = s.sendRefund(ctx, id) // on failure the refunds job retries
	}
	s.sendVoids(ctx, ev.Provider, voids)
	return outcome, nil
}

// findPaymentRegistration finds the registration an event is about: by
// the registration id it carries (Stripe's metadata, PayPal's custom_id),
// unless it names another checkout than that registration's (another shop,
// or another Admit, on the same provider account); else by checkout; else
// by payment.
func (s *Service) findPaymentRegistration(tx *store.Tx, ev payment.Event) (*model.Registration, error) {
	if ev.RegistrationID != 0 {
		r, err := tx.Registration(ev.RegistrationID)
		if err == nil && r.Provider == ev.Provider && (ev.CheckoutID == "" || r.CheckoutID == "" || ev.CheckoutID == r.CheckoutID) {
			return r, nil
		}
		if err != nil && !errors.Is(err, model.ErrNotFound) {
			return nil, err
		}
	}
	if ev.CheckoutID != "" {
		r, err := tx.RegistrationByCheckout(ev.Provider, ev.CheckoutID)
		if !errors.Is(err, model.ErrNotFound) {
			return r, err
		}
	}
	if ev.PaymentID != "" {
		r, err := tx.RegistrationByPayment(ev.Provider, ev.PaymentID)
		if errors.Is(err, model.ErrNotFound) {
			return tx.RegistrationByAuthorization(ev.Provider, ev.PaymentID)
		}
		return r, err
	}
	return nil, model.ErrNotFound
}

// applyPaid records a payment and confirms its registration. Money Admit
// cannot keep is recorded and refunded in full at once, and the buyer is
// told why: a payment whose amount or currency is not the registration's,
// or one that came after its hold ran out when no seat was left (or after
// the registration or the event was cancelled). Refunds that waited for
// this payment are applied with it. It returns refunds to send now.
func (s *Service) applyPaid(tx *store.Tx, r *model.Registration, ev payment.Event) ([]int64, error) {
	if r.AmountPaid > 0 {
		return nil, nil // already applied under another event id (return page, then webhook)
	}
	e, err := tx.EventOnly(r.EventID) // no sessions needed here
	if err != nil {
		return nil, err
	}
	currency := strings.ToUpper(ev.Currency)
	mismatch := ev.Amount != r.Amount || currency != r.Currency
	// A payment held for the organizer's decision, captured now: its
	// registration keeps the seat it holds, and is confirmed.
	hold, err := openHold(tx, r)
	if err != nil {
		return nil, err
	}
	seat := !mismatch
	if seat && hold == nil {
		if seat, err = s.seatLeft(tx, e, r); err != nil {
			return nil, err
		}
	}
	var waiting []string
	if ev.PaymentID != "" {
		if waiting, err = tx.TakeWaitingEvents(ev.Provider, ev.PaymentID); err != nil {
			return nil, err
		}
	}
	if !seat {
		// Never money without a ticket: record the payment, refund it all.
		reason, kind := "late_payment", model.MailLateRefund
		if mismatch {
			reason, kind = "payment_mismatch", model.MailPaymentMismatch
			s.log.ErrorContext(tx.Context(), "payment does not match the registration: recorded and refunded", "registration", r.ID, "provider", ev.Provider,
				"event", ev.ID, "paid", ev.Amount, "paid_currency", currency, "expected", r.Amount, "currency", r.Currency)
		} else {
			s.log.WarnContext(tx.Context(), "payment arrived without a seat: refunding", "registration", r.ID, "amount", ev.Amount)
		}
		status := r.Status
		if status == model.StatusPendingPayment {
			status = model.StatusExpired
		}
		if err := s.recordPayment(tx, r, status, ev, false, waiting); err != nil {
			return nil, err
		}
		left, _, err := refundable(tx, r)
		if err != nil || left <= 0 {
			return nil, err
		}
		id, err := s.queueRefund(tx, r, left, reason)
		if err != nil {
			return nil, err
		}
		return []int64{id}, s.queueMail(tx, r, e, kind, map[string]any{"amount": r.AmountPaid, "currency": r.PaidCurrency})
	}
	status, kind := model.StatusConfirmed, model.MailAccess
	if e.ApprovalRequired && hold == nil && !approved(tx, r) {
		status, kind = model.StatusPendingApproval, model.MailPending
	}
	if hold != nil {
		if _, err := tx.SetAuthorizationStatus(r.ID, hold.Status, model.AuthCaptured, ""); err != nil {
			return nil, err
		}
	}
	if len(waiting) == 0 {
		// The access email's time is set with the payment.
		if err := s.recordPayment(tx, r, status, ev, true, nil); err != nil {
			return nil, err
		}
		return nil, s.queueMail(tx, r, e, kind, nil)
	}
	if err := s.recordPayment(tx, r, status, ev, false, waiting); err != nil {
		return nil, err
	}
	if r.Status == model.StatusRefunded {
		s.log.InfoContext(tx.Context(), "payment refunded in full before it was recorded: no access", "registration", r.ID)
		return nil, nil
	}
	if kind == model.MailAccess {
		return nil, s.queueAccessMail(tx, r, e, kind)
	}
	return nil, s.queueMail(tx, r, e, kind, nil)
}

// seatLeft says whether a payment or a hold arriving for r may take its
// seat: the registration waits for it (or its hold ran out and a seat is
// still free), and neither it nor its event was cancelled.
func (s *Service) seatLeft(tx *store.Tx, e *model.Event, r *model.Registration) (bool, error) {
	seat := e.Status != model.EventCancelled && (r.Status == model.StatusPendingPayment || r.Status == model.StatusExpired)
	if seat && (r.Status != model.StatusPendingPayment || !r.Active(tx.Now())) {
		// Late: the seat is taken only if one is left. A tier or promo
		// code sold out meanwhile does not stop it (the money decides; the
		// counters may then exceed their limit).
		if e.Capacity != nil {
			var err error
			if seat, err = lateSeat(tx, e, r); err != nil {
				return false, err
			}
		}
		if seat {
			// Someone with the same email may have registered again meanwhile.
			if other, err := tx.LiveRegistration(e.ID, r.SessionID, strings.ToLower(r.Email)); err == nil && other.ID != r.ID {
				seat = false
			}
		}
	}
	return seat, nil
}

// recordPayment stores a payment on r with the status it leads to, then
// applies the refund events that waited for it.
func (s *Service) recordPayment(tx *store.Tx, r *model.Registration, status string, ev payment.Event, mailed bool, waiting []string) error {
	currency := strings.ToUpper(ev.Currency)
	if err := tx.SetPaid(r, status, ev.Amount, currency, ev.PaymentID, mailed); err != nil {
		return err
	}
	r.Status, r.AmountPaid, r.PaidCurrency, r.PaymentID = status, ev.Amount, currency, ev.PaymentID
	if err := notePaymentFee(tx, r, ev); err != nil {
		return err
	}
	for _, body := range waiting {
		var w payment.Event
		if err := json.Unmarshal([]byte(body), &w); err != nil {
			return fmt.Errorf("ticketing: a waiting payment event: %w", err)
		}
		if err := s.applyRefunded(tx, r, w); err != nil {
			return err
		}
	}
	return nil
}

// applyUnpaid ends the hold of a checkout that failed or expired. A failed
// payment the buyer did not see on the return page (told by a webhook or
// found by the reconciliation) is told by email: they may have left
// believing they paid.
func (s *Service) applyUnpaid(tx *store.Tx, r *model.Registration, kind payment.Kind, buyerHere bool) error {
	if r.Status != model.StatusPendingPayment {
		return nil
	}
	if _, err := tx.SetRegistrationStatus(r.ID, r.Status, model.StatusExpired); err != nil {
		return err
	}
	r.Status = model.StatusExpired
	if kind != payment.Failed || buyerHere {
		return nil
	}
	e, err := tx.EventOnly(r.EventID)
	if err != nil {
		return err
	}
	return s.queueMail(tx, r, e, model.MailPaymentFailed, nil)
}
