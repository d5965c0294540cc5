package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/clocktest"
	"github.com/admit/admit/app/mail/mailtest"
)

// TestReminderFromTheBinary: with reminders.offsets = ["1h"], a registrant
// of a session 61 minutes away gets one reminder through a real SMTP
// server within two minutes of its time (the job looks every minute, on
// the real clock: this test takes about three minutes), and none again at
// the job's next turn.
func TestReminderFromTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the reminder job on the real clock")
	}
	smtp := mailtest.NewServer(t)
	host, port := smtp.Addr()
	s := startServer(t, serverOpts{Admin: true, Env: []string{
		"ADMIT_SMTP__HOST=" + host, fmt.Sprintf("ADMIT_SMTP__PORT=%d", port), "ADMIT_SMTP__TLS=none",
		"ADMIT_REMINDERS__OFFSETS=1h"}})
	token := s.login(t, adminEmail, adminPassword)
	starts := time.Now().Add(61 * time.Minute).Truncate(time.Second)
	due := starts.Add(-time.Hour)
	ev := s.createEvent(t, token, "Soon", 10,
		map[string]any{"sessions": []map[string]any{{"starts_at": starts.UTC().Format(time.RFC3339), "duration_minutes": 30}}})
	if status, _, err := register(httpClient, s.base, ev.Slug, "Ada", "ada@example.org"); status != http.StatusCreated || err != nil {
		t.Fatalf("register: %d %v", status, err)
	}
	msgs := smtp.WaitFor(t, 2, time.Until(due)+3*time.Minute) // the access mail, then the reminder
	arrived := time.Now()
	reminder := msgs[1]
	if !strings.Contains(reminder.Subject, "Starting soon: Soon") || len(reminder.Attachments) != 1 || !strings.Contains(reminder.Text, "/a/") {
		t.Fatalf("second mail: %q, %d attachments\n%s", reminder.Subject, len(reminder.Attachments), reminder.Text)
	}
	if arrived.Before(due) || arrived.After(due.Add(2*time.Minute)) {
		t.Fatalf("the reminder arrived %v after its time, want within 2 minutes", arrived.Sub(due))
	}
	// Once: the job's next turn sends nothing more.
	waitJobRun(t, s, token, "reminders", arrived)
	if n := len(smtp.Messages()); n != 2 {
		t.Fatalf("%d mails after the next turn of the reminders job, want 2", n)
	}
}

// waitJobRun waits until the job has run to the end after `after`, as GET
// /api/v1/jobs shows it (the jobs here run every minute: at least 2
// minutes, with clocktest.Patience).
func waitJobRun(t *testing.T, s *server, token, name string, after time.Time) {
	t.Helper()
	deadline := time.Now().Add(clocktest.Patience(t, 2*time.Minute))
	for time.Now().Before(deadline) {
		var out struct {
			Items []struct {
				Name      string     `json:"name"`
				LastRunAt *time.Time `json:"last_run_at"`
				Outcome   string     `json:"outcome"`
				Running   bool       `json:"running"`
			} `json:"items"`
		}
		if status := api(t, httpClient, "GET", s.base+"/api/v1/jobs", token, nil, &out); status != http.StatusOK {
			t.Fatalf("GET /api/v1/jobs: %d", status)
		}
		for _, j := range out.Items {
			if j.Name == name && j.LastRunAt != nil && j.LastRunAt.After(after) && !j.Running {
				if j.Outcome != "ok" {
					t.Fatalf("job %s: outcome %q", name, j.Outcome)
				}
				return
			}
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("job %s did not run again", name)
}
