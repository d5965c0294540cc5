package main

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Aims of the issue: the server's peak resident memory under the
// registration load, and the median time from starting it to its first
// healthy /healthz.
const (
	rssAim     = 40 << 20
	startupAim = 300 * time.Millisecond
)

// coldStarts starts admit n times, one after the other, on the data
// directory in dir (left by the registration measure: an existing
// database, as after a restart or an upgrade), and returns each time from
// starting the process to its first healthy /healthz, and the CPU time
// the process used until then.
func coldStarts(ctx context.Context, bin, dir string, o options, n int) (wall, cpu []time.Duration, _ error) {
	for i := 0; i < n; i++ {
		srv, err := startAdmit(ctx, bin, dir, o)
		if err != nil {
			return wall, cpu, err
		}
		wall, cpu = append(wall, srv.Startup), append(cpu, srv.StartupCPU)
		if err := srv.stop(); err != nil {
			return wall, cpu, err
		}
	}
	return wall, cpu, nil
}

// median of ds (0 when empty).
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// memSampler reads a process's resident memory every 50 ms until stopped,
// and keeps the sample with the most anonymous memory.
type memSampler struct {
	stop      chan struct{}
	done      sync.WaitGroup
	anon, rss int64 // at the sample with the most anonymous memory
	file      int64
}

func sampleMemory(pid int) *memSampler {
	m := &memSampler{stop: make(chan struct{})}
	m.done.Add(1)
	go func() {
		defer m.done.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if anon, file, err := rssSplit(pid); err == nil && anon > m.anon {
				m.anon, m.file = anon, file
			}
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

// end stops sampling and returns the most anonymous memory seen, and the
// file-backed memory at that moment.
func (m *memSampler) end() (anon, file int64) {
	close(m.stop)
	m.done.Wait()
	return m.anon, m.file
}
