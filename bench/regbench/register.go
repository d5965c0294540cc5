package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

// ---- registrations: RAW -------------------------------------------------

// The server's count-seats query (app/store/queries/registrations.sql): the
// seats kept in seat_counts plus the unexpired payment holds and the waiting
// list's places (none here).
const rawCount = `SELECT ifnull((SELECT taken FROM seat_counts WHERE event_id = ?1 AND session_key = ?2), 0)
     + (SELECT COUNT(*) FROM registrations
        WHERE event_id = ?1 AND status = 'pending_payment' AND ifnull(session_id, 0) = ?2 AND role = 'attendee'
          AND (hold_expires_at IS NULL OR hold_expires_at > ?3))
     + (SELECT COUNT(*) FROM waitlist
        WHERE event_id = ?1 AND session_key = ?2
          AND (status = 'waiting' OR (status = 'offered' AND offer_expires_at > ?3)))`

const rawInsert = `INSERT INTO registrations(event_id, session_id, name, email, email_norm, status, token_nonce, token_hash,
    created_at, updated_at) VALUES (?, NULL, ?, ?, ?, 'confirmed', ?, ?, ?, ?)`

// rawRegister: per registration BEGIN IMMEDIATE, count-seats (when the
// event has a capacity), one INSERT (the seat trigger runs), COMMIT.
func rawRegister(ctx context.Context, dir string, o options) (result, error) {
	res := result{Name: "RAW"}
	db, count, insert, err := openRawRegistrations(ctx, filepath.Join(dir, "raw-registrations.db"), o)
	if err != nil {
		return res, err
	}
	defer db.Close()

	one := func(i int64) error {
		tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if err := rawRegistration(ctx, tx.StmtContext(ctx, count), tx.StmtContext(ctx, insert), o.capacity, i); err != nil {
			return err
		}
		return tx.Commit()
	}
	return measure(ctx, "RAW", o.n, o.c, o.duration, func(_ int, i int64) error { return one(i) })
}

// openRawRegistrations creates the RAW database at path (see openRaw) and
// prepares the capacity check and the insert; closing db closes them.
func openRawRegistrations(ctx context.Context, path string, o options) (db *sql.DB, count, insert *sql.Stmt, err error) {
	var capacity any // NULL: unlimited
	if o.capacity > 0 {
		capacity = o.capacity
	}
	if db, err = openRaw(ctx, path, capacity); err != nil {
		return nil, nil, nil, err
	}
	if count, err = db.PrepareContext(ctx, rawCount); err == nil {
		insert, err = db.PrepareContext(ctx, rawInsert)
	}
	if err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	return db, count, insert, nil
}

// rawRegistration is one RAW registration inside a transaction: the
// capacity check (when the event has one), then the INSERT.
func rawRegistration(ctx context.Context, count, insert *sql.Stmt, capacity, i int64) error {
	now := time.Now().Unix()
	if capacity > 0 {
		var taken int64
		if err := count.QueryRowContext(ctx, 1, 0, now).Scan(&taken); err != nil {
			return err
		}
		if taken >= capacity {
			return errors.New("sold out")
		}
	}
	nonce, hash := make([]byte, 16), make([]byte, 32)
	_, _ = rand.Read(nonce)
	_, _ = rand.Read(hash)
	email := fmt.Sprintf("raw-%d@example.org", i)
	_, err := insert.ExecContext(ctx, 1, fmt.Sprintf("Raw %d", i), email, email, nonce, hash, now, now)
	return err
}

// rawGroupCommit is the ceiling of group commit: the same registrations as
// rawRegister, committed o.c at a time (as many as there are clients in
// flight), by one goroutine that never waits for anyone: BEGIN IMMEDIATE,
// o.c times the capacity check and the INSERT, COMMIT (one fsync per
// batch). A registration's latency is its batch's, as a client waiting
// for that commit would see it.
func rawGroupCommit(ctx context.Context, dir string, o options) (result, error) {
	res := result{Name: "RAW group commit"}
	db, count, insert, err := openRawRegistrations(ctx, filepath.Join(dir, "raw-group-commit.db"), o)
	if err != nil {
		return res, err
	}
	defer db.Close()
	batches := (o.n + o.c - 1) / o.c
	var inserted atomic.Int64
	batch := func(b int64) error {
		tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		cnt, ins := tx.StmtContext(ctx, count), tx.StmtContext(ctx, insert)
		first := (b-1)*int64(o.c) + 1
		last := min(first+int64(o.c)-1, int64(o.n))
		for i := first; i <= last; i++ {
			if err := rawRegistration(ctx, cnt, ins, o.capacity, i); err != nil {
				return err
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		inserted.Add(last - first + 1)
		return nil
	}
	res, err = measure(ctx, res.Name, batches, 1, o.duration, func(_ int, b int64) error { return batch(b) })
	// Counted in registrations, not batches; the latencies are the batches'.
	res.Errors = min(res.Errors*o.c, o.n-int(inserted.Load()))
	res.Done, res.N = int(inserted.Load()), o.n
	return res, err
}

// ---- registrations: HTTP ------------------------------------------------

// serverInfo is what the registration measure read of its server.
type serverInfo struct {
	Startup time.Duration // from a new data directory to healthy
	RSS     int64         // peak resident memory (VmHWM) once the load is over; 0: unknown
	// Anon is the most anonymous memory sampled during the load, File the
	// file-backed memory at that sample; 0: unknown.
	Anon, File int64
	// Idle is VmHWM just before the load (after start-up and the event's
	// creation), IdleAnon and IdleFile the split of VmRSS then; 0: unknown.
	Idle, IdleAnon, IdleFile int64
}

// httpRegister: free registrations through the real server's public API.
func httpRegister(ctx context.Context, bin, dir string, o options) (result, serverInfo, []string, error) {
	res := result{Name: "HTTP"}
	var info serverInfo
	srv, err := startAdmit(ctx, bin, dir, o)
	if err != nil {
		return res, info, nil, err
	}
	defer srv.stop()
	info.Startup = srv.Startup
	ev, err := srv.createEvent(ctx, o.capacity, nil)
	if err != nil {
		return res, info, nil, err
	}
	url := srv.base + "/api/v1/public/events/" + ev.Slug + "/registrations"
	if hwm, err := peakRSS(srv.cmd.Process.Pid); err == nil {
		if anon, file, err := rssSplit(srv.cmd.Process.Pid); err == nil {
			info.Idle, info.IdleAnon, info.IdleFile = hwm, anon, file
		}
	}
	cpu := srv.cpuMeter()
	mem := sampleMemory(srv.cmd.Process.Pid)
	res, err = measure(ctx, "HTTP", o.n, o.c, o.duration, func(_ int, i int64) error {
		body := fmt.Sprintf(`{"name":"Bench %d","email":"http-%d@example.org"}`, i, i)
		req, err := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.client.Do(req)
		if err != nil {
			return err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(b))
		}
		return nil
	})
	res.CPU = cpu()
	info.Anon, info.File = mem.end()
	if err != nil {
		return res, info, nil, err
	}
	var notes []string
	if info.RSS, err = peakRSS(srv.cmd.Process.Pid); err != nil {
		notes = append(notes, "admit's peak memory: "+err.Error())
	}

	// Cross-check: the server stored as many registrations as it answered 201.
	if regs, err := srv.registrations(ctx, ev.ID, ""); err != nil {
		notes = append(notes, "could not count the stored registrations: "+err.Error())
	} else if len(regs) != res.Done {
		notes = append(notes, fmt.Sprintf("the server answered 201 %d times but lists %d registrations", res.Done, len(regs)))
	}
	if err := srv.stop(); err != nil {
		notes = append(notes, "stopping admit: "+err.Error())
	}
	return res, info, notes, nil
}
