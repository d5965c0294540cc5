package e2e

import (
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/admit/admit/app/clocktest"
)

// loadResult is what a load saw: the ids answered 201 and what else came
// back.
type loadResult struct {
	ids      []int64
	statuses map[int]int // non-201 answers by status
	errors   int         // transport errors (expected once the server dies)
	firstErr error
}

// load registers unique emails on an event from several clients at once
// until it is ended, or until a client meets a transport error (the server
// is gone, or going).
type load struct {
	stop    chan struct{}
	done    chan struct{}
	endOnce sync.Once
	mu      sync.Mutex
	res     loadResult
	changed chan struct{} // closed, then replaced, at every answer
}

func startLoad(base, slug, prefix string, clients int) *load {
	l := &load{stop: make(chan struct{}), done: make(chan struct{}), changed: make(chan struct{}),
		res: loadResult{statuses: map[int]int{}}}
	client := keepAliveClient(clients, 30*time.Second)
	var (
		seq atomic.Int64
		wg  sync.WaitGroup
	)
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				n := seq.Add(1)
				status, id, err := register(client, base, slug, fmt.Sprintf("Load %d", n), fmt.Sprintf("%s-%d@example.org", prefix, n))
				l.record(status, id, err)
				if err != nil {
					return
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		client.CloseIdleConnections()
		close(l.done)
	}()
	return l
}

func (l *load) record(status int, id int64, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case err != nil:
		l.res.errors++
		if l.res.firstErr == nil {
			l.res.firstErr = err
		}
	case status == http.StatusCreated:
		l.res.ids = append(l.res.ids, id)
	default:
		l.res.statuses[status]++
	}
	close(l.changed)
	l.changed = make(chan struct{})
}

// acked lists the registrations answered 201 so far.
func (l *load) acked() []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.res.ids)
}

// waitAcked waits until n registrations in all have been answered 201;
// it fails the test when every client has stopped first, or after
// clocktest.Patience of a minute.
func (l *load) waitAcked(t testing.TB, n int) {
	t.Helper()
	timeout := time.After(clocktest.Patience(t, time.Minute))
	for {
		l.mu.Lock()
		have, changed := len(l.res.ids), l.changed
		l.mu.Unlock()
		if have >= n {
			return
		}
		select {
		case <-changed:
		case <-l.done:
			res := l.end()
			t.Fatalf("the load stopped after %d of %d registrations: %d transport errors (%v), other answers %v",
				len(res.ids), n, res.errors, res.firstErr, res.statuses)
		case <-timeout:
			t.Fatalf("only %d of %d registrations acknowledged", have, n)
		}
	}
}

// end stops the clients, waits for them and returns what they saw.
func (l *load) end() loadResult {
	l.endOnce.Do(func() { close(l.stop) })
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.res
}

func TestCrashKeepsAcknowledgedRegistrations(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	s := startServer(t, serverOpts{Dir: dir, DataDir: dataDir, Admin: true})
	token := s.login(t, adminEmail, adminPassword)
	ev := s.createEvent(t, token, "Crash", 1000000)

	acked := map[int64]bool{}
	for round := 1; round <= 2; round++ {
		l := startLoad(s.base, ev.Slug, fmt.Sprintf("crash%d", round), 8)
		l.waitAcked(t, 100)
		s.kill() // SIGKILL while the clients are still sending
		res := l.end()
		t.Logf("round %d: %d registrations acknowledged before SIGKILL, %d transport errors (%v), other answers %v",
			round, len(res.ids), res.errors, res.firstErr, res.statuses)
		for status, n := range res.statuses {
			t.Errorf("round %d: %d answers with status %d during the load (want only 201)", round, n, status)
		}
		for _, id := range res.ids {
			if acked[id] {
				t.Errorf("round %d: registration id %d was acknowledged twice", round, id)
			}
			acked[id] = true
		}

		s = s.restart(t)
		token = s.login(t, adminEmail, adminPassword)
		have := s.registrationIDs(t, token, ev.ID)
		var lost []int64
		for id := range acked {
			if !have[id] {
				lost = append(lost, id)
			}
		}
		sort.Slice(lost, func(i, j int) bool { return lost[i] < lost[j] })
		if len(lost) > 0 {
			t.Fatalf("round %d: %d of %d acknowledged registrations are gone after SIGKILL and restart: %v",
				round, len(lost), len(acked), lost[:min(len(lost), 20)])
		}
		t.Logf("round %d: all %d acknowledged registrations present (%d stored)", round, len(acked), len(have))
	}
	// The server still takes registrations after two crashes.
	if status, _, err := register(httpClient, s.base, ev.Slug, "After", "after-crash@example.org"); err != nil || status != http.StatusCreated {
		t.Fatalf("register after restart: %d %v", status, err)
	}
	s.stop(t)

	db := integrityCheck(t, filepath.Join(dataDir, "admit.db"))
	// Every registration was committed together with its access email.
	if n := withoutMail(t, db); n != 0 {
		t.Errorf("%d registrations have no access email in the outbox", n)
	}
}
