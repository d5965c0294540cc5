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
// decides what is due (store.DueReminderPairs, store.DueReminders):
// confirmed registrations made before the reminder's time, sessions not
// yet started, at the session's current time. Each session's registrations
// are read once, in batches by id. When several offsets of a session are
// due at once (after a pause of Admit), only the nearest is sent. It
// returns how many mails were queued.
func (s *Service) SendDueReminders(ctx context.Context) (int, error) {
	var pairs []store.ReminderPair
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		all, err := tx.DueReminderPairs(s.reminders)
		if err != nil {
			return err
		}
		pairs = pairs[:0]
		for i, p := range all {
			if i > 0 && all[i-1].SessionID == p.SessionID {
				// A nearer reminder of this session is due too: it goes
				// instead of this one.
				if err := tx.CloseReminderPass(p); err != nil {
					return err
				}
				continue
			}
			pairs = append(pairs, p)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	total := 0
	for _, p := range pairs {
		n, err := s.sendReminders(ctx, p)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// sendReminders queues the reminders of one session's offset, a batch per
// transaction, and closes the pair with the last batch.
func (s *Service) sendReminders(ctx context.Context, p store.ReminderPair) (int, error) {
	total := 0
	var after int64
	for {
		var due []store.DueReminder
		err := s.store.Write(ctx, func(tx *store.Tx) error {
			var err error
			if due, err = tx.DueReminders(p, after, reminderBatch); err != nil {
				return err
			}
			for _, d := range due {
				id, err := s.queueReminder(tx, d)
				if err != nil {
					return err
				}
				if err := tx.MarkReminder(d, id); err != nil {
					return err
				}
			}
			if len(due) < reminderBatch {
				return tx.CloseReminderPass(p)
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += len(due)
		if len(due) < reminderBatch {
			return total, nil
		}
		after = due[len(due)-1].RegistrationID
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
