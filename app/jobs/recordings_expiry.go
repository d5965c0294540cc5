package jobs

import "context"

// RecordingsExpiry removes the recordings past their expires_at (every
// ten minutes): their files go, their rows stay marked removed so that
// registrants are told the recording is no longer available. An expired
// recording is refused as soon as it expires; the job only frees the space.
func RecordingsExpiry(expire func(ctx context.Context) (int, error)) Job {
	return Sweep("recordings_expiry", "@every 10m", expire)
}
