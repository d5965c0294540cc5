package main

import (
	"context"
	"database/sql"

	"github.com/admit/admit/app/store"
)

// openRaw creates the RAW database at path with the server's own
// migrations (every table, index and seat-count trigger a registration or a
// payment webhook touches is the server's), then opens it with the server's
// writer settings: WAL, synchronous=FULL, foreign keys, one connection
// whose transactions are BEGIN IMMEDIATE, the WAL truncated back to 64 MB.
// It adds the one event the RAW rows belong to (id 1; capacity nil means
// unlimited).
func openRaw(ctx context.Context, path string, capacity any) (*sql.DB, error) {
	s, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return nil, err
	}
	if err := s.Close(); err != nil {
		return nil, err
	}
	db, err := openWriter(ctx, path)
	if err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO events(id, slug, title, kind, timezone, capacity, status, created_at, updated_at)
		VALUES (1, 'raw', 'RAW', 'live', 'UTC', ?, 'published', 0, 0)`, capacity); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// openWriter opens the database at path with the server's writer settings
// (see openRaw).
func openWriter(ctx context.Context, path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_busy_timeout=10000&_foreign_keys=on&_synchronous=FULL&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if _, err := db.ExecContext(ctx, "PRAGMA journal_size_limit = 67108864"); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
