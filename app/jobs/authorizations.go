package jobs

import "context"

// Authorizations flags to the organizers the payments held for their
// decision that is due within a day (see ticketing's decideBy), and records
// those that lapsed, telling their registrants (every 10 minutes). The
// database keeps which were flagged and which lapsed, so a restart neither
// loses nor repeats one; the clock is the store's.
func Authorizations(check func(ctx context.Context) (flagged, lapsed int, err error)) Job {
	return Func{JobName: "authorizations", Spec: "@every 10m", Fn: func(ctx context.Context) error {
		_, _, err := check(ctx)
		return err
	}}
}
