package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// ReminderPair is a session's offset whose reminders are due.
type ReminderPair struct {
	SessionID       int64
	StartsAt        time.Time
	DurationMinutes int64
	Offset          time.Duration
}

// DueReminder is one registrant's reminder of a pair, with what its mail
// needs.
type DueReminder struct {
	ReminderPair
	RegistrationID int64
	Email, Name    string
	Locale, Status string
	EventTitle     string
}

// OffsetsJSON is how offsets are kept in the database: a JSON array of
// seconds.
func OffsetsJSON(offsets []time.Duration) string {
	secs := make([]int64, len(offsets))
	for i, d := range offsets {
		secs[i] = int64(d / time.Second)
	}
	b, _ := json.Marshal(secs)
	return string(b)
}

func parseOffsets(v string) ([]time.Duration, error) {
	var secs []int64
	if err := json.Unmarshal([]byte(v), &secs); err != nil {
		return nil, err
	}
	out := make([]time.Duration, len(secs))
	for i, s := range secs {
		out[i] = time.Duration(s) * time.Second
	}
	return out, nil
}

// DueReminderPairs lists the sessions and offsets whose reminders are due
// at the transaction's time and not all queued yet, nearest offset first
// within a session; defaults are the offsets of events that set none.
func (t *Tx) DueReminderPairs(defaults []time.Duration) ([]ReminderPair, error) {
	rows, err := t.stmt("due-reminder-pairs").QueryContext(t.ctx, OffsetsJSON(defaults), unix(t.now))
	if err != nil {
		return nil, fmt.Errorf("store: due-reminder-pairs: %w", err)
	}
	return collect(rows, nil, func(row scanner) (ReminderPair, error) {
		var p ReminderPair
		var starts, offset int64
		err := row.Scan(&p.SessionID, &starts, &p.DurationMinutes, &offset)
		p.StartsAt, p.Offset = fromUnix(starts), time.Duration(offset)*time.Second
		return p, err
	})
}

// DueReminders lists up to limit reminders of a pair still to queue, for
// registrations after id afterID, by id. The caller queues each one's mail
// and marks it (MarkReminder) in the same transaction.
func (t *Tx) DueReminders(p ReminderPair, afterID int64, limit int) ([]DueReminder, error) {
	rows, err := t.stmt("due-reminders").QueryContext(t.ctx, p.SessionID, unix(p.StartsAt), int64(p.Offset/time.Second), afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: due-reminders: %w", err)
	}
	return collect(rows, nil, func(row scanner) (DueReminder, error) {
		d := DueReminder{ReminderPair: p}
		err := row.Scan(&d.RegistrationID, &d.Email, &d.Name, &d.Locale, &d.Status, &d.EventTitle)
		return d, err
	})
}

// MarkReminder records a reminder as queued in the outbox row outboxID.
func (t *Tx) MarkReminder(d DueReminder, outboxID int64) error {
	_, err := t.exec("insert-reminder-sent", d.RegistrationID, d.SessionID, int64(d.Offset/time.Second), unix(d.StartsAt), outboxID, unix(t.now))
	return err
}

// CloseReminderPass records a pair as done: every reminder of it that will
// ever be due has been queued (or it was skipped for a nearer one).
func (t *Tx) CloseReminderPass(p ReminderPair) error {
	_, err := t.exec("close-reminder-pass", p.SessionID, int64(p.Offset/time.Second), unix(p.StartsAt), unix(t.now))
	return err
}
