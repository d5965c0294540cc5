package jobs

import "context"

// Holds expires unpaid seat holds whose time has run out (every minute).
func Holds(expire func(ctx context.Context) (int64, error)) Job {
	return Func{JobName: "holds", Spec: "@every 1m", Fn: func(ctx context.Context) error {
		_, err := expire(ctx)
		return err
	}}
}
