//go:build unix

package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// openWithoutUmask sets the process umask to 0 for the test, so that a
// file not created 0600 shows it, and opens a new database in a temporary
// directory.
func openWithoutUmask(t *testing.T) (dir, path string, s *Store) {
	t.Helper()
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
	dir = t.TempDir()
	path = filepath.Join(dir, "admit.db")
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return dir, path, s
}

func wantMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s has mode %#o, want %#o", filepath.Base(path), got, want)
	}
}

// TestDatabaseFilesArePrivate: the database, its WAL and shared memory and
// every backup are 0600, whatever the umask; an older database left
// readable by others is narrowed when opened.
func TestDatabaseFilesArePrivate(t *testing.T) {
	ctx := context.Background()
	dir, path, s := openWithoutUmask(t)
	if err := s.Write(ctx, func(tx *Tx) error { return tx.PutSetting("k", "v") }); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		wantMode(t, p, 0o600)
	}
	backup := filepath.Join(dir, "backup.db")
	if err := Backup(ctx, path, backup); err != nil {
		t.Fatal(err)
	}
	wantMode(t, backup, 0o600)
	s.Close()

	for _, p := range []string{path, backup} {
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(ctx, backup, Options{})
	if err != nil {
		t.Fatalf("open the backup: %v", err)
	}
	defer s.Close()
	if v, err := s.Setting(ctx, "k"); err != nil || v != "v" {
		t.Fatalf("the backup holds %q, %v", v, err)
	}
	wantMode(t, backup, 0o600)
}

// TestFailedBackupLeavesNothing: a backup that fails half-way (here on a
// damaged page of the database) leaves no file behind, and certainly none
// that others can read. VACUUM INTO used to create its file 0644 and leave
// it so when it failed.
func TestFailedBackupLeavesNothing(t *testing.T) {
	ctx := context.Background()
	dir, path, s := openWithoutUmask(t)
	big := make([]byte, 3000)
	for i := range 200 {
		err := s.Write(ctx, func(tx *Tx) error { return tx.PutSetting(fmt.Sprint("k", i), string(big)) })
		if err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	damage(t, path)

	backup := filepath.Join(dir, "backup.db")
	if err := Backup(ctx, path, backup); err == nil {
		t.Fatal("a backup of a damaged database succeeded")
	}
	if fi, err := os.Stat(backup); err == nil {
		t.Fatalf("a failed backup left %s with mode %#o", backup, fi.Mode().Perm())
	}
}

// damage overwrites the last pages of the database file (data pages, not
// the schema on page 1), so reading every row fails.
func damage(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	junk := make([]byte, 64<<10)
	for i := range junk {
		junk[i] = 0xA5
	}
	if _, err := f.WriteAt(junk, fi.Size()/2); err != nil {
		t.Fatal(err)
	}
}
