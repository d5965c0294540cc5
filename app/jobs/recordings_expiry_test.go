package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/admit/admit/app/clocktest"
)

// TestRecordingsExpiryRunsOnTheClock: the job runs every ten minutes of the
// injected clock, and not before.
func TestRecordingsExpiryRunsOnTheClock(t *testing.T) {
	clk := clocktest.New(time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC))
	s := New(Options{Log: quiet(), Now: clk.Now})
	runs := 0
	j := RecordingsExpiry(func(context.Context) (int, error) { runs++; return 1, nil })
	if j.Name() != "recordings_expiry" || j.Schedule() != "@every 10m" {
		t.Fatalf("job %s %s", j.Name(), j.Schedule())
	}
	if err := s.Add(j); err != nil {
		t.Fatal(err)
	}
	clk.Add(9 * time.Minute)
	s.RunDue()
	if runs != 0 {
		t.Fatalf("ran %d times before its turn", runs)
	}
	clk.Add(time.Minute)
	s.RunDue()
	if st := s.Statuses(); runs != 1 || st[0].Outcome != OutcomeOK {
		t.Fatalf("%d runs, %+v", runs, st)
	}
}
