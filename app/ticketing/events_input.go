// Event input: the fields of a create or PATCH checked and copied onto the event, prices, sessions and time zones.

package ticketing

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

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
			names = append(names, fmt.Sprintf("tier %q (%s)", t.Name, pricing.FormatMoney(t.Amount, t.Currency, "en")))
		}
	}
	for _, p := range promos {
		if p.AmountOff > 0 && p.Currency != e.Price.Currency {
			names = append(names, fmt.Sprintf("promo code %s (%s off)", p.Code, pricing.FormatMoney(p.AmountOff, p.Currency, "en")))
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
