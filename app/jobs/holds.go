package jobs

import "context"

// Holds expires unpaid seat holds whose time has run out (every minute).
func Holds(expire func(ctx context.Context) (int64, error)) Job {
	return Sweep("holds", "@every 1m", expire)
}
