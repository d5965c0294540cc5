package jobs

import (
	"context"
	"time"
)

// Uploads removes resumable uploads left unfinished for a day (hourly).
func Uploads(clean func(ctx context.Context, before time.Time) (int, error), now func() time.Time) Job {
	return Func{JobName: "uploads", Spec: "@every 1h", Fn: func(ctx context.Context) error {
		_, err := clean(ctx, now().Add(-24*time.Hour))
		return err
	}}
}
