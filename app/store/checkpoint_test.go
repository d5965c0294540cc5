package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCheckpointIsPassive: the periodic checkpoint does not wait for a
// reader that holds an old snapshot (as a replication tool such as
// Litestream does); a TRUNCATE checkpoint would wait for it, here up to
// the 10-second busy timeout, past the context's deadline.
func TestCheckpointIsPassive(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "admit.db")
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	write := func() {
		t.Helper()
		if err := s.Write(ctx, func(tx *Tx) error { return tx.PutSetting("k", time.Now().String()) }); err != nil {
			t.Fatal(err)
		}
	}
	write()
	reader := sql.OpenDB(connector{dsn: "file:" + path + "?_busy_timeout=10000"})
	defer reader.Close()
	rtx, err := reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rtx.Rollback()
	var n int
	if err := rtx.QueryRow("SELECT COUNT(*) FROM settings").Scan(&n); err != nil { // the snapshot starts here
		t.Fatal(err)
	}
	write()
	// A checkpoint that waited for the reader would wait the whole busy
	// timeout (10 s); a passive one takes milliseconds. The deadline sits
	// just below the busy timeout, to leave a loaded disk all the room.
	deadline, cancel := context.WithTimeout(ctx, 9*time.Second)
	defer cancel()
	if err := s.Checkpoint(deadline); err != nil {
		t.Fatalf("checkpoint with a reader: %v", err)
	}
	if deadline.Err() != nil {
		t.Fatal("the checkpoint waited for the reader")
	}
}

// TestReplicatedCloseLeavesTheWAL: with data.replicated, closing does not
// truncate the WAL: checkpoints are the replication tool's.
func TestReplicatedCloseLeavesTheWAL(t *testing.T) {
	ctx := context.Background()
	for _, replicated := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "admit.db")
		s, err := Open(ctx, path, Options{Replicated: replicated})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Write(ctx, func(tx *Tx) error { return tx.PutSetting("k", "v") }); err != nil {
			t.Fatal(err)
		}
		// Another connection keeps the WAL file from being deleted at close.
		other := sql.OpenDB(connector{dsn: "file:" + path})
		if err := other.PingContext(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path + "-wal")
		other.Close()
		if err != nil {
			t.Fatal(err)
		}
		if truncated := fi.Size() == 0; truncated == replicated {
			t.Errorf("replicated=%v: WAL of %d bytes after close", replicated, fi.Size())
		}
	}
}
