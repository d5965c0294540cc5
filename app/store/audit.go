package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/admit/admit/app/model"
)

// Audit is an administrator's action on its way to the audit log, carried
// by the request's context (WithAudit). The first write made with that
// context writes it in its own savepoint, so the change and its entry
// commit together; an action that needs several writes or reads its
// outcome afterwards (money: Deferred) is written by RecordAudit instead.
type Audit struct {
	model.AuditEntry
	// Deferred: no write takes it; the caller calls RecordAudit once the
	// action is done (its After known).
	Deferred bool
	written  atomic.Bool
}

// Written reports whether the entry is in the database already.
func (a *Audit) Written() bool { return a.written.Load() }

type auditKey struct{}

// WithAudit carries a into ctx: the first write made with the returned
// context writes it (unless a.Deferred).
func WithAudit(ctx context.Context, a *Audit) context.Context {
	return context.WithValue(ctx, auditKey{}, a)
}

// AuditOf is the entry ctx carries (nil: none).
func AuditOf(ctx context.Context) *Audit {
	a, _ := ctx.Value(auditKey{}).(*Audit)
	return a
}

// writeAudit writes the entry the write's context carries, once, in the
// write's savepoint (see runBatch).
func (t *Tx) writeAudit() error {
	a := AuditOf(t.ctx)
	if a == nil || a.Deferred || a.written.Load() {
		return nil
	}
	if err := t.InsertAudit(&a.AuditEntry); err != nil {
		return err
	}
	a.written.Store(true)
	return nil
}

// RecordAudit writes a's entry in a transaction of its own, unless a write
// took it already.
func (s *Store) RecordAudit(ctx context.Context, a *Audit) error {
	if a.written.Load() {
		return nil
	}
	return s.Write(context.WithoutCancel(ctx), func(tx *Tx) error {
		if err := tx.InsertAudit(&a.AuditEntry); err != nil {
			return err
		}
		a.written.Store(true)
		return nil
	})
}

// InsertAudit writes one audit entry, at the transaction's time.
func (t *Tx) InsertAudit(e *model.AuditEntry) error {
	before, err := auditState(e.Before)
	if err != nil {
		return err
	}
	after, err := auditState(e.After)
	if err != nil {
		return err
	}
	e.At, e.LastAt = t.now, t.now
	if e.Outcome == "" {
		e.Outcome = model.AuditDone
	}
	if e.Repeats == 0 {
		e.Repeats = 1
	}
	res, err := t.exec("insert-audit", unix(t.now), e.ActorID, e.ActorEmail, e.ClientIP, e.Action, e.TargetType, e.TargetID,
		idArg(e.EventID), before, after, e.Outcome, e.Status, e.Reason)
	if err != nil {
		return err
	}
	e.ID, err = res.LastInsertId()
	return err
}

// RecordRefusal writes a refused action (e.Outcome is set to
// model.AuditRefused), bounded so that a burst cannot fill the disk: the
// same refusal as one seen within model.AuditRepeatWindow (same action,
// answer, address, account and target) adds to that row's repeats; and
// once refusals by nobody signed in started model.AuditAnonymousPerHour
// rows within the hour, further ones are counted per action and answer
// with model.AuditMany as address and account.
func (s *Store) RecordRefusal(ctx context.Context, e *model.AuditEntry) error {
	e.Outcome = model.AuditRefused
	return s.Write(context.WithoutCancel(ctx), func(tx *Tx) error {
		if ok, err := tx.repeatRefusal(e); ok || err != nil {
			return err
		}
		if e.ActorID == 0 {
			var n int
			if err := tx.queryRow("count-anonymous-refusals", unix(tx.now.Add(-time.Hour))).Scan(&n); err != nil {
				return fmt.Errorf("store: count-anonymous-refusals: %w", err)
			}
			if n >= model.AuditAnonymousPerHour {
				e.ClientIP, e.ActorEmail, e.TargetID = model.AuditMany, model.AuditMany, ""
				if ok, err := tx.repeatRefusal(e); ok || err != nil {
					return err
				}
			}
		}
		return tx.InsertAudit(e)
	})
}

// repeatRefusal counts e into the row of the same refusal, when one was
// seen within the window.
func (t *Tx) repeatRefusal(e *model.AuditEntry) (bool, error) {
	var id int64
	err := t.queryRow("find-audit-refusal", e.Action, e.Status, e.ClientIP, e.ActorEmail, e.TargetType, e.TargetID,
		unix(t.now.Add(-model.AuditRepeatWindow))).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: find-audit-refusal: %w", err)
	}
	if _, err := t.exec("repeat-audit-refusal", unix(t.now), id); err != nil {
		return false, err
	}
	e.ID = id
	return true, nil
}

func auditState(st *model.AuditState) (any, error) {
	if st == nil {
		return nil, nil
	}
	b, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("store: audit state: %w", err)
	}
	return string(b), nil
}

// AuditLog reads the entries f selects, newest first.
func (s *Store) AuditLog(ctx context.Context, f model.AuditFilter) ([]*model.AuditEntry, error) {
	var since, until int64
	if !f.Since.IsZero() {
		since = unix(f.Since)
	}
	if !f.Until.IsZero() {
		until = unix(f.Until)
	}
	rows, err := s.read("list-audit").QueryContext(ctx, f.Before, f.Actor, f.Action, f.EventID, since, until, f.Limit, f.Outcome, f.ClientIP)
	return collect(rows, err, scanAuditEntry)
}

func scanAuditEntry(row scanner) (*model.AuditEntry, error) {
	var e model.AuditEntry
	var at, last int64
	var event sql.NullInt64
	var before, after sql.NullString
	if err := row.Scan(&e.ID, &at, &e.ActorID, &e.ActorEmail, &e.ClientIP, &e.Action, &e.TargetType, &e.TargetID, &event, &before, &after,
		&e.Outcome, &e.Status, &e.Reason, &e.Repeats, &last); err != nil {
		return nil, err
	}
	e.At, e.LastAt, e.EventID = fromUnix(at), fromUnix(last), nullID(event)
	for _, p := range []struct {
		s   sql.NullString
		dst **model.AuditState
	}{{before, &e.Before}, {after, &e.After}} {
		if !p.s.Valid {
			continue
		}
		var st model.AuditState
		if err := json.Unmarshal([]byte(p.s.String), &st); err != nil {
			return nil, fmt.Errorf("store: audit %d: %w", e.ID, err)
		}
		*p.dst = &st
	}
	return &e, nil
}
