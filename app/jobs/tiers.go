package jobs

import "context"

// Tiers tells the organizers about tiers that ended, expired or sold out
// (every minute). The database keeps which were reported, so a restart
// neither loses nor repeats one; prices never wait for it.
func Tiers(report func(ctx context.Context) (int, error)) Job {
	return Sweep("tiers", "@every 1m", report)
}
