package model

import "time"

// RecordingsSummary is what an event keeps of its recordings (those the
// retention job has not removed).
type RecordingsSummary struct {
	// Count is the number of recordings kept.
	Count int64
	// Bytes is the size of their files (external ones count 0).
	Bytes int64
	// Until is when the last of them expires; nil when one is kept until
	// deleted (or there are none).
	Until *time.Time
}

// Watchable reports whether a recording of the event can be watched at now.
func (r RecordingsSummary) Watchable(now time.Time) bool {
	return r.Count > 0 && (r.Until == nil || r.Until.After(now))
}

// Over reports whether a live event or series has had its last session by
// now (an on-demand video never is).
func (e *Event) Over(now time.Time) bool {
	if e.Kind == KindOnDemand || len(e.Sessions) == 0 {
		return false
	}
	for _, ss := range e.Sessions {
		if ss.EndsAt().After(now) {
			return false
		}
	}
	return true
}

// SellsReplay reports whether the event sells its recording at now: a
// published event whose last session is over and that has a recording to
// watch. Such a sale takes no live seat and is not limited by capacity.
func (e *Event) SellsReplay(now time.Time) bool {
	return e.Status == EventPublished && e.Over(now) && e.Recordings.Watchable(now)
}

// Watch reports whether a registration made (or paid) at now is for
// watching recordings rather than joining a live session: an on-demand
// video, or a replay.
func (e *Event) Watch(now time.Time) bool {
	return e.Kind == KindOnDemand || e.SellsReplay(now)
}

// ReplayPrice is what the replay sells for: RecordingPrice, else Price
// (nil: free).
func (e *Event) ReplayPrice() *Money {
	if e.RecordingPrice != nil {
		return e.RecordingPrice
	}
	return e.Price
}

// Expired reports whether the recording is no longer watchable at now:
// past its expiry, or removed by the retention job.
func (r *Recording) Expired(now time.Time) bool {
	return r.RemovedAt != nil || (r.ExpiresAt != nil && !r.ExpiresAt.After(now))
}
