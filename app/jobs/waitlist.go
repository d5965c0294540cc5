package jobs

import "context"

// Waitlist ends the waiting-list offers whose time has run out and offers
// every free seat to the first in line (every minute). The database holds
// what is free and who is next, so a missed turn is made up at the next.
func Waitlist(offer func(ctx context.Context) (int, error)) Job {
	return Sweep("waitlist", "@every 1m", offer)
}
