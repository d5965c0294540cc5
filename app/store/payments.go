package store

import (
	"context"
	"database/sql"

	"github.com/admit/admit/app/model"
)

// InsertTier adds a tier after the event's others.
func (t *Tx) InsertTier(tr *model.Tier) error {
	tr.CreatedAt = t.now
	res, err := t.exec("insert-tier", tr.EventID, tr.EventID, tr.Name, tr.Amount, tr.Currency, timeArg(tr.ExpiresAt), idArg(tr.Quantity), unix(t.now))
	if err != nil {
		return err
	}
	tr.ID, err = res.LastInsertId()
	return err
}

// DeleteTier removes a tier; registrations keep its name.
func (t *Tx) DeleteTier(eventID, id int64) (bool, error) {
	res, err := t.exec("delete-tier", id, eventID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func scanTier(row scanner) (model.Tier, error) {
	var tr model.Tier
	var exp, qty sql.NullInt64
	var created int64
	err := row.Scan(&tr.ID, &tr.EventID, &tr.Position, &tr.Name, &tr.Amount, &tr.Currency, &exp, &qty, &created, &tr.Sold)
	tr.ExpiresAt, tr.Quantity, tr.CreatedAt = nullTime(exp), nullID(qty), fromUnix(created)
	return tr, err
}

// Tiers lists an event's tiers in order with the seats each holds now.
func (t *Tx) Tiers(eventID int64) ([]model.Tier, error) {
	rows, err := t.stmt("list-tiers").QueryContext(t.ctx, unix(t.now), eventID)
	return collect(rows, err, scanTier)
}

// Tiers is the same outside a transaction.
func (s *Store) Tiers(ctx context.Context, eventID int64) ([]model.Tier, error) {
	rows, err := s.read("list-tiers").QueryContext(ctx, unix(s.now()), eventID)
	return collect(rows, err, scanTier)
}

// InsertPromo adds a promo code (model.ErrConflict when the event has it).
func (t *Tx) InsertPromo(p *model.Promo, codeNorm string) error {
	p.CreatedAt = t.now
	res, err := t.exec("insert-promo", p.EventID, p.Code, codeNorm, p.PercentOff, p.AmountOff, p.Currency, idArg(p.MaxUses), timeArg(p.ExpiresAt), unix(t.now))
	if err != nil {
		if IsUnique(err) {
			return model.ErrConflict
		}
		return err
	}
	p.ID, err = res.LastInsertId()
	return err
}

// DeletePromo removes a promo code.
func (t *Tx) DeletePromo(eventID, id int64) (bool, error) {
	res, err := t.exec("delete-promo", id, eventID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func scanPromo(row scanner) (model.Promo, error) {
	var p model.Promo
	var maxUses, exp sql.NullInt64
	var created int64
	err := row.Scan(&p.ID, &p.EventID, &p.Code, &p.PercentOff, &p.AmountOff, &p.Currency, &maxUses, &exp, &created, &p.Uses)
	p.MaxUses, p.ExpiresAt, p.CreatedAt = nullID(maxUses), nullTime(exp), fromUnix(created)
	return p, err
}

// Promos lists an event's promo codes with their uses now.
func (t *Tx) Promos(eventID int64) ([]model.Promo, error) {
	rows, err := t.stmt("list-promos").QueryContext(t.ctx, unix(t.now), eventID)
	return collect(rows, err, scanPromo)
}

// Promos is the same outside a transaction.
func (s *Store) Promos(ctx context.Context, eventID int64) ([]model.Promo, error) {
	rows, err := s.read("list-promos").QueryContext(ctx, unix(s.now()), eventID)
	return collect(rows, err, scanPromo)
}

// PaymentEventSeen reports whether a provider event was applied already (a
// read: the writer still decides for new ones).
func (s *Store) PaymentEventSeen(ctx context.Context, provider, eventID string) (bool, error) {
	var seen bool
	err := s.read("payment-event-seen").QueryRowContext(ctx, provider, eventID).Scan(&seen)
	return seen, err
}

// MarkPaymentEvent records a provider event; false when it was recorded
// before (it must not be applied again).
func (t *Tx) MarkPaymentEvent(provider, eventID, kind string, registrationID int64, outcome string) (bool, error) {
	var reg any
	if registrationID != 0 {
		reg = registrationID
	}
	res, err := t.exec("insert-payment-event", provider, eventID, kind, reg, outcome, unix(t.now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RegistrationByCheckout finds a registration by its provider checkout.
func (t *Tx) RegistrationByCheckout(provider, checkoutID string) (*model.Registration, error) {
	return scanRegistration(t.queryRow("registration-by-checkout", provider, checkoutID))
}

// RegistrationByPayment finds a registration by its provider payment.
func (t *Tx) RegistrationByPayment(provider, paymentID string) (*model.Registration, error) {
	return scanRegistration(t.queryRow("registration-by-payment", provider, paymentID))
}

// PendingCheckouts lists unpaid registrations with a checkout created in
// [from, to] that are still pending, or expired since expiredSince, for
// reconciliation.
func (s *Store) PendingCheckouts(ctx context.Context, from, to, expiredSince int64, limit int) ([]*model.Registration, error) {
	rows, err := s.read("pending-checkouts").QueryContext(ctx, to, from, expiredSince, limit)
	return collect(rows, err, scanRegistration)
}

// PaidRegistrations lists an event's registrations with money not yet
// refunded.
func (t *Tx) PaidRegistrations(eventID int64) ([]*model.Registration, error) {
	rows, err := t.stmt("paid-registrations").QueryContext(t.ctx, eventID)
	return collect(rows, err, scanRegistration)
}

// SetCheckout records where a registration pays.
func (t *Tx) SetCheckout(id int64, checkoutID, url string) error {
	_, err := t.exec("set-checkout", checkoutID, url, unix(t.now), id)
	return err
}

// SetPaid records a payment on r (as read in this transaction: its id,
// status and amount refunded), amount in currency, and the status it leads
// to; mailed records that the access email is queued in the same
// transaction. The status is noted for outgoing webhooks only when it
// moves (a payment recorded on a registration confirmed already confirms
// nothing).
func (t *Tx) SetPaid(r *model.Registration, status string, amount int64, currency, paymentID string, mailed bool) error {
	var at any
	if mailed {
		at = unix(t.now)
	}
	was, err := t.moveStatus("set-paid", r.ID, registrationState{r.Status, r.AmountRefunded}, status,
		status, amount, currency, paymentID, unix(t.now), unix(t.now), at)
	if err != nil {
		return err
	}
	if amount > 0 {
		t.note(model.HookPaymentSucceeded, r.ID)
	}
	if was.status != status {
		t.noteStatus(r.ID, status)
	}
	return nil
}

// SetRefunded records the refunds of a registration's payment: the total,
// the provider's own count and the part of it no refund row stands for, and
// the status they lead to. from and refunded are r's status and amount
// refunded as read in this transaction, before this change.
func (t *Tx) SetRefunded(r *model.Registration, from string, refunded int64) error {
	was, err := t.moveStatus("set-refunded", r.ID, registrationState{from, refunded}, r.Status,
		r.Status, r.AmountRefunded, r.ProviderRefunded, r.RefundedUnmatched, unix(t.now))
	if err != nil {
		return err
	}
	if r.AmountRefunded > was.refunded {
		t.note(model.HookRegistrationRefunded, r.ID)
	}
	return nil
}

// CountSeatsExcept counts the seats taken without one registration.
func (t *Tx) CountSeatsExcept(eventID int64, sessionID *int64, exceptID int64) (int64, error) {
	var n int64
	err := t.queryRow("count-seats-except", eventID, sessionKey(sessionID), exceptID, unix(t.now)).Scan(&n)
	return n, err
}

func scanRefund(row scanner) (*model.Refund, error) {
	var f model.Refund
	var next, created int64
	var done sql.NullInt64
	if err := row.Scan(&f.ID, &f.RegistrationID, &f.Provider, &f.PaymentID, &f.Amount, &f.Currency, &f.IdempotencyKey,
		&f.Reason, &f.Status, &f.ProviderRefundID, &f.Attempts, &next, &f.LastError, &created, &done, &f.Method); err != nil {
		return nil, notFound(err)
	}
	f.NextAttemptAt, f.CreatedAt, f.DoneAt = fromUnix(next), fromUnix(created), nullTime(done)
	return &f, nil
}

// InsertRefund queues (or, with status done, records) a refund.
func (t *Tx) InsertRefund(f *model.Refund) error {
	f.CreatedAt, f.NextAttemptAt = t.now, t.now
	var done any
	if f.Status == model.RefundDone {
		done = unix(t.now)
	}
	if f.Method == "" {
		f.Method = model.RefundByProvider
	}
	res, err := t.exec("insert-refund", f.RegistrationID, f.Provider, f.PaymentID, f.Amount, f.Currency, f.IdempotencyKey,
		f.Reason, f.Status, f.ProviderRefundID, unix(t.now), unix(t.now), done, f.Method)
	if err != nil {
		return err
	}
	f.ID, err = res.LastInsertId()
	return err
}

// Refunds lists a registration's refunds.
func (t *Tx) Refunds(registrationID int64) ([]*model.Refund, error) {
	rows, err := t.stmt("refunds-of-registration").QueryContext(t.ctx, registrationID)
	return collect(rows, err, scanRefund)
}

// Refunds is the same outside a transaction.
func (s *Store) Refunds(ctx context.Context, registrationID int64) ([]*model.Refund, error) {
	rows, err := s.read("refunds-of-registration").QueryContext(ctx, registrationID)
	return collect(rows, err, scanRefund)
}

// DueRefunds lists queued refunds whose next attempt has come.
func (s *Store) DueRefunds(ctx context.Context, limit int) ([]*model.Refund, error) {
	rows, err := s.read("due-refunds").QueryContext(ctx, unix(s.now()), limit)
	return collect(rows, err, scanRefund)
}

// Refund reads one refund.
func (s *Store) Refund(ctx context.Context, id int64) (*model.Refund, error) {
	return scanRefund(s.read("get-refund").QueryRowContext(ctx, id))
}

// RefundByProviderID finds a refund by the provider's id for it.
func (t *Tx) RefundByProviderID(provider, id string) (*model.Refund, error) {
	return scanRefund(t.queryRow("refund-by-provider-id", provider, id))
}

// RefundDone records that the provider accepted a refund; false when it was
// no longer queued.
func (t *Tx) RefundDone(id int64, providerRefundID string) (bool, error) {
	res, err := t.exec("refund-done", providerRefundID, unix(t.now), id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RefundRetry schedules another attempt.
func (t *Tx) RefundRetry(id int64, attempts int, next int64, lastErr string) error {
	_, err := t.exec("refund-retry", attempts, next, lastErr, id)
	return err
}

// RefundFailed gives up on a refund (the organizer is shown it).
func (t *Tx) RefundFailed(id int64, attempts int, lastErr string) error {
	_, err := t.exec("refund-failed", attempts, lastErr, id)
	return err
}

// DeleteSetting removes a stored setting.
func (t *Tx) DeleteSetting(key string) error {
	_, err := t.exec("delete-setting", key)
	return err
}

// PricedEvents lists the events with a price that are not cancelled.
func (t *Tx) PricedEvents() ([]*model.Event, error) {
	rows, err := t.stmt("priced-events").QueryContext(t.ctx)
	return collect(rows, err, scanEvent)
}

// KeepWaitingEvent keeps a provider event about a payment not recorded yet
// (body is the event, encoded by the caller) until the payment arrives.
func (t *Tx) KeepWaitingEvent(provider, eventID, paymentID string, registrationID int64, body string) error {
	var reg any
	if registrationID != 0 {
		reg = registrationID
	}
	_, err := t.exec("insert-waiting-event", provider, eventID, paymentID, reg, body, unix(t.now))
	return err
}

// TakeWaitingEvents returns the events that waited for a payment, oldest
// first, and forgets them.
func (t *Tx) TakeWaitingEvents(provider, paymentID string) ([]string, error) {
	rows, err := t.stmt("waiting-events").QueryContext(t.ctx, provider, paymentID)
	out, err := collect(rows, err, scanOne[string])
	if err != nil || len(out) == 0 {
		return out, err
	}
	_, err = t.exec("delete-waiting-events", provider, paymentID)
	return out, err
}

// DeleteOldWaitingEvents forgets events that waited since before a time
// for a payment that never came (refunds of payments that are not Admit's).
func (t *Tx) DeleteOldWaitingEvents(beforeUnix int64) (int64, error) {
	res, err := t.exec("delete-old-waiting-events", beforeUnix)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// RefundManual records that a queued refund's provider cannot make it: the
// organizer owes it (method manual), and it is never sent again; false when
// it was no longer queued.
func (t *Tx) RefundManual(id int64, reason string) (bool, error) {
	res, err := t.exec("refund-manual", reason, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// OwedRefunds is what the organizer owes back by hand per registration of
// an event (manual refunds not marked refunded yet).
func (s *Store) OwedRefunds(ctx context.Context, eventID int64) (map[int64]int64, error) {
	return s.counts(ctx, "owed-refunds-of-event", eventID)
}

// OwedRefund is what the organizer owes one registration back by hand.
func (t *Tx) OwedRefund(registrationID int64) (int64, error) {
	return scanOne[int64](t.queryRow("owed-refund-of-registration", registrationID))
}

// OwedRefund is the same outside a transaction.
func (s *Store) OwedRefund(ctx context.Context, registrationID int64) (int64, error) {
	return scanOne[int64](s.read("owed-refund-of-registration").QueryRowContext(ctx, registrationID))
}
