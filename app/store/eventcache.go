package store

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/mattn/go-sqlite3"

	"github.com/admit/admit/app/model"
)

// The event cache. Reading an event with its sessions takes two queries
// (get-event with its recordings' summary, list-sessions), and every access
// link, join link and webhook reads one. Events change rarely, so Event
// keeps what it read, and hands out copies.
//
// What invalidates it is the write itself, not a time: SQLite's update hook
// on the writer connection sees every row inserted, updated or deleted in
// the tables an event is read from (events, sessions, recordings), by any
// statement or trigger. Such a change marks the cache dirty at once —
// while dirty, nothing is read from it or put into it — and once the
// writer's transaction has committed (or rolled back), and before any
// write of it is answered, the generation moves on, which outdates every
// entry read before. A request that starts after a write was answered
// therefore never sees an event older than that write. Registrations are
// never cached: their status is read at every access.
type eventCache struct {
	// gen counts the committed transactions that changed an event's rows.
	gen atomic.Uint64
	// dirty: the writer's open transaction has changed an event's rows.
	dirty atomic.Bool

	mu     sync.Mutex
	events map[int64]cachedEvent
}

type cachedEvent struct {
	gen uint64
	e   *model.Event
}

// maxCachedEvents bounds the cache; when full it starts again empty.
const maxCachedEvents = 1024

// eventTables are the tables an event (with its sessions and its
// recordings' summary) is read from.
var eventTables = map[string]bool{"events": true, "sessions": true, "recordings": true}

// watch registers the update hook on a writer connection.
func (c *eventCache) watch(conn *sqlite3.SQLiteConn) {
	conn.RegisterUpdateHook(func(_ int, _, table string, _ int64) {
		if eventTables[table] {
			c.dirty.Store(true)
		}
	})
}

// settle is called by the writer after each transaction ends, before its
// writes are answered: a transaction that changed an event's rows outdates
// every entry.
func (c *eventCache) settle() {
	if c.dirty.Load() {
		c.gen.Add(1)
		c.dirty.Store(false)
	}
}

// stamp is the generation to put a read with, taken before the read; ok is
// false while a change is being written (the read is not to be kept).
func (c *eventCache) stamp() (gen uint64, ok bool) {
	gen = c.gen.Load()
	return gen, !c.dirty.Load()
}

// get returns a copy of the event of id when it is cached and current.
func (c *eventCache) get(id int64) (*model.Event, bool) {
	e, ok := c.current(id)
	if !ok {
		return nil, false
	}
	return cloneEvent(e), true
}

// getOnly is get without the event's sessions (not copied, then).
func (c *eventCache) getOnly(id int64) (*model.Event, bool) {
	e, ok := c.current(id)
	if !ok {
		return nil, false
	}
	return cloneEventOnly(e), true
}

// current is the cached event of id, when current: never to be changed,
// and handed out as it is only by EventView, to a reader that promises
// not to change it (get and getOnly copy it).
func (c *eventCache) current(id int64) (*model.Event, bool) {
	if c.dirty.Load() {
		return nil, false
	}
	gen := c.gen.Load()
	c.mu.Lock()
	ce, ok := c.events[id]
	c.mu.Unlock()
	if !ok || ce.gen != gen {
		return nil, false
	}
	return ce.e, true
}

// put keeps a copy of e, read after stamp gave gen and ok.
func (c *eventCache) put(e *model.Event, gen uint64, ok bool) {
	if !ok || gen != c.gen.Load() {
		return
	}
	e = cloneEvent(e)
	c.mu.Lock()
	if c.events == nil || len(c.events) >= maxCachedEvents {
		c.events = make(map[int64]cachedEvent)
	}
	c.events[e.ID] = cachedEvent{gen: gen, e: e}
	c.mu.Unlock()
}

// cloneEvent copies e deeply enough that changing the copy, its sessions or
// what its pointers point to leaves e as it was.
func cloneEvent(e *model.Event) *model.Event {
	c := cloneEventOnly(e)
	c.Sessions = slices.Clone(e.Sessions)
	return c
}

// cloneEventOnly is cloneEvent without the sessions (nil in the copy).
func cloneEventOnly(e *model.Event) *model.Event {
	c := *e
	c.Sessions = nil
	c.Capacity = clonePtr(e.Capacity)
	c.Price = clonePtr(e.Price)
	c.CancelRefundHours = clonePtr(e.CancelRefundHours)
	c.RecordingPrice = clonePtr(e.RecordingPrice)
	c.Recordings.Until = clonePtr(e.Recordings.Until)
	c.Providers = slices.Clone(e.Providers)
	c.Reminders = slices.Clone(e.Reminders)
	return &c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
