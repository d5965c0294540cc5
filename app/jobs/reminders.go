package jobs

import "context"

// Reminders queues the reminders whose time has come (every minute, so a
// reminder leaves within two minutes of its time). What is due is decided
// by the database, so a missed turn is made up at the next.
func Reminders(send func(ctx context.Context) (int, error)) Job {
	return Sweep("reminders", "@every 1m", send)
}
