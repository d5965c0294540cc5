package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// DueReminder is a reminder whose time has come, with what its mail needs.
type DueReminder struct {
	RegistrationID  int64
	Email, Name     string
	Locale, Status  string
	EventTitle      string
	SessionID       int64
	StartsAt        time.Time
	DurationMinutes int64
	Offset          time.Duration
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

// DueReminders lists up to limit reminders due at the transaction's time;
// defaults are the offsets of events that set none. The caller queues each
// one's mail and marks it (MarkReminder) in the same transaction.
func (t *Tx) DueReminders(defaults []time.Duration, limit int) ([]DueReminder, error) {
	rows, err := t.stmt("due-reminders").QueryContext(t.ctx, OffsetsJSON(defaults), unix(t.now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: due-reminders: %w", err)
	}
	defer rows.Close()
	var out []DueReminder
	for rows.Next() {
		var d DueReminder
		var starts, offset int64
		if err := rows.Scan(&d.RegistrationID, &d.Email, &d.Name, &d.Locale, &d.Status, &d.EventTitle,
			&d.SessionID, &starts, &d.DurationMinutes, &offset); err != nil {
			return nil, err
		}
		d.StartsAt, d.Offset = fromUnix(starts), time.Duration(offset)*time.Second
		out = append(out, d)
	}
	return out, rows.Err()
}

// MarkReminder records a reminder as queued (outboxID 0: skipped, a later
// one went instead).
func (t *Tx) MarkReminder(d DueReminder, outboxID int64) error {
	var mail any
	if outboxID != 0 {
		mail = outboxID
	}
	_, err := t.exec("insert-reminder-sent", d.RegistrationID, d.SessionID, int64(d.Offset/time.Second), unix(d.StartsAt), mail, unix(t.now))
	return err
}

// CloseReminderPasses records every session offset due now as done: call
// it once DueReminders returns none left, in the same transaction.
func (t *Tx) CloseReminderPasses(defaults []time.Duration) error {
	_, err := t.exec("close-reminder-passes", OffsetsJSON(defaults), unix(t.now))
	return err
}
