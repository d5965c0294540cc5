package jobs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/admit/admit/app/clocktest"
	"github.com/admit/admit/app/store"
)

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// TestBackupsKeepTheNewestGoodOnes: every turn writes a checked copy of the
// database; the oldest beyond keep go only once the new one passed its
// check, and one that fails it is removed with the older ones kept.
func TestBackupsKeepTheNewestGoodOnes(t *testing.T) {
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "admit.db")
	st, err := store.Open(ctx, dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clk := clocktest.New(time.Date(2030, 1, 1, 3, 0, 0, 0, time.UTC))
	dir := filepath.Join(t.TempDir(), "backups")
	// Unrelated files in the directory are left alone.
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	var corrupt bool
	b := Backups{Dir: dir, Every: 6 * time.Hour, Keep: 2, Now: clk.Now,
		Copy: func(ctx context.Context, dest string) error { return store.Backup(ctx, dbPath, dest) },
		Check: func(ctx context.Context, path string) error {
			if corrupt {
				return errors.New("integrity_check: page 2 is never used")
			}
			return store.CheckFile(ctx, path)
		}}
	s := New(Options{Log: quiet(), Now: clk.Now})
	if err := s.Add(Backup(b)); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		clk.Add(6 * time.Hour)
		s.RunDue()
	}
	want := []string{"admit-20300101-150000.db", "admit-20300101-210000.db", "notes.txt"}
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Fatalf("after three turns: %v, want %v", got, want)
	}
	if st := s.Statuses()[0]; st.Outcome != OutcomeOK || st.Schedule != "@every 6h0m0s" {
		t.Fatalf("status %+v", st)
	}
	corrupt = true
	clk.Add(6 * time.Hour)
	s.RunDue()
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Fatalf("after a backup that failed its check: %v, want %v", got, want)
	}
	if st := s.Statuses()[0]; st.Outcome != OutcomeError || st.Err == "" {
		t.Fatalf("a failed check must show: %+v", st)
	}
	if err := store.CheckFile(ctx, filepath.Join(dir, want[1])); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, want[1])); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
}

// TestCheckFileRefusesADamagedDatabase: the check reads the file for real.
func TestCheckFileRefusesADamagedDatabase(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.db")
	if err := os.WriteFile(p, []byte("this is no database at all, just text"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := store.CheckFile(context.Background(), p); err == nil {
		t.Fatal("a file that is no database passed the check")
	}
}
