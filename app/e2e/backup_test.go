package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBackupWhileServing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	s := startServer(t, serverOpts{Dir: dir, DataDir: dataDir, Admin: true})
	token := s.login(t, adminEmail, adminPassword)
	ev := s.createEvent(t, token, "Backup while serving", 1000000)

	stop := make(chan struct{})
	done := make(chan loadResult, 1)
	go func() { done <- runLoad(s.base, ev.Slug, "backup", 4, stop) }()
	time.Sleep(300 * time.Millisecond) // registrations are being written

	file := filepath.Join(t.TempDir(), "admit-backup.db")
	env := []string{"ADMIT_DATA__DIR=" + dataDir}
	code, stdout, stderr := run(t, bin, dir, env, "backup", file)
	if code != 0 {
		close(stop)
		<-done
		t.Fatalf("admit backup while serving: exit %d\nstdout %q\nstderr %q", code, stdout, stderr)
	}
	time.Sleep(200 * time.Millisecond)
	close(stop)
	res := <-done
	if res.errors > 0 || len(res.statuses) > 0 {
		t.Errorf("registrations during the backup: %d transport errors (%v), other answers %v", res.errors, res.firstErr, res.statuses)
	}
	t.Logf("%d registrations during the load", len(res.ids))

	db := integrityCheck(t, file)
	var title string
	if err := db.QueryRow("SELECT title FROM events WHERE slug = ?", ev.Slug).Scan(&title); err != nil || title != "Backup while serving" {
		t.Errorf("the backup does not hold the event: %q, %v", title, err)
	}
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM registrations").Scan(&n); err != nil {
		t.Errorf("count registrations in the backup: %v", err)
	}
	t.Logf("the backup holds %d registrations", n)
	db.Close()

	// The server is unaffected.
	if err := s.waitHealthy(5 * time.Second); err != nil {
		t.Fatalf("server after backup: %v", err)
	}

	before, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr = run(t, bin, dir, env, "backup", file)
	if code == 0 {
		t.Fatalf("a second backup onto %s exited 0; it must refuse to overwrite", file)
	}
	if !strings.Contains(stderr, file) || !strings.Contains(stderr, "exists") {
		t.Errorf("a second backup onto the same file should say the file exists, got: %q", stderr)
	}
	if after, err := os.ReadFile(file); err != nil || !bytes.Equal(before, after) {
		t.Errorf("the failed second backup changed the first one (err %v)", err)
	}
	s.stop(t)
}
