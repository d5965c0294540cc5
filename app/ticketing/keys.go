package ticketing

import (
	"context"
	"sync"
)

// keyLocks runs the requests that carry one Idempotency-Key one after the
// other inside this process, so that a second request waits for the first
// answer instead of racing it to the provider. (The database row claimed
// with the registration keeps the key across processes and restarts.)
type keyLocks struct {
	m sync.Map // key → chan struct{}, closed when its holder is done
}

// lock waits until no other request holds key, then holds it until release
// is called.
func (k *keyLocks) lock(ctx context.Context, key string) (release func(), err error) {
	mine := make(chan struct{})
	for {
		held, loaded := k.m.LoadOrStore(key, mine)
		if !loaded {
			return func() {
				k.m.Delete(key)
				close(mine)
			}, nil
		}
		select {
		case <-held.(chan struct{}):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
