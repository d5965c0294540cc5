package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
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
	var capacity any // NULL: unlimited
	if o.capacity > 0 {
		capacity = o.capacity
	}
	db, err := openRaw(ctx, filepath.Join(dir, "raw-registrations.db"), capacity)
	if err != nil {
		return res, err
	}
	defer db.Close()
	count, err := db.PrepareContext(ctx, rawCount)
	if err != nil {
		return res, err
	}
	defer count.Close()
	insert, err := db.PrepareContext(ctx, rawInsert)
	if err != nil {
		return res, err
	}
	defer insert.Close()

	one := func(i int64) error {
		tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		now := time.Now().Unix()
		if o.capacity > 0 {
			var taken int64
			if err := tx.StmtContext(ctx, count).QueryRowContext(ctx, 1, 0, now).Scan(&taken); err != nil {
				return err
			}
			if taken >= o.capacity {
				return errors.New("sold out")
			}
		}
		nonce, hash := make([]byte, 16), make([]byte, 32)
		_, _ = rand.Read(nonce)
		_, _ = rand.Read(hash)
		email := fmt.Sprintf("raw-%d@example.org", i)
		if _, err := tx.StmtContext(ctx, insert).ExecContext(ctx, 1, fmt.Sprintf("Raw %d", i), email, email, nonce, hash, now, now); err != nil {
			return err
		}
		return tx.Commit()
	}
	return measure(ctx, "RAW", o.n, o.c, o.duration, func(_ int, i int64) error { return one(i) })
}

// ---- registrations: HTTP ------------------------------------------------

// httpRegister: free registrations through the real server's public API.
func httpRegister(ctx context.Context, bin, dir string, o options) (result, []string, error) {
	res := result{Name: "HTTP"}
	srv, err := startAdmit(ctx, bin, dir, o)
	if err != nil {
		return res, nil, err
	}
	defer srv.stop()
	ev, err := srv.createEvent(ctx, o.capacity, nil)
	if err != nil {
		return res, nil, err
	}
	url := srv.base + "/api/v1/public/events/" + ev.Slug + "/registrations"
	cpu := srv.cpuMeter()
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
	if err != nil {
		return res, nil, err
	}

	var notes []string
	// Cross-check: the server stored as many registrations as it answered 201.
	if regs, err := srv.registrations(ctx, ev.ID, ""); err != nil {
		notes = append(notes, "could not count the stored registrations: "+err.Error())
	} else if len(regs) != res.Done {
		notes = append(notes, fmt.Sprintf("the server answered 201 %d times but lists %d registrations", res.Done, len(regs)))
	}
	if err := srv.stop(); err != nil {
		notes = append(notes, "stopping admit: "+err.Error())
	}
	return res, notes, nil
}
