package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/admit/admit/app/model"
)

// Changes and their observer. The writes that outgoing webhooks report
// (a registration created, confirmed, cancelled or refunded, a payment
// recorded, an event updated or cancelled) note a model.Change on their
// transaction as they happen, whichever path of the domain made them. Once
// a write's function has returned without error, the observer set with
// OnChange receives its changes inside the same savepoint: what it queues
// commits with the change, or neither does.

// ChangeObserver is called with a write's changes, in its transaction.
type ChangeObserver func(tx *Tx, changes []model.Change) error

// OnChange sets the observer of every later write's changes (nil: none).
func (s *Store) OnChange(fn ChangeObserver) {
	if fn == nil {
		s.observer.Store(nil)
		return
	}
	s.observer.Store(&fn)
}

// note records a change once per write.
func (t *Tx) note(typ string, id int64) {
	c := model.Change{Type: typ, ID: id}
	if !slices.Contains(t.changes, c) {
		t.changes = append(t.changes, c)
	}
}

// observe hands the write's changes to the observer.
func (t *Tx) observe() error {
	if len(t.changes) == 0 {
		return nil
	}
	fn := t.s.observer.Load()
	if fn == nil {
		return nil
	}
	changes := t.changes
	t.changes = nil
	return (*fn)(t, changes)
}

func scanWebhook(row scanner) (*model.Webhook, error) {
	var w model.Webhook
	var events string
	var created int64
	if err := row.Scan(&w.ID, &w.URL, &events, &w.Secret, &created); err != nil {
		return nil, notFound(err)
	}
	if err := json.Unmarshal([]byte(events), &w.Events); err != nil {
		return nil, fmt.Errorf("store: webhook %d events: %w", w.ID, err)
	}
	w.CreatedAt = fromUnix(created)
	return &w, nil
}

// InsertWebhook stores an endpoint (its secret sealed already) and fills in
// its id.
func (t *Tx) InsertWebhook(w *model.Webhook) error {
	events, err := json.Marshal(w.Events)
	if err != nil {
		return err
	}
	w.CreatedAt = t.now
	res, err := t.exec("insert-webhook", w.URL, string(events), w.Secret, unix(t.now))
	if err != nil {
		return err
	}
	w.ID, err = res.LastInsertId()
	return err
}

// CountWebhooks counts the endpoints.
func (t *Tx) CountWebhooks() (int, error) {
	var n int
	err := t.queryRow("count-webhooks").Scan(&n)
	return n, err
}

// Webhooks lists the endpoints inside the transaction.
func (t *Tx) Webhooks() ([]*model.Webhook, error) {
	rows, err := t.stmt("list-webhooks").QueryContext(t.ctx)
	return collect(rows, err, scanWebhook)
}

// Webhooks lists the endpoints, oldest first.
func (s *Store) Webhooks(ctx context.Context) ([]*model.Webhook, error) {
	rows, err := s.read("list-webhooks").QueryContext(ctx)
	return collect(rows, err, scanWebhook)
}

// Webhook reads one endpoint.
func (s *Store) Webhook(ctx context.Context, id int64) (*model.Webhook, error) {
	return scanWebhook(s.read("get-webhook").QueryRowContext(ctx, id))
}

// Webhook reads one endpoint inside the transaction.
func (t *Tx) Webhook(id int64) (*model.Webhook, error) {
	return scanWebhook(t.queryRow("get-webhook", id))
}

// DeleteWebhook removes an endpoint with its deliveries and their log;
// false when there was none.
func (t *Tx) DeleteWebhook(id int64) (bool, error) {
	res, err := t.exec("delete-webhook", id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// QueueHook queues an event's body for an endpoint, due at due, in the
// transaction of the change it reports.
func (t *Tx) QueueHook(webhookID int64, eventID, typ, body string, due time.Time) (int64, error) {
	res, err := t.exec("insert-webhook-delivery", webhookID, eventID, typ, body, unix(due), unix(t.now))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

func scanDelivery(row scanner) (*model.HookDelivery, error) {
	var d model.HookDelivery
	var next, created int64
	if err := row.Scan(&d.ID, &d.WebhookID, &d.EventID, &d.Type, &d.Body, &d.Status, &d.Attempts, &next, &created,
		&d.URL, &d.Secret); err != nil {
		return nil, notFound(err)
	}
	d.NextAttemptAt, d.CreatedAt = fromUnix(next), fromUnix(created)
	return &d, nil
}

// DueHooks lists up to limit queued deliveries whose next attempt has come.
func (s *Store) DueHooks(ctx context.Context, now time.Time, limit int) ([]*model.HookDelivery, error) {
	rows, err := s.read("due-webhook-deliveries").QueryContext(ctx, unix(now), limit)
	return collect(rows, err, scanDelivery)
}

// HookDelivery reads one delivery with its endpoint's address and secret.
func (s *Store) HookDelivery(ctx context.Context, id int64) (*model.HookDelivery, error) {
	return scanDelivery(s.read("get-webhook-delivery").QueryRowContext(ctx, id))
}

// ClaimHook takes delivery d for one attempt until lease: false when
// another worker took it first or it changed meanwhile.
func (s *Store) ClaimHook(ctx context.Context, d *model.HookDelivery, lease time.Time) (bool, error) {
	claimed := false
	err := s.Write(ctx, func(t *Tx) error {
		res, err := t.exec("claim-webhook-delivery", unix(lease), d.ID, unix(d.NextAttemptAt), d.Attempts)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		claimed = n == 1
		return err
	})
	return claimed, err
}

// RecordHookAttempt logs attempt a of a delivery and sets the delivery's
// status (model.HookQueued with its next attempt, delivered or failed). It
// returns the attempt as the log shows it.
func (s *Store) RecordHookAttempt(ctx context.Context, d *model.HookDelivery, a model.HookAttempt, status string, next time.Time) (*model.HookAttempt, error) {
	var out *model.HookAttempt
	err := s.Write(ctx, func(t *Tx) error {
		res, err := t.exec("insert-webhook-attempt", d.ID, d.WebhookID, a.Attempt, a.StatusCode, a.Error,
			a.Duration.Milliseconds(), unix(a.At))
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		if _, err := t.exec("webhook-delivery-done", status, a.Attempt, unix(next), d.ID); err != nil {
			return err
		}
		out, err = scanAttempt(t.queryRow("get-webhook-attempt", id))
		return err
	})
	return out, err
}

func scanAttempt(row scanner) (*model.HookAttempt, error) {
	var a model.HookAttempt
	var ms, at, next int64
	if err := row.Scan(&a.ID, &a.DeliveryID, &a.EventID, &a.Type, &a.Attempt, &a.StatusCode, &a.Error, &ms, &at,
		&a.DeliveryStatus, &next); err != nil {
		return nil, notFound(err)
	}
	a.Duration, a.At, a.NextAttemptAt = time.Duration(ms)*time.Millisecond, fromUnix(at), fromUnix(next)
	return &a, nil
}

// HookAttempts lists an endpoint's latest attempts, newest first.
func (s *Store) HookAttempts(ctx context.Context, webhookID int64, limit int) ([]*model.HookAttempt, error) {
	rows, err := s.read("list-webhook-attempts").QueryContext(ctx, webhookID, limit)
	return collect(rows, err, scanAttempt)
}

// ForgetHooks deletes finished deliveries queued before a time, with their
// attempts.
func (s *Store) ForgetHooks(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.Write(ctx, func(t *Tx) error {
		res, err := t.exec("delete-old-webhook-deliveries", unix(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
