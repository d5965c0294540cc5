package ticketing

import (
	"context"
	"strings"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// Retention: a recording may expire some days after it is attached; it is
// then no longer watchable, and the retention job (ExpireRecordings)
// removes its file and marks its row removed. The row stays, so that the
// registrant's page says the recording is no longer available.

// maxExpiryDays bounds expires_after_days (ten years).
const maxExpiryDays = 3650

func checkExpiryDays(f fields, days *int64) {
	if days != nil && (*days < 1 || *days > maxExpiryDays) {
		f.add("expires_after_days", "must be a number of days from 1 to %d, or null to keep the recording until it is deleted", maxExpiryDays)
	}
}

// expiryAfter is when a recording attached at from expires (nil: never).
func expiryAfter(from time.Time, days *int64) *time.Time {
	if days == nil {
		return nil
	}
	t := from.Add(time.Duration(*days) * 24 * time.Hour).UTC().Truncate(time.Second)
	return &t
}

// expiredProblem is the answer to a recording that is no longer available.
func expiredProblem(r *model.Recording) error {
	msg := "This recording is no longer available: the organizer kept it for a limited time."
	if r.ExpiresAt != nil {
		msg = "This recording is no longer available: the organizer kept it until " + r.ExpiresAt.Format("2 January 2006") + "."
	}
	return &model.Problem{Err: model.ErrGone, Code: "recording_expired", Message: msg}
}

// RecordingChange is a PATCH of a recording: each field present changes.
type RecordingChange struct {
	Title *string `json:"title"`
	// ExpiresAfterDays counts from when the recording was attached; null
	// keeps it until deleted.
	ExpiresAfterDays Opt[int64] `json:"expires_after_days"`
}

// UpdateRecording changes a recording's title or expiry. A recording whose
// file the retention job removed cannot be brought back.
func (s *Service) UpdateRecording(ctx context.Context, eventID, id int64, in RecordingChange) (*model.Recording, error) {
	f := fields{}
	if in.Title != nil {
		*in.Title = strings.TrimSpace(*in.Title)
		checkLine(f, "title", *in.Title, true, maxTitle)
	}
	if in.ExpiresAfterDays.Set && !in.ExpiresAfterDays.Null {
		checkExpiryDays(f, &in.ExpiresAfterDays.Value)
	}
	if len(f) > 0 {
		return nil, model.Invalid(f)
	}
	var rec *model.Recording
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		var err error
		if rec, err = tx.Recording(eventID, id); err != nil {
			return err
		}
		if rec.RemovedAt != nil {
			return model.Fail(model.ErrConflict, "This recording expired and its file was removed: upload it again to make it available.")
		}
		if in.Title != nil {
			rec.Title = *in.Title
		}
		if in.ExpiresAfterDays.Set {
			var days *int64
			if !in.ExpiresAfterDays.Null {
				days = &in.ExpiresAfterDays.Value
			}
			rec.ExpiresAt = expiryAfter(rec.CreatedAt, days)
		}
		return tx.UpdateRecording(rec)
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// expiryBatch bounds the recordings one run of ExpireRecordings removes.
const expiryBatch = 100

// ExpireRecordings removes the files of the recordings expired by now and
// marks them removed; it answers how many. A file is removed before its
// row is marked: a run stopped in between removes it again (a missing file
// is no error) and marks it then. An expired recording is refused before
// the job runs, so nothing is served meanwhile.
func (s *Service) ExpireRecordings(ctx context.Context) (int, error) {
	done := 0
	for {
		recs, err := s.store.ExpiredRecordings(ctx, s.now(), expiryBatch)
		if err != nil || len(recs) == 0 {
			return done, err
		}
		for _, r := range recs {
			if r.StorageKey != "" && s.files != nil {
				if err := s.files.Delete(ctx, r.StorageKey); err != nil {
					return done, err
				}
			}
			err := s.store.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.MarkRecordingRemoved(r.ID)
				return err
			})
			if err != nil {
				return done, err
			}
			s.log.InfoContext(ctx, "recording expired: file removed", "event_id", r.EventID, "recording_id", r.ID, "bytes", r.Size)
			done++
		}
		if len(recs) < expiryBatch {
			return done, nil
		}
	}
}
