package store

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"
)

// Group commit. Every write waits for its transaction to reach the disk
// (synchronous=FULL), and the disk, not SQLite, sets the pace: one fsync
// per commit. The single writer therefore takes every write waiting for it
// into one transaction, runs each in a savepoint of its own — a write that
// fails is rolled back alone, as if it had had its own transaction — and
// answers each only after the one commit. Alone, a write is its own batch;
// under load a batch forms while the previous commit is being synced.

// maxBatch bounds a batch, so that one slow batch does not hold many.
const maxBatch = 256

type writeReq struct {
	ctx  context.Context
	fn   func(tx *Tx) error
	done chan error
}

// writer runs the batches until the queue is closed.
func (s *Store) writer() {
	defer close(s.stopped)
	for first := range s.queue {
		batch := []writeReq{first}
	fill:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-s.queue:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		s.runBatch(batch)
	}
}

func (s *Store) runBatch(batch []writeReq) {
	results := make([]error, len(batch))
	fail := func(err error) {
		s.events.settle()
		for i, r := range batch {
			if results[i] == nil {
				results[i] = err
			}
			r.done <- results[i]
		}
	}
	sqlTx, err := s.w.BeginTx(context.Background(), nil)
	if err != nil {
		fail(fmt.Errorf("store: begin: %w", err))
		return
	}
	now := s.now().UTC().Truncate(time.Second)
	savepoint, release, undo := sqlTx.Stmt(s.savepoints[0]), sqlTx.Stmt(s.savepoints[1]), sqlTx.Stmt(s.savepoints[2])
	defer savepoint.Close()
	defer release.Close()
	defer undo.Close()
	ran := 0
	txs := make([]*Tx, len(batch))
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i] = err // its caller has gone: nothing of it is written
			continue
		}
		tx := &Tx{s: s, tx: sqlTx, ctx: context.WithoutCancel(r.ctx), now: now}
		txs[i] = tx
		if _, err := savepoint.Exec(); err != nil {
			sqlTx.Rollback()
			fail(fmt.Errorf("store: savepoint: %w", err))
			return
		}
		results[i] = call(r.fn, tx)
		if results[i] == nil {
			// What the write changed is reported in its own savepoint.
			results[i] = call(func(tx *Tx) error { return tx.observe() }, tx)
		}
		if results[i] == nil {
			// The administrator's action the write's context carries is
			// logged with it (audit.go).
			results[i] = call(func(tx *Tx) error { return tx.writeAudit() }, tx)
		}
		var err error
		if results[i] != nil {
			_, err = undo.Exec()
		} else {
			ran++
		}
		if err == nil {
			_, err = release.Exec()
		}
		if err != nil {
			sqlTx.Rollback()
			fail(fmt.Errorf("store: savepoint: %w", err))
			return
		}
	}
	if ran == 0 {
		err = sqlTx.Rollback()
	} else {
		err = sqlTx.Commit()
	}
	if err != nil {
		for i := range results {
			if results[i] == nil {
				results[i] = fmt.Errorf("store: commit: %w", err)
			}
		}
	}
	s.events.settle() // before any write is answered
	for i, r := range batch {
		if results[i] == nil {
			s.tellOutcomes(txs[i]) // committed: its registrations' statuses count
		}
		r.done <- results[i]
	}
	s.prepareWanted()
}

// call runs fn, turning a panic into an error so one bad write cannot take
// the others of its batch down.
func call(fn func(tx *Tx) error, tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: write panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return fn(tx)
}
