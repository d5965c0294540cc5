package web

import (
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// The registrant's page, /a/{token}: each session with a countdown and
// "add to calendar" links, the join button that comes alive in the
// session's window, and the cancel step that says what cancelling gives back.

// accessSession is one session on the registrant's page: its join window
// (ticketing.JoinEarly before the start to its end), for the script that
// counts down and wakes the join button, and its calendar links.
type accessSession struct {
	model.Session
	Opens, Ends     time.Time
	Google, Outlook string
}

// calendarLinks are "add to Google Calendar" and "add to Outlook" links for
// one session: times in UTC, the access page as description and location
// (the room stays behind it). Neither service documents these addresses;
// they are the ones their own "add to calendar" buttons use.
func calendarLinks(title, page string, start, end time.Time) (google, outlook string) {
	const googleStamp = "20060102T150405Z"
	g := url.Values{
		"action":   {"TEMPLATE"},
		"text":     {title},
		"dates":    {start.UTC().Format(googleStamp) + "/" + end.UTC().Format(googleStamp)},
		"details":  {page},
		"location": {page},
	}
	o := url.Values{
		"path":     {"/calendar/action/compose"},
		"rru":      {"addevent"},
		"subject":  {title},
		"startdt":  {start.UTC().Format(time.RFC3339)},
		"enddt":    {end.UTC().Format(time.RFC3339)},
		"body":     {page},
		"location": {page},
	}
	// Spaces as %20: both read it, and not every client reads "+" as one.
	enc := func(v url.Values) string { return strings.ReplaceAll(v.Encode(), "+", "%20") }
	return "https://calendar.google.com/calendar/render?" + enc(g),
		"https://outlook.live.com/calendar/0/deeplink/compose?" + enc(o)
}

// schedule is the registrant's sessions with their windows and links.
func (s *Server) schedule(a *ticketing.Access, page string) []accessSession {
	out := make([]accessSession, 0, len(a.Sessions))
	for _, ss := range a.Sessions {
		as := accessSession{Session: ss, Opens: ss.StartsAt.Add(-ticketing.JoinEarly), Ends: ss.EndsAt()}
		as.Google, as.Outlook = calendarLinks(a.Event.Title, page, ss.StartsAt, ss.EndsAt())
		out = append(out, as)
	}
	return out
}

// What cancelling gives back, said before and after the registrant cancels.
const (
	outcomeRefund   = "refund"    // a full refund of what is left, automatically
	outcomeNoRefund = "no_refund" // paid, but the policy gives nothing back now
	outcomeFree     = "free"      // the ticket is free
	outcomeUnpaid   = "unpaid"    // not free, but nothing was charged (yet)
	// paid, but all of it is being refunded already (owed back by hand)
	outcomeRefunding = "refunding"
)

// cancelOutcome is what cancelling now gives back to the registrant.
func cancelOutcome(a *ticketing.Access, now time.Time) string {
	r := a.Registration
	switch {
	case r.Refundable() <= 0 && r.AmountPaid > 0:
		return outcomeRefunding
	case r.Refundable() <= 0 && r.Amount > 0:
		return outcomeUnpaid
	case r.Refundable() <= 0:
		return outcomeFree
	case a.RefundsOnCancel(now):
		return outcomeRefund
	default:
		return outcomeNoRefund
	}
}

// rememberLocale keeps the language the registrant switched their page to
// (?lang=), so the mails that follow use it; the same language again, or
// one with the same catalog ("es-MX" after "es"), writes nothing. A failure
// is logged: the page shows anyway.
func (s *Server) rememberLocale(c *fiber.Ctx, a *ticketing.Access) {
	q := strings.TrimSpace(c.Query("lang"))
	if q == "" || len(q) > 35 {
		return
	}
	tag := s.I18n.MatchTag(q, "")
	if !s.I18n.Has(q) || s.I18n.SameLanguage(tag, a.Registration.Locale) {
		return // not a language Admit has, or the one already kept
	}
	if err := s.Tickets.SetLocale(c.UserContext(), a, tag); err != nil {
		s.Log.ErrorContext(c.UserContext(), "language not remembered", "registration_id", a.Registration.ID, "err", err)
	}
}
