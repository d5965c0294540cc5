package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
)

func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "admit.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpenMigratesAndReopens(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "admit.db")
	ctx := context.Background()
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.SchemaVersion(ctx)
	files, _ := fs.Glob(sqlFiles, "migrations/*.sql")
	if newest, _ := strconv.Atoi(strings.SplitN(filepath.Base(files[len(files)-1]), "_", 2)[0]); err != nil || v != newest {
		t.Fatalf("schema version = %d, %v; want the newest migration's number, %d", v, err, newest)
	}
	var n int
	if err := s.w.QueryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil || n != len(files) {
		t.Fatalf("%d migrations applied, %v; want all %d", n, err, len(files))
	}
	var mode, fk string
	s.w.QueryRow("PRAGMA journal_mode").Scan(&mode)
	s.w.QueryRow("PRAGMA foreign_keys").Scan(&fk)
	var sync int
	s.w.QueryRow("PRAGMA synchronous").Scan(&sync)
	if mode != "wal" || fk != "1" || sync != 2 {
		t.Fatalf("journal_mode=%s foreign_keys=%s synchronous=%d; want wal, 1, 2 (FULL)", mode, fk, sync)
	}
	s.Close()
	s, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if ok, err := s.IntegrityCheck(ctx); err != nil || ok != "ok" {
		t.Fatalf("integrity_check = %q, %v", ok, err)
	}
	if err := Backup(ctx, path, filepath.Join(dir, "copy.db")); err != nil {
		t.Fatal(err)
	}
	if err := Backup(ctx, path, filepath.Join(dir, "copy.db")); err == nil {
		t.Fatal("backup over an existing file should fail")
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "admit.db")
	ctx := context.Background()
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.w.Exec("INSERT INTO schema_migrations(version, name, applied_at) VALUES (999, 'future', 0)")
	s.Close()
	if _, err := Open(ctx, path, Options{}); err == nil {
		t.Fatal("a database from a newer Admit must be refused")
	}
}

func TestWriteRollsBackOnError(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.InsertUser("a@example.org", "x"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if n, _ := s.CountUsers(ctx); n != 0 {
		t.Fatalf("users = %d after rollback", n)
	}
	if _, err := s.UserByEmail(ctx, "a@example.org"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

func TestUniqueLiveRegistration(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	err := s.Write(ctx, func(tx *Tx) error {
		e := &model.Event{Slug: "x", Title: "X", Kind: model.KindLive, SeriesRegistration: "all", Timezone: "UTC", Status: model.EventPublished}
		if err := tx.InsertEvent(e); err != nil {
			return err
		}
		r1 := &model.Registration{EventID: e.ID, Name: "A", Email: "a@x.org", Status: model.StatusConfirmed, Role: "attendee", Locale: "en", TokenNonce: []byte{1}, TokenHash: []byte{1}}
		if err := tx.InsertRegistration(r1, "a@x.org"); err != nil {
			return err
		}
		r2 := *r1
		r2.TokenHash = []byte{2}
		if err := tx.InsertRegistration(&r2, "a@x.org"); !IsUnique(err) {
			t.Errorf("second live registration: err = %v, want a UNIQUE violation", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestGroupCommitIsolatesFailures: writes that share a batch commit or fail
// each on their own.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 200)
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = s.Write(ctx, func(tx *Tx) error {
				if _, err := tx.InsertUser(fmt.Sprintf("u%d@example.org", i), "x"); err != nil {
					return err
				}
				switch i % 4 {
				case 1:
					return errors.New("refused")
				case 2:
					panic("boom")
				}
				return nil
			})
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if (i%4 == 1 || i%4 == 2) != (err != nil) {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if n, _ := s.CountUsers(ctx); n != 100 {
		t.Fatalf("%d users kept, want 100", n)
	}
	// A cancelled caller writes nothing.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Write(cctx, func(tx *Tx) error { _, err := tx.InsertUser("late@example.org", "x"); return err }); err == nil {
		t.Fatal("a cancelled write ran")
	}
	s.Close()
	if err := s.Write(ctx, func(tx *Tx) error { return nil }); err == nil {
		t.Fatal("a write after Close ran")
	}
}

// TestSeatCountsFollowEveryChange: the kept seat count equals a full count
// after inserts and every kind of status change.
func TestSeatCountsFollowEveryChange(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	statuses := []string{model.StatusPendingPayment, model.StatusPendingApproval, model.StatusConfirmed, model.StatusRejected,
		model.StatusCancelled, model.StatusRefunded, model.StatusPartiallyRefunded, model.StatusExpired}
	err := s.Write(ctx, func(tx *Tx) error {
		e := &model.Event{Slug: "x", Title: "X", Kind: model.KindSeries, SeriesRegistration: "individual", Timezone: "UTC", Status: model.EventPublished,
			Sessions: []model.Session{{StartsAt: time.Now(), DurationMinutes: 60}, {StartsAt: time.Now(), DurationMinutes: 60}}}
		if err := tx.InsertEvent(e); err != nil {
			return err
		}
		var ids []int64
		for i := 0; i < 60; i++ {
			sid := e.Sessions[i%2].ID
			role := model.RoleAttendee
			if i%7 == 0 {
				role = model.RolePanelist
			}
			r := &model.Registration{EventID: e.ID, SessionID: &sid, Name: "A", Email: fmt.Sprintf("%d@x.org", i), Status: statuses[i%len(statuses)],
				Role: role, Locale: "en", TokenNonce: []byte{byte(i)}, TokenHash: []byte{byte(i), 1}}
			if err := tx.InsertRegistration(r, r.Email); err != nil {
				return err
			}
			ids = append(ids, r.ID)
		}
		for i, id := range ids {
			if _, err := tx.SetRegistrationStatus(id, statuses[i%len(statuses)], statuses[(i*3+1)%len(statuses)]); err != nil {
				return err
			}
		}
		for _, sess := range e.Sessions {
			sid := sess.ID
			kept, err := tx.CountSeats(e.ID, &sid)
			if err != nil {
				return err
			}
			var full int64
			if err := tx.tx.QueryRow(`SELECT COUNT(*) FROM registrations WHERE event_id = ? AND session_id = ?
				AND status IN ('confirmed','pending_approval','partially_refunded','pending_payment') AND role = 'attendee'`, e.ID, sid).Scan(&full); err != nil {
				return err
			}
			if kept != full {
				t.Errorf("session %d: kept count %d, full count %d", sid, kept, full)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRecordingsSummaryAndExpiry: an event carries its recordings' count,
// bytes and last expiry; expired ones are listed until marked removed,
// which takes them out of the summary.
func TestRecordingsSummaryAndExpiry(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	now := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	soon, later := now.Add(time.Hour), now.Add(48*time.Hour)
	e := &model.Event{Title: "T", Slug: "t", Kind: model.KindOnDemand, SeriesRegistration: model.SeriesAll, Timezone: "UTC",
		Status: model.EventPublished, RecordingPrice: &model.Money{Amount: 500, Currency: "EUR"}}
	err := s.Write(ctx, func(tx *Tx) error {
		if err := tx.InsertEvent(e); err != nil {
			return err
		}
		for _, r := range []*model.Recording{
			{EventID: e.ID, Title: "a", StorageKey: "a", Size: 100, ExpiresAt: &soon},
			{EventID: e.ID, Title: "b", StorageKey: "b", Size: 20, ExpiresAt: &later},
		} {
			if err := tx.InsertRecording(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Event(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.RecordingPrice == nil || *got.RecordingPrice != (model.Money{Amount: 500, Currency: "EUR"}) {
		t.Errorf("recording price %v", got.RecordingPrice)
	}
	if r := got.Recordings; r.Count != 2 || r.Bytes != 120 || r.Until == nil || !r.Until.Equal(later) || !r.Watchable(now) || r.Watchable(later) {
		t.Fatalf("summary %+v", r)
	}
	expired, err := s.ExpiredRecordings(ctx, now.Add(2*time.Hour), 10)
	if err != nil || len(expired) != 1 || expired[0].Title != "a" {
		t.Fatalf("expired %v %v", expired, err)
	}
	err = s.Write(ctx, func(tx *Tx) error {
		if ok, err := tx.MarkRecordingRemoved(expired[0].ID); err != nil || !ok {
			return fmt.Errorf("mark: %v %v", ok, err)
		}
		if ok, err := tx.MarkRecordingRemoved(expired[0].ID); err != nil || ok {
			return fmt.Errorf("mark twice: %v %v", ok, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if expired, _ := s.ExpiredRecordings(ctx, now.Add(2*time.Hour), 10); len(expired) != 0 {
		t.Fatalf("still listed: %v", expired)
	}
	got, _ = s.Event(ctx, e.ID)
	if r := got.Recordings; r.Count != 1 || r.Bytes != 20 {
		t.Fatalf("summary after removal %+v", r)
	}
	// One kept for good: no last expiry.
	_ = s.Write(ctx, func(tx *Tx) error {
		return tx.InsertRecording(&model.Recording{EventID: e.ID, Title: "c", URL: "https://v.example.org/c"})
	})
	got, _ = s.Event(ctx, e.ID)
	if r := got.Recordings; r.Count != 2 || r.Until != nil || !r.Watchable(later.Add(time.Hour)) {
		t.Fatalf("summary with a kept one %+v", r)
	}
}

// The writer prepares for good only the queries its writes use, once the
// batch that first used one is over; every query was checked at Open.
func TestWriterPreparesWhatItUses(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if len(s.wstmts) != 0 || len(s.wsql) != len(s.queries) || len(s.queries) == 0 {
		t.Fatalf("after Open: %d prepared, %d checked of %d queries; want none prepared, all checked", len(s.wstmts), len(s.wsql), len(s.queries))
	}
	use := func() error {
		return s.Write(ctx, func(tx *Tx) error {
			var n int
			return tx.queryRow("dryrun-marks").Scan(&n, &n)
		})
	}
	if err := use(); err != nil {
		t.Fatal(err)
	}
	// The batch after it starts once the first one's statements are prepared.
	if err := use(); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.wstmts["dryrun-marks"]; !ok || len(s.wstmts) != 1 {
		t.Fatalf("prepared on the writer: %v; want dryrun-marks only", keys(s.wstmts))
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
