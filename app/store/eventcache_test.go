package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
)

// TestEventCacheFollowsWrites: Event answers from its cache, yet once a
// write that changed the event, a session or a recording has been
// answered, every read sees it — with readers filling the cache all the
// while; a write rolled back changes nothing; a write reads its own
// changes; a copy handed out can be changed without touching the cache.
func TestEventCacheFollowsWrites(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	start := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
	e := &model.Event{Title: "v0", Slug: "t", Kind: model.KindLive, SeriesRegistration: model.SeriesAll, Timezone: "UTC",
		Status: model.EventPublished, Sessions: []model.Session{{StartsAt: start, DurationMinutes: 60}}}
	if err := s.Write(ctx, func(tx *Tx) error { return tx.InsertEvent(e) }); err != nil {
		t.Fatal(err)
	}
	read := func() *model.Event {
		t.Helper()
		got, err := s.Event(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// Readers keep the cache busy while the writes below run.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					if _, err := s.Event(ctx, e.ID); err != nil {
						t.Error(err)
					}
					if _, err := s.EventView(ctx, e.ID); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()

	for i := 1; i <= 50; i++ {
		title := fmt.Sprintf("v%d", i)
		moved := start.Add(time.Duration(i) * time.Minute)
		err := s.Write(ctx, func(tx *Tx) error {
			cur, err := tx.Event(e.ID)
			if err != nil {
				return err
			}
			cur.Title = title
			if err := tx.UpdateEvent(cur); err != nil {
				return err
			}
			cur.Sessions[0].StartsAt = moved
			if err := tx.UpdateSession(&cur.Sessions[0]); err != nil {
				return err
			}
			// The write reads what it wrote.
			if again, err := tx.Event(e.ID); err != nil || again.Title != title || !again.Sessions[0].StartsAt.Equal(moved) {
				return errors.New("the write does not read its own change")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := read(); got.Title != title || !got.Sessions[0].StartsAt.Equal(moved) {
			t.Fatalf("write %d answered, then read %q at %v", i, got.Title, got.Sessions[0].StartsAt)
		}
	}

	// Rolled back: nothing changes, and the cache still answers right.
	before := read()
	boom := errors.New("boom")
	if err := s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.CancelEvent(e.ID, "no"); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if got := read(); got.Status != model.EventPublished || got.Title != before.Title {
		t.Fatalf("after a rolled-back cancel: %+v", got)
	}

	// A copy handed out is the caller's own.
	c := read()
	c.Title = "changed by a caller"
	c.Sessions[0].DurationMinutes = 1
	if got := read(); got.Title != before.Title || got.Sessions[0].DurationMinutes != 60 {
		t.Fatalf("a caller's change reached the cache: %+v", got)
	}
	// EventView hands out the cache's own event, the same until a write
	// changes it, then the new one.
	read()
	v1, err := s.EventView(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v2, err := s.EventView(ctx, e.ID); err != nil || v2 != v1 || v1.Title != before.Title {
		t.Fatalf("EventView: %p then %p (%v), title %q", v1, v2, err, v1.Title)
	}
	if err := s.Write(ctx, func(tx *Tx) error {
		ev, err := tx.Event(e.ID)
		if err != nil {
			return err
		}
		ev.Title = "viewed"
		return tx.UpdateEvent(ev)
	}); err != nil {
		t.Fatal(err)
	}
	if v3, err := s.EventView(ctx, e.ID); err != nil || v3 == v1 || v3.Title != "viewed" || v1.Title != before.Title {
		t.Fatalf("EventView after an update: %q (was %q, the old view now %q) %v", v3.Title, before.Title, v1.Title, err)
	}
	before.Title = "viewed"

	// EventOnly hands out the cached event without its sessions, and the
	// cache keeps them.
	if err := s.Write(ctx, func(tx *Tx) error {
		only, err := tx.EventOnly(e.ID)
		if err != nil || only.Sessions != nil || only.Title != before.Title {
			t.Errorf("EventOnly: %+v %v", only, err)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := read(); len(got.Sessions) != 1 {
		t.Fatalf("EventOnly took the cache's sessions: %+v", got.Sessions)
	}

	// A recording, a removed session and a cancellation are seen at once.
	if err := s.Write(ctx, func(tx *Tx) error {
		return tx.InsertRecording(&model.Recording{EventID: e.ID, Title: "r", URL: "https://v.example.org/r"})
	}); err != nil {
		t.Fatal(err)
	}
	if got := read(); got.Recordings.Count != 1 {
		t.Fatalf("recording not seen: %+v", got.Recordings)
	}
	if err := s.Write(ctx, func(tx *Tx) error { return tx.RemoveSession(e.ID, before.Sessions[0].ID) }); err != nil {
		t.Fatal(err)
	}
	if got := read(); len(got.Sessions) != 0 {
		t.Fatalf("removed session still listed: %+v", got.Sessions)
	}
	if err := s.Write(ctx, func(tx *Tx) error { _, err := tx.CancelEvent(e.ID, "sorry"); return err }); err != nil {
		t.Fatal(err)
	}
	if got := read(); got.Status != model.EventCancelled {
		t.Fatalf("cancel not seen: %q", got.Status)
	}
}
