package ticketing

import (
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/store"
)

// The refund ledger of one payment.
//
// A refund row stands for one refund Admit knows by itself: its own
// (queued, then done or failed), and those the provider named by their id
// (PayPal's webhooks, PayPal's list of a payment's refunds). Stripe's
// charge.refunded names no refund: it says how much this refund was and
// the charge's new total. That total is the provider's truth, kept as
// Registration.ProviderRefunded; the part of it that no row stands for
// (refunds made in the dashboard) is Registration.RefundedUnmatched. Then
//
//	amount_refunded = done rows + RefundedUnmatched (at most what was paid)
//
// and what may still be asked for is what was paid, less that, less the
// refunds on their way. An event that reports a refund Admit made is matched
// to its row (by id, or to a queued row of that amount), never counted again;
// an older total changes nothing.

// ledger is a payment's refund rows, summed.
type ledger struct {
	refunds []*model.Refund
	done    int64 // accepted by the provider (or marked refunded by the organizer)
	queued  int64 // on their way: may already be done at the provider
	owed    int64 // owed by the organizer by hand (manual, not marked refunded yet)
}

func loadLedger(tx *store.Tx, registrationID int64) (*ledger, error) {
	refunds, err := tx.Refunds(registrationID)
	if err != nil {
		return nil, err
	}
	l := &ledger{refunds: refunds}
	for _, f := range refunds {
		switch {
		case f.Status == model.RefundDone:
			l.done += f.Amount
		case f.Owed():
			l.owed += f.Amount
		case f.OnItsWay():
			l.queued += f.Amount
		}
	}
	return l, nil
}

// refunded is the total refunded: the rows done and what the provider
// counted besides.
func (l *ledger) refunded(r *model.Registration) int64 {
	return min(r.AmountPaid, l.done+r.RefundedUnmatched)
}

// left is what may still be refunded: paid, less what is refunded, on its
// way or owed by hand.
func (l *ledger) left(r *model.Registration) int64 {
	return max(0, r.AmountPaid-l.refunded(r)-l.queued-l.owed)
}

func (l *ledger) byProviderID(id string) *model.Refund {
	for _, f := range l.refunds {
		if id != "" && f.ProviderRefundID == id {
			return f
		}
	}
	return nil
}

func (l *ledger) queuedOf(amount int64) *model.Refund {
	for _, f := range l.refunds {
		if f.OnItsWay() && f.Amount == amount {
			return f
		}
	}
	return nil
}

// refundable is what may still be refunded of r's payment, and how many
// refund rows it has (for the next idempotency key).
func refundable(tx *store.Tx, r *model.Registration) (int64, int, error) {
	l, err := loadLedger(tx, r.ID)
	if err != nil {
		return 0, 0, err
	}
	return l.left(r), len(l.refunds), nil
}

// noteRefund records one refund the provider reports: id (when it names
// it), amount (0 when unknown). It is one of Admit's own when a row has its
// id, or when a refund of that amount is on its way (the webhook overtook
// the provider's answer); otherwise one made elsewhere. It does not settle
// the total: the caller does.
func noteRefund(tx *store.Tx, r *model.Registration, provider, id string, amount int64) error {
	l, err := loadLedger(tx, r.ID)
	if err != nil {
		return err
	}
	if l.byProviderID(id) != nil {
		return nil
	}
	if amount <= 0 {
		return nil
	}
	if f := l.queuedOf(amount); f != nil {
		_, err := tx.RefundDone(f.ID, id)
		return err
	}
	if id == "" {
		// Neither named nor ours: the provider's total, if it sent one,
		// counts it.
		return nil
	}
	f := &model.Refund{RegistrationID: r.ID, Provider: provider, PaymentID: r.PaymentID, Amount: amount,
		Currency: r.MoneyCurrency(), IdempotencyKey: "external-" + provider + "-" + id, Reason: "provider_dashboard",
		Status: model.RefundDone, ProviderRefundID: id}
	if err := tx.InsertRefund(f); err != nil {
		return err
	}
	// It may be one the provider's total already counted without naming.
	r.RefundedUnmatched -= min(r.RefundedUnmatched, amount)
	return nil
}

// applyRefunded records a refund the provider reports by webhook (made in
// Admit or in the provider's dashboard), then the total it leads to.
func (s *Service) applyRefunded(tx *store.Tx, r *model.Registration, ev payment.Event) error {
	if err := noteRefund(tx, r, ev.Provider, ev.RefundID, ev.Amount); err != nil {
		return err
	}
	if ev.RefundedTotal == 0 && ev.RefundID == "" && ev.Amount > 0 {
		// Neither named nor totalled: all there is, is its amount.
		r.RefundedUnmatched += ev.Amount
	}
	r.ProviderRefunded = max(r.ProviderRefunded, ev.RefundedTotal)
	return s.settle(tx, r)
}

// syncPayment records what the provider says of the payment now: its
// refunds one by one when it lists them, and its total. Asked after a
// refund went through, the total only adds to what is known (a lookup can
// lag behind); asked after a refusal (final), it replaces it.
func (s *Service) syncPayment(tx *store.Tx, r *model.Registration, st payment.PaymentState, final bool) error {
	for _, f := range st.Refunds {
		if err := noteRefund(tx, r, r.Provider, f.ID, f.Amount); err != nil {
			return err
		}
	}
	if final {
		l, err := loadLedger(tx, r.ID)
		if err != nil {
			return err
		}
		r.ProviderRefunded = st.Refunded
		r.RefundedUnmatched = max(0, st.Refunded-l.done-l.queued)
	} else {
		r.ProviderRefunded = max(r.ProviderRefunded, st.Refunded)
	}
	return s.settle(tx, r)
}

// settle stores the total refunded and the status it leads to (a full
// refund revokes access). What the provider counted and no row stands for
// is unmatched; refunds on their way are not counted there (they may not
// have happened yet), so a total is never counted twice: at worst it is
// counted once the refund on its way is done and its own event comes.
func (s *Service) settle(tx *store.Tx, r *model.Registration) error {
	l, err := loadLedger(tx, r.ID)
	if err != nil {
		return err
	}
	r.RefundedUnmatched = max(r.RefundedUnmatched, r.ProviderRefunded-l.done-l.queued)
	total := l.refunded(r)
	status := r.Status
	if total > r.AmountRefunded && r.AmountPaid > 0 {
		full := total >= r.AmountPaid
		switch r.Status {
		case model.StatusConfirmed, model.StatusPartiallyRefunded:
			status = model.StatusPartiallyRefunded
			if full {
				status = model.StatusRefunded
			}
		case model.StatusPendingApproval, model.StatusCancelled, model.StatusExpired:
			if full {
				status = model.StatusRefunded
			}
		}
	}
	from, refunded := r.Status, r.AmountRefunded
	r.AmountRefunded, r.Status = total, status
	return tx.SetRefunded(r, from, refunded)
}
