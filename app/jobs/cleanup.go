package jobs

import (
	"context"
	"time"
)

// Cleanup forgets idempotency keys older than a day (hourly).
func Cleanup(forget func(ctx context.Context, before time.Time) (int64, error), now func() time.Time) Job {
	return Func{JobName: "cleanup", Spec: "@every 1h", Fn: func(ctx context.Context) error {
		_, err := forget(ctx, now().Add(-24*time.Hour))
		return err
	}}
}
