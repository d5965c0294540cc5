package jobs

import "context"

// OfflinePayments releases the seats of offline payments (bank transfers)
// still unpaid at the end of their term and tells each registrant (every 10
// minutes; the service's clock decides what is due).
func OfflinePayments(expire func(ctx context.Context) (int64, error)) Job {
	return Sweep("offline_payments", "@every 10m", expire)
}
