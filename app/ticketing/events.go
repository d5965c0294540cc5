package ticketing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/pricing"
	"github.com/admit/admit/app/store"
)

const (
	maxSessions   = 500
	maxDuration   = 24 * 60
	maxTitle      = 200
	maxDesc       = 20000
	maxSlug       = 80
	maxPolicy     = 4000
	maxCancelNote = 4000
)

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Providers Admit knows.

// CreateEvent validates and stores a new event.
func (s *Service) CreateEvent(ctx context.Context, in EventInput) (*model.Event, error) {
	e := &model.Event{
		Kind:               model.KindLive,
		SeriesRegistration: model.SeriesAll,
		Timezone:           "UTC",
		Status:             model.EventPublished,
		Providers:          []string{},
	}
	f := fields{}
	if in.Title == nil {
		f.add("title", "is required")
	}
	if in.Kind == nil {
		f.add("kind", "is required: live, series or on_demand")
	}
	if in.Sessions == nil && (in.Kind == nil || *in.Kind != model.KindOnDemand) {
		f.add("sessions", "is required: at least one session with starts_at and duration_minutes")
	}
	s.apply(f, e, in)
	if len(f) > 0 {
		return nil, model.Invalid(f)
	}
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		if err := s.assignSlug(tx, e, in.Slug != nil); err != nil {
			return err
		}
		if err := tx.InsertEvent(e); err != nil || in.OwnerID == 0 {
			return err
		}
		return tx.SetEventOwner(e.ID, in.OwnerID)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// UpdateEvent applies a PATCH. Sessions listed with an id are updated, ones
// without are added, ones missing are removed; registrants of a moved or
// removed session are told at once, and those of a series registered per
// session whose session is removed are cancelled and refunded in full.
func (s *Service) UpdateEvent(ctx context.Context, id int64, in EventInput) (*model.Event, error) {
	var c *eventChange
	err := s.store.Write(ctx, func(tx *store.Tx) (err error) {
		c, err = s.updateEvent(tx, id, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.afterChange(ctx, c), nil
}

// eventChange is what a change of an event did: the event as it is now, the
// refunds it queued (to send once committed) and the registrations it
// cancelled while their checkouts were open (to close).
type eventChange struct {
	event   *model.Event
	refunds []int64
	open    []*model.Registration
	// held are registrations cancelled while awaiting approval, whose
	// payment may be held (authorize.go).
	held []int64
}

// afterChange sends a committed change's refunds, closes its checkouts and
// releases its held payments.
func (s *Service) afterChange(ctx context.Context, c *eventChange) *model.Event {
	s.closeCheckouts(ctx, c.open)
	for _, id := range c.held {
		s.releaseHold(ctx, id)
	}
	for _, rid := range c.refunds {
		_ = s.sendRefund(ctx, rid) // on failure the refunds job retries
	}
	return c.event
}

// updateEvent is UpdateEvent's transaction.
func (s *Service) updateEvent(tx *store.Tx, id int64, in EventInput) (*eventChange, error) {
	e, err := tx.Event(id)
	if err != nil {
		return nil, err
	}
	if e.Status == model.EventCancelled {
		return nil, model.Fail(model.ErrClosed, "This event is cancelled and can no longer be changed.")
	}
	before := *e
	before.Sessions = slices.Clone(e.Sessions)
	f := fields{}
	s.apply(f, e, in)
	if len(f) == 0 && in.Price.Set && e.Price != nil {
		if err := inOtherCurrency(tx, f, e); err != nil {
			return nil, err
		}
	}
	if len(f) > 0 {
		return nil, model.Invalid(f)
	}
	if in.Slug != nil && *in.Slug != before.Slug {
		if err := s.assignSlug(tx, e, true); err != nil {
			return nil, err
		}
	}
	if err := tx.UpdateEvent(e); err != nil {
		return nil, err
	}
	c := &eventChange{}
	if in.Sessions != nil {
		if c.refunds, c.open, err = s.syncSessions(tx, &before, e); err != nil {
			return nil, err
		}
	}
	c.event, err = tx.Event(id)
	return c, err
}

// inOtherCurrency refuses (in f, on price.currency) a price whose currency
// is not that of the event's tiers or of its promo codes' amounts off: they
// are in the currency they were made in, and nothing converts them.
func inOtherCurrency(tx *store.Tx, f fields, e *model.Event) error {
	tiers, err := tx.Tiers(e.ID)
	if err != nil {
		return err
	}
	promos, err := tx.Promos(e.ID)
	if err != nil {
		return err
	}
	var names []string
	for _, t := range tiers {
		if t.Currency != e.Price.Currency {
			names = append(names, fmt.Sprintf("tier %q (%s)", t.Name, formatMoney(t.Amount, t.Currency, "en")))
		}
	}
	for _, p := range promos {
		if p.AmountOff > 0 && p.Currency != e.Price.Currency {
			names = append(names, fmt.Sprintf("promo code %s (%s off)", p.Code, formatMoney(p.AmountOff, p.Currency, "en")))
		}
	}
	verb := "are"
	if len(names) == 1 {
		verb = "is"
	}
	if len(names) > 0 {
		f.add("price.currency", "cannot become %s while %s %s in another currency: delete them first, or keep the currency",
			e.Price.Currency, strings.Join(names, ", "), verb)
	}
	return nil
}

// syncSessions writes the new session list and notifies the registrants of
// every session that moved or was removed. It returns the refunds queued
// for the registrants of removed sessions, to send once committed, and the
// registrations it cancelled while their checkouts were open, to close.
func (s *Service) syncSessions(tx *store.Tx, before, after *model.Event) ([]int64, []*model.Registration, error) {
	old := map[int64]model.Session{}
	for _, ss := range before.Sessions {
		old[ss.ID] = ss
	}
	kept := map[int64]bool{}
	var changed []model.Session // as they were, for the message
	var removed []model.Session
	for i := range after.Sessions {
		ss := &after.Sessions[i]
		if ss.ID == 0 {
			if err := tx.InsertSession(after.ID, ss); err != nil {
				return nil, nil, err
			}
			continue
		}
		prev := old[ss.ID]
		kept[ss.ID] = true
		ss.EventID = after.ID
		if err := tx.UpdateSession(ss); err != nil {
			return nil, nil, err
		}
		if !prev.StartsAt.Equal(ss.StartsAt) || prev.DurationMinutes != ss.DurationMinutes {
			changed = append(changed, prev)
		}
	}
	for _, ss := range before.Sessions {
		if !kept[ss.ID] {
			removed = append(removed, ss)
		}
	}
	notified := map[int64]bool{}
	notify := func(ss model.Session, what string) error {
		sid := int64(0)
		if after.PerSession() {
			sid = ss.ID
		}
		regs, err := tx.RegistrationsToNotify(after.ID, sid)
		if err != nil {
			return err
		}
		for _, r := range regs {
			if notified[r.ID] {
				continue
			}
			notified[r.ID] = true
			if err := s.queueMail(tx, r, after, model.MailEventChanged, map[string]any{"change": what}); err != nil {
				return err
			}
		}
		return nil
	}
	var refunds []int64
	var open []*model.Registration
	for _, ss := range removed {
		if after.PerSession() {
			// The seat of a removed session is gone with it.
			ids, cancelled, err := s.dropSessionRegistrations(tx, after, ss, notified)
			if err != nil {
				return nil, nil, err
			}
			refunds, open = append(refunds, ids...), append(open, cancelled...)
		}
		if err := notify(ss, "removed"); err != nil {
			return nil, nil, err
		}
		if err := tx.RemoveSession(after.ID, ss.ID); err != nil {
			return nil, nil, err
		}
	}
	for _, ss := range changed {
		if err := notify(ss, "moved"); err != nil {
			return nil, nil, err
		}
	}
	return refunds, open, nil
}

// dropSessionRegistrations cancels the registrations of a removed session of
// a series registered per session, refunds in full what they paid (as for a
// cancelled event) and tells them. A session that has taken place keeps its
// registrants: it cannot be removed.
func (s *Service) dropSessionRegistrations(tx *store.Tx, e *model.Event, ss model.Session, done map[int64]bool) ([]int64, []*model.Registration, error) {
	regs, err := tx.RegistrationsToNotify(e.ID, ss.ID)
	if err != nil {
		return nil, nil, err
	}
	regs = slices.DeleteFunc(regs, func(r *model.Registration) bool { return r.SessionID == nil || *r.SessionID != ss.ID })
	if len(regs) > 0 && !tx.Now().Before(ss.StartsAt) {
		return nil, nil, model.Invalid(fields{"sessions": fmt.Sprintf("session %d has already taken place (it started at %s) and %d people registered for it: keep it in the list",
			ss.ID, ss.StartsAt.Format(time.RFC3339), len(regs))})
	}
	var refunds []int64
	var open []*model.Registration
	for _, r := range regs {
		done[r.ID] = true
		if r.Status == model.StatusPendingPayment {
			open = append(open, r)
		}
		if _, err := tx.SetRegistrationStatus(r.ID, r.Status, model.StatusCancelled); err != nil {
			return nil, nil, err
		}
		r.Status = model.StatusCancelled
		data := map[string]any{"session_starts_at": ss.StartsAt.Unix(), "session_minutes": ss.DurationMinutes}
		left, _, err := refundable(tx, r)
		if err != nil {
			return nil, nil, err
		}
		if left > 0 {
			rid, err := s.queueRefund(tx, r, left, "session_removed")
			if err != nil {
				return nil, nil, err
			}
			refunds = append(refunds, rid)
			data["amount"], data["currency"] = left, r.MoneyCurrency()
		}
		if err := s.queueMail(tx, r, e, model.MailSessionRemoved, data); err != nil {
			return nil, nil, err
		}
	}
	return refunds, open, nil
}

// apply copies the fields present in `in` onto e and validates the result.
func (s *Service) apply(f fields, e *model.Event, in EventInput) {
	if in.Title != nil {
		e.Title = strings.TrimSpace(*in.Title)
		checkLine(f, "title", e.Title, true, maxTitle)
	}
	if in.Slug != nil {
		e.Slug = *in.Slug
		if !slugPattern.MatchString(e.Slug) || len(e.Slug) > maxSlug {
			f.add("slug", "must be lower-case letters, digits and single hyphens (e.g. intro-to-go), at most %d characters", maxSlug)
		}
	}
	if in.Description != nil {
		e.Description = *in.Description
		checkText(f, "description", e.Description, maxDesc)
	}
	if in.RefundPolicy != nil {
		e.RefundPolicy = *in.RefundPolicy
		checkText(f, "refund_policy", e.RefundPolicy, maxPolicy)
	}
	if in.Kind != nil {
		e.Kind = *in.Kind
	}
	switch e.Kind {
	case model.KindLive, model.KindSeries, model.KindOnDemand:
	default:
		f.add("kind", "%q is not a kind: use live, series or on_demand", e.Kind)
	}
	if in.SeriesRegistration != nil {
		e.SeriesRegistration = *in.SeriesRegistration
	}
	switch e.SeriesRegistration {
	case model.SeriesAll, model.SeriesIndividual:
	default:
		f.add("series_registration", "%q must be all (one registration for every session) or individual (one per session)", e.SeriesRegistration)
	}
	if e.Kind != model.KindSeries && e.SeriesRegistration == model.SeriesIndividual {
		f.add("series_registration", "individual registration applies only to events of kind series")
	}
	if in.Timezone != nil {
		e.Timezone = *in.Timezone
		if _, err := loadZone(e.Timezone); err != nil {
			f.add("timezone", "%q is not an IANA time zone such as Europe/Paris or America/New_York", e.Timezone)
		}
	}
	if in.Capacity.Set {
		if in.Capacity.Null {
			e.Capacity = nil
		} else if in.Capacity.Value < 1 || in.Capacity.Value > 1_000_000 {
			f.add("capacity", "must be a whole number from 1 to 1000000, or null for unlimited")
		} else {
			c := in.Capacity.Value
			e.Capacity = &c
		}
	}
	if in.Price.Set {
		if in.Price.Null {
			e.Price = nil
		} else if m := checkMoney(f, "price", in.Price.Value); m != nil {
			e.Price = m
		}
	}
	if in.Providers != nil {
		e.Providers = []string{}
		for i, p := range *in.Providers {
			if !s.checkProviderName(f, fmt.Sprintf("providers[%d]", i), p) {
				continue
			}
			if !slices.Contains(e.Providers, p) {
				e.Providers = append(e.Providers, p)
			}
		}
	}
	if e.Price != nil && (in.Price.Set || in.Providers != nil) && f["price.amount"] == "" && f["price.currency"] == "" {
		if msg := s.belowProviderMinimum(e, e.Price.Amount); msg != "" {
			f.add("price.amount", "%s", msg)
		}
	}
	if e.Price != nil {
		s.checkProviderCurrencies(f, e, e.Price.Currency)
	}
	s.applyRecordingPrice(f, e, in)
	if in.CancelRefundHours.Set {
		if in.CancelRefundHours.Null {
			e.CancelRefundHours = nil
		} else if h := in.CancelRefundHours.Value; h < 0 || h > 24*365 {
			f.add("cancel_refund_hours", "must be a number of hours from 0 to 8760, or null for no automatic refund")
		} else {
			e.CancelRefundHours = &h
		}
	}
	if in.Reminders.Set {
		e.Reminders = reminderOffsets(f, in.Reminders)
	}
	if in.ApprovalRequired != nil {
		e.ApprovalRequired = *in.ApprovalRequired
	}
	if in.JoinURL != nil {
		e.JoinURL = strings.TrimSpace(*in.JoinURL)
		checkHTTPURL(f, "join_url", e.JoinURL)
	}
	if in.Status != nil {
		switch *in.Status {
		case model.EventDraft, model.EventPublished:
			e.Status = *in.Status
		case model.EventCancelled:
			f.add("status", "use POST /api/v1/events/{id}/cancel to cancel an event")
		default:
			f.add("status", "%q must be draft or published", *in.Status)
		}
	}
	if in.Sessions != nil {
		e.Sessions = s.applySessions(f, e, *in.Sessions)
	}
	switch e.Kind {
	case model.KindLive:
		if len(e.Sessions) != 1 && f["sessions"] == "" {
			f.add("sessions", "a live webinar has exactly one session (use kind series for several)")
		}
	case model.KindSeries:
		if len(e.Sessions) == 0 && f["sessions"] == "" {
			f.add("sessions", "a series needs at least one session")
		}
	case model.KindOnDemand:
		if len(e.Sessions) > 0 {
			f.add("sessions", "an on-demand video has no sessions")
		}
	}
}

// checkMoney validates a price sent as field name against its currency's
// limits; nil when it is not valid (the reason is in f).
func checkMoney(f fields, name string, p MoneyInput) *model.Money {
	switch {
	case p.Amount == nil:
		f.add(name+".amount", "is required: an integer in the currency's minor unit (1999 = 19.99)")
	case p.Currency == "":
		f.add(name+".currency", "is required: an ISO 4217 code such as EUR")
	default:
		if msg := pricing.CheckPrice(*p.Amount, p.Currency); msg != "" {
			if _, ok := pricing.Lookup(p.Currency); ok {
				f.add(name+".amount", "%s", msg)
			} else {
				f.add(name+".currency", "%s", msg)
			}
			return nil
		}
		return &model.Money{Amount: *p.Amount, Currency: p.Currency}
	}
	return nil
}

func (s *Service) applySessions(f fields, e *model.Event, in []SessionInput) []model.Session {
	if len(in) > maxSessions {
		f.add("sessions", "at most %d sessions", maxSessions)
		return e.Sessions
	}
	existing := map[int64]bool{}
	for _, ss := range e.Sessions {
		existing[ss.ID] = true
	}
	seen := map[int64]bool{}
	out := make([]model.Session, 0, len(in))
	for i, si := range in {
		name := fmt.Sprintf("sessions[%d]", i)
		var ss model.Session
		if si.ID != nil {
			if !existing[*si.ID] {
				f.add(name+".id", "session %d does not belong to this event", *si.ID)
				continue
			}
			if seen[*si.ID] {
				f.add(name+".id", "session %d is listed twice", *si.ID)
				continue
			}
			seen[*si.ID] = true
			ss.ID = *si.ID
		}
		switch {
		case si.StartsAt == nil:
			f.add(name+".starts_at", "is required (RFC 3339, e.g. 2026-03-01T18:00:00+01:00)")
		default:
			t, err := time.Parse(time.RFC3339, *si.StartsAt)
			if err != nil {
				f.add(name+".starts_at", "%q is not an RFC 3339 time such as 2026-03-01T18:00:00+01:00", *si.StartsAt)
			} else if t.Year() < 2000 || t.Year() > 2200 {
				f.add(name+".starts_at", "must be between the years 2000 and 2200")
			}
			ss.StartsAt = t.UTC().Truncate(time.Second)
		}
		switch {
		case si.DurationMinutes == nil:
			f.add(name+".duration_minutes", "is required")
		case *si.DurationMinutes < 1 || *si.DurationMinutes > maxDuration:
			f.add(name+".duration_minutes", "must be between 1 and %d", maxDuration)
		default:
			ss.DurationMinutes = *si.DurationMinutes
		}
		if si.JoinURL != nil {
			ss.JoinURL = strings.TrimSpace(*si.JoinURL)
			checkHTTPURL(f, name+".join_url", ss.JoinURL)
		}
		out = append(out, ss)
	}
	slices.SortStableFunc(out, func(a, b model.Session) int { return a.StartsAt.Compare(b.StartsAt) })
	return out
}

// assignSlug keeps an organizer's slug (refusing one in use) or makes one
// from the title, adding -2, -3 … until it is free.
func (s *Service) assignSlug(tx *store.Tx, e *model.Event, explicit bool) error {
	if explicit {
		taken, err := tx.SlugTaken(e.Slug, e.ID)
		if err != nil {
			return err
		}
		if taken {
			return model.Invalid(fields{"slug": fmt.Sprintf("%q is already used by another event", e.Slug)})
		}
		return nil
	}
	base := Slugify(e.Title)
	for i := 1; ; i++ {
		candidate := base
		if i > 1 {
			candidate = base + "-" + strconv.Itoa(i)
		}
		taken, err := tx.SlugTaken(candidate, e.ID)
		if err != nil {
			return err
		}
		if !taken {
			e.Slug = candidate
			return nil
		}
	}
}

// Slugify makes a URL slug from a title: accents dropped, lower case,
// hyphens between words ("Café Résumé 2026!" → "cafe-resume-2026").
func Slugify(title string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	plain, _, _ := transform.String(t, title)
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(plain) {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	slug := strings.Trim(b.String(), "-")
	if slug == "" {
		return "event"
	}
	return slug
}

// CancelEvent cancels an event and tells every registrant, with the
// organizer's message. Registration then answers 410.
// With refund, every payment is refunded in full through its provider.
func (s *Service) CancelEvent(ctx context.Context, id int64, message string, refund bool) (*model.Event, error) {
	if err := checkCancelMessage(message); err != nil {
		return nil, err
	}
	var c *eventChange
	err := s.store.Write(ctx, func(tx *store.Tx) (err error) {
		c, err = s.cancelEvent(tx, id, message, refund)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.afterChange(ctx, c), nil
}

// checkCancelMessage checks the organizer's message to the registrants of
// a cancelled event.
func checkCancelMessage(message string) error {
	f := fields{}
	checkText(f, "message", message, maxCancelNote)
	if len(f) > 0 {
		return model.Invalid(f)
	}
	return nil
}

// cancelEvent is CancelEvent's transaction.
func (s *Service) cancelEvent(tx *store.Tx, id int64, message string, refund bool) (*eventChange, error) {
	e, err := tx.Event(id)
	if err != nil {
		return nil, err
	}
	c := &eventChange{}
	if refund {
		// Also on a second call: refunds the first one did not ask for.
		paid, err := tx.PaidRegistrations(id)
		if err != nil {
			return nil, err
		}
		for _, r := range paid {
			left, _, err := refundable(tx, r)
			if err != nil {
				return nil, err
			}
			if left > 0 {
				rid, err := s.queueRefund(tx, r, left, "event_cancelled")
				if err != nil {
					return nil, err
				}
				c.refunds = append(c.refunds, rid)
			}
		}
	}
	changed, err := tx.CancelEvent(id, message)
	if err != nil {
		return nil, err
	}
	if changed {
		regs, err := tx.RegistrationsToNotify(id, 0)
		if err != nil {
			return nil, err
		}
		for _, r := range regs {
			if r.Status == model.StatusPendingPayment {
				c.open = append(c.open, r)
			}
			if r.Status == model.StatusPendingApproval {
				c.held = append(c.held, r.ID)
			}
			if r.Status != model.StatusCancelled {
				if _, err := tx.SetRegistrationStatus(r.ID, r.Status, model.StatusCancelled); err != nil {
					return nil, err
				}
			}
			if err := s.queueMail(tx, r, e, model.MailEventCancel, map[string]any{"message": message}); err != nil {
				return nil, err
			}
		}
	}
	c.event, err = tx.Event(id)
	return c, err
}

// Events lists every event.
func (s *Service) Events(ctx context.Context) ([]*model.Event, error) { return s.store.Events(ctx) }

// Event reads one event.
func (s *Service) Event(ctx context.Context, id int64) (*model.Event, error) {
	return s.store.Event(ctx, id)
}

// PublicEvent reads a published (or cancelled) event by slug; drafts are
// not found.
func (s *Service) PublicEvent(ctx context.Context, slug string) (*model.Event, error) {
	e, err := s.store.EventBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	if e.Status == model.EventDraft {
		return nil, model.ErrNotFound
	}
	return e, nil
}

// Seats is what is free on an event now; nil fields mean unlimited.
type Seats struct {
	// Left is the event's free seats; for a series registered per session,
	// the sum over the sessions that have not ended.
	Left *int64
	// Sessions are each session's free seats, for a series registered per
	// session.
	Sessions map[int64]int64
}

// SeatsLeft counts the free seats of an event, each count once.
func (s *Service) SeatsLeft(ctx context.Context, e *model.Event) (Seats, error) {
	if e.Capacity == nil {
		return Seats{}, nil
	}
	free := func(sessionID *int64) (int64, error) {
		n, err := s.store.CountSeats(ctx, e.ID, sessionID)
		return max(0, *e.Capacity-n), err
	}
	left := int64(0)
	if !e.PerSession() {
		n, err := free(nil)
		return Seats{Left: &n}, err
	}
	out := Seats{Left: &left, Sessions: map[int64]int64{}}
	now := s.now()
	for _, ss := range e.Sessions {
		sid := ss.ID
		n, err := free(&sid)
		if err != nil {
			return Seats{}, err
		}
		out.Sessions[sid] = n
		if ss.EndsAt().After(now) {
			left += n
		}
	}
	return out, nil
}

// loadZone loads an IANA zone. Names that load but are no zone people live
// in are refused: the server's own ("", Local, localtime), the database's
// template and placeholder (posixrules, Factory), and its copies with leap
// seconds or under another folder (right/…, posix/…).
func loadZone(name string) (*time.Location, error) {
	switch {
	case name == "", name == "Local", name == "localtime", name == "posixrules", name == "Factory",
		strings.HasPrefix(name, "right/"), strings.HasPrefix(name, "posix/"):
		return nil, errors.New("not an IANA zone")
	}
	return time.LoadLocation(name)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
