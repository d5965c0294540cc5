package e2e

import (
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// load registers unique emails on slug from clients goroutines until stop
// is closed, and returns the ids answered 201 and what else came back.
type loadResult struct {
	ids      []int64
	statuses map[int]int // non-201 answers by status
	errors   int         // transport errors (expected once the server dies)
	firstErr error
}

func runLoad(base, slug, prefix string, clients int, stop <-chan struct{}) loadResult {
	client := keepAliveClient(clients, 10*time.Second)
	defer client.CloseIdleConnections()
	var (
		mu  sync.Mutex
		res = loadResult{statuses: map[int]int{}}
		seq atomic.Int64
		wg  sync.WaitGroup
	)
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				n := seq.Add(1)
				status, id, err := register(client, base, slug, fmt.Sprintf("Load %d", n), fmt.Sprintf("%s-%d@example.org", prefix, n))
				mu.Lock()
				switch {
				case err != nil:
					res.errors++
					if res.firstErr == nil {
						res.firstErr = err
					}
				case status == http.StatusCreated:
					res.ids = append(res.ids, id)
				default:
					res.statuses[status]++
				}
				mu.Unlock()
				if err != nil {
					// The server is gone (or going): do not spin.
					time.Sleep(5 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	return res
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
		stop := make(chan struct{})
		done := make(chan loadResult, 1)
		go func() { done <- runLoad(s.base, ev.Slug, fmt.Sprintf("crash%d", round), 8, stop) }()
		time.Sleep(1500 * time.Millisecond)
		s.kill() // SIGKILL while the clients are still sending
		close(stop)
		res := <-done
		t.Logf("round %d: %d registrations acknowledged before SIGKILL, %d transport errors (%v), other answers %v",
			round, len(res.ids), res.errors, res.firstErr, res.statuses)
		if len(res.ids) == 0 {
			t.Fatalf("round %d: no registration was acknowledged in 1.5 s; stderr tail:\n%s", round, tail(s.stderr.String(), 3000))
		}
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
	var orphans int
	if err := db.QueryRow(`SELECT COUNT(*) FROM registrations r WHERE NOT EXISTS
		(SELECT 1 FROM outbox o WHERE o.registration_id = r.id)`).Scan(&orphans); err != nil {
		t.Logf("outbox check skipped (schema changed?): %v", err)
	} else if orphans != 0 {
		t.Errorf("%d registrations have no access email in the outbox", orphans)
	}
}
