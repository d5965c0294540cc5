package model

import (
	"testing"
	"time"
)

func TestSellsReplay(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	past := Session{StartsAt: now.Add(-3 * time.Hour), DurationMinutes: 60}
	running := Session{StartsAt: now.Add(-30 * time.Minute), DurationMinutes: 60}
	soon, gone := now.Add(time.Hour), now.Add(-time.Minute)
	kept := RecordingsSummary{Count: 1}
	for _, tc := range []struct {
		name        string
		e           Event
		replay      bool
		watch, over bool
	}{
		{"over with a recording", Event{Kind: KindLive, Status: EventPublished, Sessions: []Session{past}, Recordings: kept}, true, true, true},
		{"over without a recording", Event{Kind: KindLive, Status: EventPublished, Sessions: []Session{past}}, false, false, true},
		{"over, its recording expires later", Event{Kind: KindLive, Status: EventPublished, Sessions: []Session{past}, Recordings: RecordingsSummary{Count: 1, Until: &soon}}, true, true, true},
		{"over, its recording expired", Event{Kind: KindLive, Status: EventPublished, Sessions: []Session{past}, Recordings: RecordingsSummary{Count: 1, Until: &gone}}, false, false, true},
		{"a session still running", Event{Kind: KindSeries, Status: EventPublished, Sessions: []Session{past, running}, Recordings: kept}, false, false, false},
		{"cancelled", Event{Kind: KindLive, Status: EventCancelled, Sessions: []Session{past}, Recordings: kept}, false, false, true},
		{"draft", Event{Kind: KindLive, Status: EventDraft, Sessions: []Session{past}, Recordings: kept}, false, false, true},
		{"on demand", Event{Kind: KindOnDemand, Status: EventPublished, Recordings: kept}, false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.e.SellsReplay(now); got != tc.replay {
				t.Errorf("SellsReplay %v, want %v", got, tc.replay)
			}
			if got := tc.e.Watch(now); got != tc.watch {
				t.Errorf("Watch %v, want %v", got, tc.watch)
			}
			if got := tc.e.Over(now); got != tc.over {
				t.Errorf("Over %v, want %v", got, tc.over)
			}
		})
	}
	e := Event{Price: &Money{Amount: 1999, Currency: "EUR"}}
	if p := e.ReplayPrice(); p.Amount != 1999 {
		t.Errorf("replay price without recording_price: %v", p)
	}
	e.RecordingPrice = &Money{Amount: 999, Currency: "EUR"}
	if p := e.ReplayPrice(); p.Amount != 999 {
		t.Errorf("replay price: %v", p)
	}
}
