package store

import "context"

// OutboxDepth counts the mails waiting in the outbox (retries included) and
// those given up, for /metrics.
func (s *Store) OutboxDepth(ctx context.Context) (queued, failed int64, err error) {
	err = s.read("outbox-depth").QueryRowContext(ctx).Scan(&queued, &failed)
	return queued, failed, err
}
