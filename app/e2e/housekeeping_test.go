package e2e

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/admit/admit/app/store"
)

// TestScheduledBackupAndReplicatedData: with backup.dir set, the binary
// writes a checked backup every backup.every (here a minute, on the real
// clock) and keeps backup.keep of them; with data.replicated it runs no
// checkpoint job of its own.
func TestScheduledBackupAndReplicatedData(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the backup job on the real clock")
	}
	backups := filepath.Join(t.TempDir(), "backups")
	s := startServer(t, serverOpts{Admin: true, Env: []string{
		"ADMIT_DATA__REPLICATED=true", "ADMIT_BACKUP__DIR=" + backups, "ADMIT_BACKUP__EVERY=1m", "ADMIT_BACKUP__KEEP=1"}})
	token := s.login(t, adminEmail, adminPassword)
	ev := s.createEvent(t, token, "Backed up", 10)
	if status, _, err := register(httpClient, s.base, ev.Slug, "Ada", "ada@example.org"); status != http.StatusCreated || err != nil {
		t.Fatalf("register: %d %v", status, err)
	}
	var out struct {
		Items []struct {
			Name string `json:"name"`
		} `json:"items"`
	}
	if status := api(t, httpClient, "GET", s.base+"/api/v1/jobs", token, nil, &out); status != http.StatusOK {
		t.Fatalf("GET /api/v1/jobs: %d", status)
	}
	names := map[string]bool{}
	for _, j := range out.Items {
		names[j.Name] = true
	}
	if names["checkpoint"] || !names["backup"] || !names["reminders"] {
		t.Fatalf("jobs %v: want backup and reminders, and no checkpoint with data.replicated", names)
	}
	waitJobRun(t, s, token, "backup", time.Time{})
	files, err := filepath.Glob(filepath.Join(backups, "admit-*.db"))
	if err != nil || len(files) != 1 {
		t.Fatalf("backups %v (%v), want one", files, err)
	}
	if err := store.CheckFile(context.Background(), files[0]); err != nil {
		t.Fatal(err)
	}
	s.stop(t)
}
