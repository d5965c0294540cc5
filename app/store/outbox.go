package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/admit/admit/app/model"
)

func scanMail(row scanner) (*model.OutboxMail, error) {
	var m model.OutboxMail
	var reg, sent sql.NullInt64
	var next, created int64
	if err := row.Scan(&m.ID, &reg, &m.To, &m.ToName, &m.Subject, &m.Kind, &m.Locale, &m.Data, &m.Status,
		&m.Attempts, &next, &m.LastError, &created, &sent); err != nil {
		return nil, notFound(err)
	}
	if reg.Valid {
		id := reg.Int64
		m.RegistrationID = &id
	}
	m.NextAttemptAt, m.CreatedAt, m.SentAt = fromUnix(next), fromUnix(created), nullTime(sent)
	return &m, nil
}

// QueueMail adds a message to the outbox in the same transaction as the
// change it reports, so neither exists without the other.
func (t *Tx) QueueMail(m *model.OutboxMail) error {
	var reg any
	if m.RegistrationID != nil {
		reg = *m.RegistrationID
	}
	if m.Data == "" {
		m.Data = "{}"
	}
	m.Status, m.CreatedAt, m.NextAttemptAt = model.MailQueued, t.now, t.now
	res, err := t.exec("insert-outbox", reg, m.To, m.ToName, m.Subject, m.Kind, m.Locale, m.Data, unix(t.now), unix(t.now))
	if err != nil {
		return err
	}
	m.ID, err = res.LastInsertId()
	return err
}

// DueMail lists queued messages whose next attempt has come.
func (s *Store) DueMail(ctx context.Context, now time.Time, limit int) ([]model.OutboxMail, error) {
	rows, err := s.read("due-outbox").QueryContext(ctx, unix(now), limit)
	return collect(rows, err, values(scanMail))
}

// QueuedAfter lists queued messages with an id above afterID, by id.
func (s *Store) QueuedAfter(ctx context.Context, afterID int64, limit int) ([]model.OutboxMail, error) {
	rows, err := s.read("queued-outbox-after").QueryContext(ctx, afterID, limit)
	return collect(rows, err, values(scanMail))
}

// Outbox lists messages, newest first, optionally of one status.
func (s *Store) Outbox(ctx context.Context, status string, limit int) ([]model.OutboxMail, error) {
	rows, err := s.read("list-outbox").QueryContext(ctx, status, status, limit)
	return collect(rows, err, values(scanMail))
}

// OutboxMail reads one message.
func (s *Store) OutboxMail(ctx context.Context, id int64) (*model.OutboxMail, error) {
	return scanMail(s.read("get-outbox").QueryRowContext(ctx, id))
}

// MarkSent records a delivered message.
func (s *Store) MarkSent(ctx context.Context, id int64, at time.Time) error {
	return s.Write(ctx, func(t *Tx) error {
		_, err := t.exec("outbox-sent", unix(at), id)
		return err
	})
}

// MarkRetry schedules another attempt.
func (s *Store) MarkRetry(ctx context.Context, id int64, attempts int, next time.Time, lastErr string) error {
	return s.Write(ctx, func(t *Tx) error {
		_, err := t.exec("outbox-retry", attempts, unix(next), lastErr, id)
		return err
	})
}

// MarkFailed gives up on a message.
func (s *Store) MarkFailed(ctx context.Context, id int64, attempts int, lastErr string) error {
	return s.Write(ctx, func(t *Tx) error {
		_, err := t.exec("outbox-failed", attempts, lastErr, id)
		return err
	})
}

// RequeueMail queues a failed message again, due now, with its attempts
// from zero. It returns model.ErrNotFound for an unknown id and
// model.ErrConflict for a message that is not failed.
func (s *Store) RequeueMail(ctx context.Context, id int64) (*model.OutboxMail, error) {
	var out *model.OutboxMail
	err := s.Write(ctx, func(t *Tx) error {
		m, err := scanMail(t.queryRow("get-outbox", id))
		if err != nil {
			return err
		}
		if m.Status != model.MailFailed {
			return model.Fail(model.ErrConflict, "Only a failed mail can be retried; this one is "+m.Status+".")
		}
		if _, err := t.exec("requeue-outbox", unix(t.now), id); err != nil {
			return err
		}
		out, err = scanMail(t.queryRow("get-outbox", id))
		return err
	})
	return out, err
}

// UnreportedFailures lists, by id, up to limit failed messages not yet
// reported to the organizers.
func (t *Tx) UnreportedFailures(limit int) ([]model.OutboxMail, error) {
	rows, err := t.stmt("unreported-failures").QueryContext(t.ctx, limit)
	return collect(rows, err, values(scanMail))
}

// HasUnreportedFailures tells, from the read pool, whether a failed message
// awaits its report: the outbox job asks every turn without taking the
// writer.
func (s *Store) HasUnreportedFailures(ctx context.Context) (bool, error) {
	var v bool
	err := s.read("has-unreported-failures").QueryRowContext(ctx).Scan(&v)
	return v, err
}

// MarkFailuresReported records that the failed messages up to id have been
// reported.
func (t *Tx) MarkFailuresReported(upToID int64) error {
	_, err := t.exec("mark-failures-reported", unix(t.now), upToID)
	return err
}

// OrganizerEmails lists the administrators' addresses: the organizers.
func (t *Tx) OrganizerEmails() ([]string, error) {
	rows, err := t.stmt("organizer-emails").QueryContext(t.ctx)
	return collect(rows, err, scanOne[string])
}
