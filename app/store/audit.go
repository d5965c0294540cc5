package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync/atomic"

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
	e.At = t.now
	res, err := t.exec("insert-audit", unix(t.now), e.ActorID, e.ActorEmail, e.ClientIP, e.Action, e.TargetType, e.TargetID,
		idArg(e.EventID), before, after)
	if err != nil {
		return err
	}
	e.ID, err = res.LastInsertId()
	return err
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
	rows, err := s.read("list-audit").QueryContext(ctx, f.Before, f.Actor, f.Action, f.EventID, since, until, f.Limit)
	return collect(rows, err, scanAuditEntry)
}

func scanAuditEntry(row scanner) (*model.AuditEntry, error) {
	var e model.AuditEntry
	var at int64
	var event sql.NullInt64
	var before, after sql.NullString
	if err := row.Scan(&e.ID, &at, &e.ActorID, &e.ActorEmail, &e.ClientIP, &e.Action, &e.TargetType, &e.TargetID, &event, &before, &after); err != nil {
		return nil, err
	}
	e.At, e.EventID = fromUnix(at), nullID(event)
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
