package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/admit/admit/app/model"
)

func scanEvent(row scanner) (*model.Event, error) {
	var e model.Event
	var capacity, refundHours sql.NullInt64
	var reminders sql.NullString
	var amount int64
	var currency, providers string
	var created, updated int64
	var replayAmount int64
	var replayCurrency string
	var recordingsUntil sql.NullInt64
	if err := row.Scan(&e.ID, &e.Slug, &e.Title, &e.Description, &e.RefundPolicy, &e.Kind, &e.SeriesRegistration,
		&e.Timezone, &capacity, &amount, &currency, &providers, &e.ApprovalRequired, &e.JoinURL, &e.Status,
		&e.CancelMessage, &created, &updated, &refundHours, &reminders,
		&replayAmount, &replayCurrency, &e.Recordings.Count, &e.Recordings.Bytes, &recordingsUntil); err != nil {
		return nil, notFound(err)
	}
	if replayCurrency != "" {
		e.RecordingPrice = &model.Money{Amount: replayAmount, Currency: replayCurrency}
	}
	if e.Recordings.Count > 0 {
		e.Recordings.Until = nullTime(recordingsUntil)
	}
	if capacity.Valid {
		c := capacity.Int64
		e.Capacity = &c
	}
	e.CancelRefundHours = nullID(refundHours)
	if reminders.Valid {
		offsets, err := parseOffsets(reminders.String)
		if err != nil {
			return nil, fmt.Errorf("store: event %d reminders: %w", e.ID, err)
		}
		e.Reminders = offsets
	}
	if currency != "" {
		e.Price = &model.Money{Amount: amount, Currency: currency}
	}
	if err := json.Unmarshal([]byte(providers), &e.Providers); err != nil {
		return nil, fmt.Errorf("store: event %d providers: %w", e.ID, err)
	}
	e.CreatedAt, e.UpdatedAt = fromUnix(created), fromUnix(updated)
	return &e, nil
}

func eventArgs(e *model.Event) []any {
	var capacity any
	if e.Capacity != nil {
		capacity = *e.Capacity
	}
	var amount int64
	var currency string
	if e.Price != nil {
		amount, currency = e.Price.Amount, e.Price.Currency
	}
	providers := e.Providers
	if providers == nil {
		providers = []string{}
	}
	pj, _ := json.Marshal(providers)
	var reminders any
	if e.Reminders != nil {
		reminders = OffsetsJSON(e.Reminders)
	}
	var replayAmount int64
	var replayCurrency string
	if e.RecordingPrice != nil {
		replayAmount, replayCurrency = e.RecordingPrice.Amount, e.RecordingPrice.Currency
	}
	return []any{e.Slug, e.Title, e.Description, e.RefundPolicy, e.Kind, e.SeriesRegistration, e.Timezone,
		capacity, amount, currency, string(pj), e.ApprovalRequired, e.JoinURL, e.Status, idArg(e.CancelRefundHours), reminders,
		replayAmount, replayCurrency}
}

// InsertEvent stores a new event and its sessions, filling in their ids.
func (t *Tx) InsertEvent(e *model.Event) error {
	e.CreatedAt, e.UpdatedAt = t.now, t.now
	res, err := t.exec("insert-event", append(eventArgs(e), unix(t.now), unix(t.now))...)
	if err != nil {
		return err
	}
	if e.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	for i := range e.Sessions {
		if err := t.InsertSession(e.ID, &e.Sessions[i]); err != nil {
			return err
		}
	}
	t.note(model.HookEventCreated, e.ID)
	return nil
}

// UpdateEvent stores an event's fields (not its sessions).
func (t *Tx) UpdateEvent(e *model.Event) error {
	e.UpdatedAt = t.now
	if _, err := t.exec("update-event", append(eventArgs(e), unix(t.now), e.ID)...); err != nil {
		return err
	}
	t.note(model.HookEventUpdated, e.ID)
	return nil
}

// CancelEvent marks an event cancelled; false when it already was.
func (t *Tx) CancelEvent(id int64, message string) (bool, error) {
	res, err := t.exec("cancel-event", message, unix(t.now), id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if n == 1 {
		t.note(model.HookEventCancelled, id)
	}
	return n == 1, err
}

// SlugTaken reports whether another event uses slug.
func (t *Tx) SlugTaken(slug string, exceptID int64) (bool, error) {
	var taken bool
	err := t.queryRow("slug-taken", slug, exceptID).Scan(&taken)
	return taken, err
}

// InsertSession adds a session to an event.
func (t *Tx) InsertSession(eventID int64, s *model.Session) error {
	res, err := t.exec("insert-session", eventID, unix(s.StartsAt), s.DurationMinutes, s.JoinURL)
	if err != nil {
		return err
	}
	s.EventID = eventID
	s.ID, err = res.LastInsertId()
	return err
}

// UpdateSession changes a session of an event.
func (t *Tx) UpdateSession(s *model.Session) error {
	res, err := t.exec("update-session", unix(s.StartsAt), s.DurationMinutes, s.JoinURL, s.ID, s.EventID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.ErrNotFound
	}
	return nil
}

// RemoveSession takes a session off an event: it is no longer listed, and
// the registrations that name it keep doing so.
func (t *Tx) RemoveSession(eventID, sessionID int64) error {
	_, err := t.exec("remove-session", unix(t.now), sessionID, eventID)
	return err
}

func scanSession(row scanner) (model.Session, error) {
	var s model.Session
	var starts int64
	err := row.Scan(&s.ID, &s.EventID, &starts, &s.DurationMinutes, &s.JoinURL, &s.Revision)
	s.StartsAt = fromUnix(starts)
	return s, err
}

// Event reads an event with its sessions (from the event cache when no
// write changed it since it was last read).
func (s *Store) Event(ctx context.Context, id int64) (*model.Event, error) {
	if e, ok := s.events.get(id); ok {
		return e, nil
	}
	return s.loadEvent(ctx, id)
}

// EventView is Event without the copy: the event the cache holds, shared
// with every other reader, for a hot path that only reads it (the join
// link, thousands a second as a webinar starts). The caller must change
// nothing of it, its sessions included.
func (s *Store) EventView(ctx context.Context, id int64) (*model.Event, error) {
	if e, ok := s.events.current(id); ok {
		return e, nil
	}
	return s.loadEvent(ctx, id)
}

// loadEvent reads an event with its sessions from the database and keeps
// a copy of it in the event cache.
func (s *Store) loadEvent(ctx context.Context, id int64) (*model.Event, error) {
	gen, keep := s.events.stamp()
	e, err := scanEvent(s.read("get-event").QueryRowContext(ctx, id))
	if err != nil {
		return nil, err
	}
	if err := s.loadSessions(ctx, e); err != nil {
		return nil, err
	}
	s.events.put(e, gen, keep)
	return e, nil
}

// EventBySlug reads an event with its sessions.
func (s *Store) EventBySlug(ctx context.Context, slug string) (*model.Event, error) {
	e, err := scanEvent(s.read("get-event-by-slug").QueryRowContext(ctx, slug))
	if err != nil {
		return nil, err
	}
	return e, s.loadSessions(ctx, e)
}

// Events lists every event with its sessions, newest first.
func (s *Store) Events(ctx context.Context) ([]*model.Event, error) {
	rows, err := s.read("list-events").QueryContext(ctx)
	evs, err := collect(rows, err, scanEvent)
	if err != nil {
		return nil, err
	}
	for _, e := range evs {
		if err := s.loadSessions(ctx, e); err != nil {
			return nil, err
		}
	}
	return evs, nil
}

func (s *Store) loadSessions(ctx context.Context, e *model.Event) error {
	rows, err := s.read("list-sessions").QueryContext(ctx, e.ID)
	e.Sessions, err = collect(rows, err, scanSession)
	return err
}

// Event reads an event with its sessions inside the transaction (from the
// event cache while no write, this transaction's included, changed it).
func (t *Tx) Event(id int64) (*model.Event, error) {
	if e, ok := t.s.events.get(id); ok {
		return e, nil
	}
	gen, keep := t.s.events.stamp()
	e, err := scanEvent(t.queryRow("get-event", id))
	if err != nil {
		return nil, err
	}
	if err := t.loadSessions(e); err != nil {
		return nil, err
	}
	t.s.events.put(e, gen, keep)
	return e, nil
}

// EventOnly reads an event without its sessions inside the transaction
// (from the event cache as Event does).
func (t *Tx) EventOnly(id int64) (*model.Event, error) {
	if e, ok := t.s.events.getOnly(id); ok {
		return e, nil
	}
	return scanEvent(t.queryRow("get-event", id))
}

// EventBySlug reads an event with its sessions inside the transaction.
func (t *Tx) EventBySlug(slug string) (*model.Event, error) {
	e, err := scanEvent(t.queryRow("get-event-by-slug", slug))
	if err != nil {
		return nil, err
	}
	return e, t.loadSessions(e)
}

func (t *Tx) loadSessions(e *model.Event) error {
	rows, err := t.stmt("list-sessions").QueryContext(t.ctx, e.ID)
	e.Sessions, err = collect(rows, err, scanSession)
	return err
}
