package mail

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/admit/admit/app/logging"
	"github.com/admit/admit/app/model"
)

// Outbox is the queue of mails, kept in the database.
type Outbox interface {
	// DueMail returns up to limit queued mails whose NextAttemptAt is not after now.
	DueMail(ctx context.Context, now time.Time, limit int) ([]model.OutboxMail, error)
	MarkSent(ctx context.Context, id int64, at time.Time) error
	MarkRetry(ctx context.Context, id int64, attempts int, next time.Time, lastErr string) error
	MarkFailed(ctx context.Context, id int64, attempts int, lastErr string) error
	// QueuedAfter returns up to limit queued mails with an id above afterID,
	// by id.
	QueuedAfter(ctx context.Context, afterID int64, limit int) ([]model.OutboxMail, error)
}

// Composer turns a queued mail into a message, at delivery time: the body
// (with the access link) is never stored. It returns an error wrapping
// model.ErrNotFound when the mail can never be composed (its registration is
// gone); the mail then fails at once instead of being retried.
type Composer interface {
	Compose(ctx context.Context, m model.OutboxMail) (Message, error)
}

// Sender delivers a message; *SMTP is one.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Delivery policy.
const (
	BatchSize   = 50
	MaxAttempts = 12
	FirstDelay  = time.Minute
	MaxDelay    = time.Hour
)

// Backoff is the wait after the attempts-th failed attempt (1 → 1m, 2 → 2m,
// 3 → 4m, …, capped at 1h).
func Backoff(attempts int) time.Duration {
	d := FirstDelay
	for i := 1; i < attempts && d < MaxDelay; i++ {
		d *= 2
	}
	return min(d, MaxDelay)
}

// Dispatcher delivers the outbox.
type Dispatcher struct {
	ob     Outbox
	c      Composer
	s      Sender
	log    *slog.Logger
	now    func() time.Time
	mu     sync.Mutex // held by Run
	logged int64      // without a sender: the highest mail id logged
	// observe is told each delivery's outcome (Observe).
	observe func(outcome string)
}

// Observe has f told the outcome of each delivery attempt: "sent", "retry"
// (not sent, tried again later) or "failed" (given up), for /metrics. Call
// it before the first Run.
func (d *Dispatcher) Observe(f func(outcome string)) { d.observe = f }

func (d *Dispatcher) count(outcome string) {
	if d.observe != nil {
		d.observe(outcome)
	}
}

// NewDispatcher returns a dispatcher. A nil Sender means no SMTP server is
// configured: mail stays queued and each one is logged once. A nil log
// discards; a nil now is time.Now.
func NewDispatcher(ob Outbox, c Composer, s Sender, log *slog.Logger, now func() time.Time) *Dispatcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	if smtp, ok := s.(*SMTP); ok && smtp == nil {
		s = nil // a nil *SMTP in the interface is still "no SMTP server"
	}
	// Lines logged in a job's run, or a request, carry its id.
	return &Dispatcher{ob: ob, c: c, s: s, log: logging.Wrap(log), now: now}
}

// Run delivers every mail due now, in batches, until none is due, and
// returns. Each mail is tried at most once per Run. A failure is retried
// after Backoff; the MaxAttempts-th failure, or a permanent refusal
// (ErrRefused), marks it failed with its last error. Run returns at
// once, doing nothing, while another Run is in progress.
func (d *Dispatcher) Run(ctx context.Context) error {
	if !d.mu.TryLock() {
		return nil
	}
	defer d.mu.Unlock()
	if d.s == nil {
		return d.logQueued(ctx)
	}

	tried := make(map[int64]bool)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		batch, err := d.ob.DueMail(ctx, d.now(), BatchSize)
		if err != nil {
			return fmt.Errorf("mail: due mail: %w", err)
		}
		progress := false
		for _, m := range batch {
			if tried[m.ID] {
				continue // its outcome could not be recorded: not again in this run
			}
			tried[m.ID] = true
			progress = true
			if err := d.deliver(ctx, m); err != nil {
				return err
			}
		}
		if !progress {
			return nil
		}
	}
}

// deliver composes and sends one mail and records the outcome. It returns
// an error only when ctx ends: a mail whose outcome cannot be recorded is
// logged and simply due again in a later run.
func (d *Dispatcher) deliver(ctx context.Context, m model.OutboxMail) error {
	msg, err := d.c.Compose(ctx, m)
	if err == nil {
		msg.ID = outboxMessageID(m)
		err = d.s.Send(ctx, msg)
	}
	if err != nil && ctx.Err() != nil {
		return ctx.Err() // shutting down: not the mail's fault, not an attempt
	}
	attempts := m.Attempts + 1
	switch {
	case err == nil:
		d.count("sent")
		d.log.InfoContext(ctx, "mail sent", "mail_id", m.ID, "kind", m.Kind, "attempts", attempts)
		return d.record(ctx, m, d.ob.MarkSent(ctx, m.ID, d.now()))
	case errors.Is(err, model.ErrNotFound), errors.Is(err, ErrRefused), attempts >= MaxAttempts:
		d.count("failed")
		d.log.ErrorContext(ctx, "mail failed, giving up", "mail_id", m.ID, "kind", m.Kind, "attempts", attempts, "error", err)
		return d.record(ctx, m, d.ob.MarkFailed(ctx, m.ID, attempts, short(err.Error())))
	default:
		next := d.now().Add(Backoff(attempts))
		d.count("retry")
		d.log.WarnContext(ctx, "mail not sent, will retry", "mail_id", m.ID, "kind", m.Kind, "attempts", attempts,
			"next_attempt_at", next, "error", err)
		return d.record(ctx, m, d.ob.MarkRetry(ctx, m.ID, attempts, next, short(err.Error())))
	}
}

// outboxMessageID is the left part of the Message-ID of a queued mail, the
// same at every sending: sent, then sent again because its outcome could not
// be recorded (the process was killed between the SMTP server's answer and
// the outbox's record, or the database refused the record), the mail is
// one message to its recipient's client, which shows a Message-ID once. It
// is a digest of the mail's row, not its id: it says nothing of how many
// mails Admit sends.
func outboxMessageID(m model.OutboxMail) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "admit outbox %d %d %s", m.ID, m.CreatedAt.UnixNano(), m.To))
	return hex.EncodeToString(sum[:16])
}

func (d *Dispatcher) record(ctx context.Context, m model.OutboxMail, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	d.log.ErrorContext(ctx, "mail outcome not recorded", "mail_id", m.ID, "kind", m.Kind, "error", err)
	return nil
}

// logQueued is Run without a sender: it reports each queued mail once per
// process (who, what, never the body, which holds the access link) and leaves
// it queued. It reads only the mails it has not reported yet.
func (d *Dispatcher) logQueued(ctx context.Context) error {
	for {
		batch, err := d.ob.QueuedAfter(ctx, d.logged, 500)
		if err != nil {
			return fmt.Errorf("mail: queued mail: %w", err)
		}
		for _, m := range batch {
			d.logged = max(d.logged, m.ID)
			d.log.InfoContext(ctx, "mail queued, no SMTP server configured", "mail_id", m.ID, "to", m.To,
				"subject", m.Subject, "kind", m.Kind)
		}
		if len(batch) < 500 {
			return nil
		}
	}
}

// short keeps an error message to a size worth storing.
func short(s string) string {
	const limit = 1000
	if len(s) <= limit {
		return s
	}
	s = s[:limit]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
