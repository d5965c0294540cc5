package ticketing

import (
	"context"
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
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		r, err := s.findPaymentRegistration(tx, ev)
		if err != nil && !errors.Is(err, model.ErrNotFound) {
			return err
		}
		var regID int64
		if r != nil {
			regID = r.ID
		}
		fresh, err := tx.MarkPaymentEvent(ev.Provider, ev.ID, string(ev.Kind), regID, "")
		if err != nil || !fresh {
			return err
		}
		if r == nil {
			s.log.Warn("payment event for no known registration", "provider", ev.Provider, "event", ev.ID, "kind", ev.Kind, "checkout", ev.CheckoutID)
			outcome = Ignored
			return nil
		}
		before := *r
		switch ev.Kind {
		case payment.Paid:
			refundIDs, err = s.applyPaid(tx, r, ev)
		case payment.Failed, payment.Expired:
			err = s.applyUnpaid(tx, r, ev.Kind, buyerHere)
		case payment.Refunded:
			err = s.applyRefunded(tx, r, ev)
		}
		if err != nil {
			return err
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
	for _, id := range refundIDs {
		s.sendRefund(ctx, id)
	}
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
		return tx.RegistrationByPayment(ev.Provider, ev.PaymentID)
	}
	return nil, model.ErrNotFound
}

// applyPaid confirms a paid registration, or, when the money came after
// its hold ran out and no seat is left, keeps no money: it queues a full
// refund and tells the buyer why. It returns refunds to send now.
func (s *Service) applyPaid(tx *store.Tx, r *model.Registration, ev payment.Event) ([]int64, error) {
	if r.AmountPaid > 0 {
		return nil, nil // already applied under another event id (return page, then webhook)
	}
	if ev.Amount != r.Amount || !strings.EqualFold(ev.Currency, r.Currency) {
		s.log.Error("payment does not match the registration: not confirmed", "registration", r.ID, "provider", ev.Provider,
			"event", ev.ID, "paid", ev.Amount, "paid_currency", ev.Currency, "expected", r.Amount, "currency", r.Currency)
		return nil, nil
	}
	e, err := tx.EventOnly(r.EventID) // no sessions needed here
	if err != nil {
		return nil, err
	}
	now := tx.Now()
	late := r.Status != model.StatusPendingPayment || !r.Active(now)
	seat := e.Status != model.EventCancelled && (r.Status == model.StatusPendingPayment || r.Status == model.StatusExpired)
	if seat && late {
		if e.Capacity != nil {
			taken, err := tx.CountSeatsExcept(e.ID, r.SessionID, r.ID)
			if err != nil {
				return nil, err
			}
			seat = taken < *e.Capacity
		}
		if seat {
			// Someone with the same email may have registered again meanwhile.
			if other, err := tx.LiveRegistration(e.ID, r.SessionID, strings.ToLower(r.Email)); err == nil && other.ID != r.ID {
				seat = false
			}
		}
	}
	if !seat {
		// Never money without a ticket: record the payment, refund it all.
		status := r.Status
		if status == model.StatusPendingPayment {
			status = model.StatusExpired
		}
		if err := tx.SetPaid(r.ID, status, ev.Amount, ev.PaymentID, false); err != nil {
			return nil, err
		}
		r.AmountPaid, r.PaymentID, r.Status = ev.Amount, ev.PaymentID, status
		id, err := s.queueRefund(tx, r, r.AmountPaid, "late_payment")
		if err != nil {
			return nil, err
		}
		s.log.Warn("payment arrived without a seat: refunding", "registration", r.ID, "amount", ev.Amount)
		return []int64{id}, s.queueMail(tx, r, e, model.MailLateRefund, nil)
	}
	status, kind := model.StatusConfirmed, model.MailAccess
	if e.ApprovalRequired {
		status, kind = model.StatusPendingApproval, model.MailPending
	}
	if err := tx.SetPaid(r.ID, status, ev.Amount, ev.PaymentID, true); err != nil {
		return nil, err
	}
	r.Status, r.AmountPaid, r.PaymentID = status, ev.Amount, ev.PaymentID
	return nil, s.queueMail(tx, r, e, kind, nil)
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

// applyRefunded records a refund the provider reports (made in Admit or in
// the provider's dashboard).
func (s *Service) applyRefunded(tx *store.Tx, r *model.Registration, ev payment.Event) error {
	total := r.AmountRefunded
	if ev.RefundedTotal > 0 {
		total = max(total, ev.RefundedTotal)
	} else if ev.Amount > 0 {
		known := false
		if ev.RefundID != "" {
			if _, err := tx.RefundByProviderID(ev.Provider, ev.RefundID); err == nil {
				known = true
			} else if !errors.Is(err, model.ErrNotFound) {
				return err
			}
		}
		if !known {
			refunds, err := tx.Refunds(r.ID)
			if err != nil {
				return err
			}
			// One of ours still in flight, for this amount: it is done.
			for _, f := range refunds {
				if f.Status == model.RefundQueued && f.Amount == ev.Amount {
					if _, err := tx.RefundDone(f.ID, ev.RefundID); err != nil {
						return err
					}
					known = true
					break
				}
			}
		}
		if !known {
			f := &model.Refund{RegistrationID: r.ID, Provider: ev.Provider, PaymentID: ev.PaymentID, Amount: ev.Amount,
				Currency: r.Currency, IdempotencyKey: "external-" + ev.Provider + "-" + ev.ID, Reason: "provider_dashboard",
				Status: model.RefundDone, ProviderRefundID: ev.RefundID}
			if err := tx.InsertRefund(f); err != nil {
				return err
			}
		}
		sum, err := doneRefunds(tx, r.ID)
		if err != nil {
			return err
		}
		total = max(total, sum)
	}
	return s.setRefundedTotal(tx, r, total)
}

// setRefundedTotal stores the total refunded and the status it leads to: a
// full refund revokes access.
func (s *Service) setRefundedTotal(tx *store.Tx, r *model.Registration, total int64) error {
	total = min(total, r.AmountPaid)
	if total <= r.AmountRefunded {
		return nil
	}
	status := r.Status
	switch r.Status {
	case model.StatusConfirmed, model.StatusPartiallyRefunded, model.StatusPendingApproval:
		if total >= r.AmountPaid {
			status = model.StatusRefunded
		} else {
			status = model.StatusPartiallyRefunded
		}
	case model.StatusCancelled, model.StatusExpired:
		if total >= r.AmountPaid {
			status = model.StatusRefunded
		}
	}
	r.AmountRefunded, r.Status = total, status
	return tx.SetRefunded(r.ID, status, total)
}

func doneRefunds(tx *store.Tx, registrationID int64) (int64, error) {
	refunds, err := tx.Refunds(registrationID)
	if err != nil {
		return 0, err
	}
	var sum int64
	for _, f := range refunds {
		if f.Status == model.RefundDone {
			sum += f.Amount
		}
	}
	return sum, nil
}
