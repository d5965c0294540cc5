package main

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/admit/admit/app/i18n"
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
	"github.com/admit/admit/app/ticketing"
	"github.com/admit/admit/assets"
)

// reminderAim is the longest queuing the reminders of -reminders
// registrations may take (the aim, for 100,000).
const reminderAim = 10 * time.Second

// The generated event: remSessions sessions, remGap apart, the first
// remOffset plus remGap after remBase; every registration attends one
// session (round robin), so each gets exactly one reminder. The clock is
// set one second past the last session's remOffset reminder: every
// session's reminder at remOffset is due, the 1h one of the default
// offsets not yet.
const (
	remSessions = 4
	remGap      = 5 * time.Minute
	remOffset   = 24 * time.Hour // the first of the default reminders.offsets
	remMinutes  = 60
	remOtherMax = 5000 // other mails queued for the concurrent delivery measure
)

var remOffsets = []time.Duration{24 * time.Hour, time.Hour} // reminders.offsets' default

// remBase is a whole minute well ahead (so a session never looks past).
func remBase() time.Time { return time.Now().UTC().Truncate(time.Minute).Add(48 * time.Hour) }

func remSessionStart(base time.Time, k int) time.Time {
	return base.Add(remOffset + time.Duration(k+1)*remGap)
}

// remClock is just past the last session's reminder time.
func remClock(base time.Time) time.Time {
	return remSessionStart(base, remSessions-1).Add(-remOffset + time.Second)
}

// remResult is what the reminder measure found.
type remResult struct {
	N         int // registrations (and reminders asked for)
	Raw, App  time.Duration
	RawRows   int // reminders RAW inserted
	Queued    int // what SendDueReminders said it queued
	Seed      time.Duration
	Delivered int           // other mails marked sent while the reminders were queued
	WorstMark time.Duration // the slowest of those writes
	P50Mark   time.Duration
	Problems  []string
}

// seedReminders adds remSessions sessions to event 1 and n confirmed
// registrations, made a day before base, each attending one session, in
// one transaction (not measured).
func seedReminders(ctx context.Context, db *sql.DB, base time.Time, n int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for k := 0; k < remSessions; k++ {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions(id, event_id, starts_at, duration_minutes) VALUES (?, 1, ?, ?)`,
			k+1, remSessionStart(base, k).Unix(), remMinutes); err != nil {
			return err
		}
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO registrations(id, event_id, session_id, name, email, email_norm, status, token_nonce, token_hash,
		created_at, updated_at) VALUES (?, 1, ?, ?, ?, ?, 'confirmed', ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	made := base.Add(-24 * time.Hour).Unix()
	nonce, hash := make([]byte, 16), make([]byte, 32)
	for i := 1; i <= n; i++ {
		binary.BigEndian.PutUint64(hash, uint64(i)) // token hashes are unique
		email := fmt.Sprintf("rem-%d@example.org", i)
		if _, err := ins.ExecContext(ctx, i, 1+(i-1)%remSessions, fmt.Sprintf("Reminded %d", i), email, email, nonce, hash, made, made); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// runReminders measures both: RAW on a database of its own, then the
// server's reminder step on another, both seeded alike.
func runReminders(ctx context.Context, dir string, n int) (remResult, error) {
	res := remResult{N: n}
	base := remBase()
	clock := remClock(base)

	// One seeded database, copied for each measure.
	seed := filepath.Join(dir, "seed.db")
	db, err := openRaw(ctx, seed, nil)
	if err != nil {
		return res, err
	}
	t0 := time.Now()
	err = seedReminders(ctx, db, base, n)
	res.Seed = time.Since(t0)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return res, fmt.Errorf("seed: %w", err)
	}
	rawPath, path := filepath.Join(dir, "raw-reminders.db"), filepath.Join(dir, "app-reminders.db")
	for _, p := range []string{rawPath, path} {
		if err := copyFile(seed, p); err != nil {
			return res, err
		}
	}

	// RAW: the same inserts, a transaction per 1000 like the server.
	if db, err = openWriter(ctx, rawPath); err != nil {
		return res, err
	}
	defer db.Close()
	t0 = time.Now()
	if res.RawRows, err = rawReminders(ctx, db, base, clock, n); err != nil {
		return res, fmt.Errorf("raw: %w", err)
	}
	res.Raw = time.Since(t0)
	if err := db.Close(); err != nil {
		return res, err
	}

	// The server's code, in-process, on the other copy.
	if err := appReminders(ctx, path, clock, &res); err != nil {
		return res, err
	}
	return res, nil
}

// The server's insert-reminder-sent and close-reminder-pass
// (app/store/queries/reminders.sql); the outbox row is rawQueueAccess's.
const (
	rawReminderSent = `INSERT OR IGNORE INTO reminders_sent(registration_id, session_id, offset_seconds, starts_at, outbox_id, queued_at)
VALUES (?, ?, ?, ?, ?, ?)`
	rawReminderPass = `INSERT OR IGNORE INTO reminder_passes(session_id, offset_seconds, starts_at, done_at) VALUES (?, ?, ?, ?)`
)

// rawReminders inserts, per registration, its reminder's outbox row and
// reminders_sent row, 1000 registrations a transaction (BEGIN IMMEDIATE …
// COMMIT, one fsync each), session by session, and each session's
// reminder_passes row with its last batch. The rows' contents are made in
// Go: RAW reads nothing back.
func rawReminders(ctx context.Context, db *sql.DB, base, clock time.Time, n int) (int, error) {
	const batch = 1000
	now := clock.Unix()
	// The server's statements (app/store/queries), prepared once.
	prep := func(q string) (*sql.Stmt, error) { return db.PrepareContext(ctx, q) }
	outbox, err := prep(rawQueueAccess)
	if err != nil {
		return 0, err
	}
	defer outbox.Close()
	sent, err := prep(rawReminderSent)
	if err != nil {
		return 0, err
	}
	defer sent.Close()
	pass, err := prep(rawReminderPass)
	if err != nil {
		return 0, err
	}
	defer pass.Close()
	done := 0
	for k := 0; k < remSessions; k++ {
		session := int64(k + 1)
		starts := remSessionStart(base, k).Unix()
		data := fmt.Sprintf(`{"session_minutes":%d,"session_starts_at":%d,"status":"confirmed"}`, remMinutes, starts)
		var ids []int
		for i := k + 1; i <= n; i += remSessions {
			ids = append(ids, i)
		}
		for off := 0; off < len(ids); off += batch {
			part := ids[off:min(off+batch, len(ids))]
			err := func() error {
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					return err
				}
				defer tx.Rollback()
				for _, i := range part {
					r, err := tx.StmtContext(ctx, outbox).ExecContext(ctx, i, fmt.Sprintf("rem-%d@example.org", i), fmt.Sprintf("Reminded %d", i), "Reminder: RAW", "reminder", "en", data, now, now)
					if err != nil {
						return err
					}
					id, err := r.LastInsertId()
					if err != nil {
						return err
					}
					if _, err := tx.StmtContext(ctx, sent).ExecContext(ctx, i, session, int64(remOffset/time.Second), starts, id, now); err != nil {
						return err
					}
				}
				if off+batch >= len(ids) {
					if _, err := tx.StmtContext(ctx, pass).ExecContext(ctx, session, int64(remOffset/time.Second), starts, now); err != nil {
						return err
					}
				}
				return tx.Commit()
			}()
			if err != nil {
				return done, err
			}
			done += len(part)
		}
	}
	return done, nil
}

// appReminders opens the database as the server does, with the server's
// ticketing service (translated subjects, the default reminders.offsets;
// mails are composed when they leave, so no renderer is needed)
// and a clock set at clock, queues other mail, then times one
// SendDueReminders — what the reminders job runs every minute — while a
// goroutine marks those other mails sent, one after the other, through
// the same store writer, as the mail job does when it delivers.
func appReminders(ctx context.Context, path string, clock time.Time, res *remResult) error {
	st, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	now := func() time.Time { return clock }
	st.SetClock(now)
	sub := func(dir string) fs.FS { f, _ := fs.Sub(assets.FS, dir); return f }
	tr, err := i18n.New(sub("i18n"))
	if err != nil {
		return err
	}
	svc, err := ticketing.New(st, ticketing.Options{Secret: make([]byte, 32), Subjects: ticketing.I18nSubjects{Bundle: tr},
		PublicURL: "http://127.0.0.1", Reminders: remOffsets, Now: now,
		Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}

	// The other mails, queued before (not reminders, no registration).
	var others []int64
	err = st.Write(ctx, func(tx *store.Tx) error {
		for i := 0; i < remOtherMax; i++ {
			m := &model.OutboxMail{To: fmt.Sprintf("other-%d@example.org", i), Subject: "Other", Kind: model.MailAccess, Locale: "en"}
			if err := tx.QueueMail(m); err != nil {
				return err
			}
			others = append(others, m.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var lat []time.Duration
	var markErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, id := range others {
			select {
			case <-stop:
				return
			default:
			}
			t := time.Now()
			if err := st.MarkSent(ctx, id, clock); err != nil {
				markErr = err
				return
			}
			lat = append(lat, time.Since(t))
			time.Sleep(time.Millisecond) // a delivery's SMTP round trip, at least
		}
	}()
	t0 := time.Now()
	res.Queued, err = svc.SendDueReminders(ctx)
	res.App = time.Since(t0)
	close(stop)
	wg.Wait()
	if err != nil {
		return fmt.Errorf("SendDueReminders: %w", err)
	}
	if markErr != nil {
		return fmt.Errorf("marking other mail sent: %w", markErr)
	}
	res.Delivered = len(lat)
	if len(lat) > 0 {
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		res.P50Mark, res.WorstMark = lat[len(lat)/2], lat[len(lat)-1]
	}
	if res.Delivered == len(others) {
		res.Problems = append(res.Problems, fmt.Sprintf("all %d other mails were marked sent before the reminders were queued: the concurrent measure ran short", len(others)))
	}

	// Checks: one reminder mail and one reminders_sent row per registration,
	// every session's pass closed; the same in RAW's counts.
	if res.Queued != res.N {
		res.Problems = append(res.Problems, fmt.Sprintf("SendDueReminders queued %d reminders for %d registrations", res.Queued, res.N))
	}
	if err := st.Close(); err != nil {
		return err
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	var mails, sent, passes int
	if err := db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM outbox WHERE kind = 'reminder'), (SELECT COUNT(*) FROM reminders_sent),
		(SELECT COUNT(*) FROM reminder_passes WHERE offset_seconds = ?)`, int64(remOffset/time.Second)).Scan(&mails, &sent, &passes); err != nil {
		return err
	}
	if mails != res.N || sent != res.N || passes != remSessions {
		res.Problems = append(res.Problems, fmt.Sprintf("the database holds %d reminder mails, %d reminders_sent rows and %d closed passes; want %d, %d and %d",
			mails, sent, passes, res.N, res.N, remSessions))
	}
	if res.RawRows != res.N {
		res.Problems = append(res.Problems, fmt.Sprintf("RAW inserted %d reminders for %d registrations", res.RawRows, res.N))
	}
	return nil
}

// copyFile copies a closed database (its WAL checkpointed away on close).
func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o600)
}
