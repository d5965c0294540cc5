package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBackupWhileServing takes a backup while registrations are written.
// The backup command is held at its start (its configuration is a pipe)
// until more registrations have been acknowledged, so writes certainly
// overlap it, and the backup must hold every one acknowledged before it
// read the database.
func TestBackupWhileServing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	s := startServer(t, serverOpts{Dir: dir, DataDir: dataDir, Admin: true})
	token := s.login(t, adminEmail, adminPassword)
	ev := s.createEvent(t, token, "Backup while serving", 1000000)

	l := startLoad(s.base, ev.Slug, "backup", 4)
	defer l.end()
	l.waitAcked(t, 20) // registrations are being written

	file := filepath.Join(t.TempDir(), "admit-backup.db")
	env := []string{"ADMIT_DATA__DIR=" + dataDir}
	config := newConfigPipe(t)
	b := startProc(t, bin, dir, env, "--config", config.path, "backup", file)
	config.waitRead(b)
	atStart := len(l.acked())
	l.waitAcked(t, atStart+20) // written while the backup command runs
	committed := l.acked()     // all committed before the backup reads anything
	config.release("")
	code, ok := b.wait(60 * time.Second)
	duringRead := len(l.acked()) - len(committed)
	res := l.end()
	if !ok {
		t.Fatalf("admit backup still running; stderr %q", b.stderr.String())
	}
	if code != 0 {
		t.Fatalf("admit backup while serving: exit %d\nstdout %q\nstderr %q", code, b.stdout.String(), b.stderr.String())
	}
	if res.errors > 0 || len(res.statuses) > 0 {
		t.Errorf("registrations during the backup: %d transport errors (%v), other answers %v", res.errors, res.firstErr, res.statuses)
	}
	t.Logf("%d registrations in all; %d acknowledged while the backup command started, %d while it read the database",
		len(res.ids), len(committed)-atStart, duringRead)

	db := integrityCheck(t, file)
	var title string
	if err := db.QueryRow("SELECT title FROM events WHERE slug = ?", ev.Slug).Scan(&title); err != nil || title != "Backup while serving" {
		t.Errorf("the backup does not hold the event: %q, %v", title, err)
	}
	inBackup := map[int64]bool{}
	rows, err := db.Query("SELECT id FROM registrations WHERE event_id = ?", ev.ID)
	if err != nil {
		t.Fatalf("registrations in the backup: %v", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		inBackup[id] = true
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	var missing []int64
	for _, id := range committed {
		if !inBackup[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d of the %d registrations acknowledged before the backup read the database are not in it: %v",
			len(missing), len(committed), missing[:min(len(missing), 20)])
	}
	// One snapshot: every registration comes with its access email.
	if n := withoutMail(t, db); n != 0 {
		t.Errorf("%d registrations in the backup have no access email in it", n)
	}
	t.Logf("the backup holds %d registrations", len(inBackup))
	db.Close()

	// The server is unaffected.
	if err := s.healthy(); err != nil {
		t.Fatalf("server after backup: %v", err)
	}

	before, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, bin, dir, env, "backup", file)
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
