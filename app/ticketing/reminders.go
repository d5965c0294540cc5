package ticketing

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// Reminder offsets: from a minute to 30 days before a session (the store's
// due-reminders looks 30 days ahead), a few per event.
const (
	minReminder  = time.Minute
	maxReminder  = 30 * 24 * time.Hour
	maxReminders = 10
)

// reminderOffsets validates an event's reminders: null is the configured
// offsets (nil), [] none; the offsets come back longest first, once each.
func reminderOffsets(f fields, in Opt[[]string]) []time.Duration {
	if in.Null {
		return nil
	}
	out := []time.Duration{}
	if len(in.Value) > maxReminders {
		f.add("reminders", "at most %d offsets", maxReminders)
		return out
	}
	for _, v := range in.Value {
		d, err := time.ParseDuration(v)
		switch {
		case err != nil:
			f.add("reminders", "%q is not a duration such as 24h or 30m: give a list of them, [] for no reminders, or null for the configured ones", v)
		case d < minReminder || d > maxReminder || d%time.Minute != 0:
			f.add("reminders", "%q must be whole minutes from 1m to 720h before the session", v)
		case !slices.Contains(out, d):
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b time.Duration) int { return cmp.Compare(b, a) })
	return out
}

// reminderBatch is how many reminders one write transaction queues.
const reminderBatch = 1000

// SendDueReminders queues every reminder whose time has come: one mail per
// registration, session and offset, queued in the transaction that marks
// it, so that a restart neither loses nor repeats one. The database
// decides what is due (store.DueReminders): confirmed registrations made
// before the reminder's time, sessions not yet started, at the session's
// current time. Reminders of one session due together (after a pause of
// Admit) leave as one mail. It returns how many mails were queued.
func (s *Service) SendDueReminders(ctx context.Context) (int, error) {
	total := 0
	for {
		queued, more := 0, false
		err := s.store.Write(ctx, func(tx *store.Tx) error {
			queued, more = 0, false
			due, err := tx.DueReminders(s.reminders, reminderBatch)
			if err != nil {
				return err
			}
			// Several offsets of one registration's session due at once:
			// the nearest to the session is sent, the others marked.
			slices.SortFunc(due, func(a, b store.DueReminder) int {
				return cmp.Or(cmp.Compare(a.RegistrationID, b.RegistrationID), cmp.Compare(a.SessionID, b.SessionID), cmp.Compare(a.Offset, b.Offset))
			})
			for i, d := range due {
				var outboxID int64
				if i == 0 || due[i-1].RegistrationID != d.RegistrationID || due[i-1].SessionID != d.SessionID {
					if outboxID, err = s.queueReminder(tx, d); err != nil {
						return err
					}
					queued++
				}
				if err := tx.MarkReminder(d, outboxID); err != nil {
					return err
				}
			}
			if len(due) == reminderBatch {
				more = true
				return nil
			}
			return tx.CloseReminderPasses(s.reminders)
		})
		if err != nil {
			return total, err
		}
		total += queued
		if !more {
			return total, nil
		}
	}
}

// queueReminder queues one reminder's mail, about its session.
func (s *Service) queueReminder(tx *store.Tx, d store.DueReminder) (int64, error) {
	r := &model.Registration{ID: d.RegistrationID, Email: d.Email, Name: d.Name, Locale: d.Locale, Status: d.Status}
	e := &model.Event{Title: d.EventTitle}
	m, err := s.queueMailRow(tx, r, e, model.MailReminder, map[string]any{
		"session_starts_at": d.StartsAt.Unix(), "session_minutes": d.DurationMinutes})
	if err != nil {
		return 0, err
	}
	return m.ID, nil
}
