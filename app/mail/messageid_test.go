package mail

import (
	"context"
	"testing"
	"time"

	"github.com/admit/admit/app/clocktest"
	"github.com/admit/admit/app/mail/mailtest"
)

// TestDispatcherSendsAgainUnderTheSameMessageID: a mail the SMTP server
// took but whose sending could not be recorded (the process was killed
// between the two, or the database refused the record) is sent again, by
// the next run (after a restart: a new Dispatcher), with the same
// Message-ID, so that the recipient's mail client shows it once; another
// mail has another Message-ID. Before, each sending drew a new random
// Message-ID: the recipient saw the access email twice (app/e2e's
// TestChaos found it, killing admit as the SMTP server took the mail).
func TestDispatcherSendsAgainUnderTheSameMessageID(t *testing.T) {
	srv := mailtest.NewServer(t)
	sender := testSMTP(t, srv, SMTPConfig{From: "Events <noreply@events.example.org>"})
	clk := clocktest.New(t0)
	ob := newFakeOutbox(2, t0)
	ob.failMark = true // the sending is not recorded
	if err := NewDispatcher(ob, fakeComposer{}, sender, nil, clk.Now).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	ob.failMark = false
	if err := NewDispatcher(ob, fakeComposer{}, sender, nil, clk.Now).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	msgs := srv.WaitFor(t, 4, 5*time.Second)
	ids := map[string][]string{} // recipient → Message-IDs
	for _, m := range msgs {
		ids[m.To[0]] = append(ids[m.To[0]], m.Header.Get("Message-Id"))
	}
	a, b := ids["r1@example.com"], ids["r2@example.com"]
	if len(a) != 2 || len(b) != 2 {
		t.Fatalf("sent %v, want each mail twice", ids)
	}
	if a[0] != a[1] || b[0] != b[1] {
		t.Errorf("a mail sent again has another Message-ID: %v", ids)
	}
	if a[0] == b[0] {
		t.Errorf("two mails share the Message-ID %s", a[0])
	}
	if len(a[0]) < 40 || a[0][len(a[0])-len("@events.example.org>"):] != "@events.example.org>" {
		t.Errorf("Message-ID %q, want <digest@events.example.org>", a[0])
	}
}
