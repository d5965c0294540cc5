package mail

import (
	"errors"
	"fmt"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
)

// CalendarData describes the .ics file of one registration.
type CalendarData struct {
	UID         string // stable prefix, e.g. "reg-12": each event's UID is UID-<session id>@admit
	Title       string
	Description string
	URL         string // the registrant's access page
	Timezone    string // the event's IANA zone, as a hint to clients (X-WR-TIMEZONE)
	Sessions    []CalendarSession
	Stamp       time.Time // DTSTAMP; zero: now
}

// CalendarSession is one VEVENT.
type CalendarSession struct {
	ID              int64
	StartsAt        time.Time
	DurationMinutes int64
	JoinURL         string // where to join (shown as LOCATION and in the description); empty: URL
}

// Calendar writes an iCalendar (RFC 5545) file with one VEVENT per session.
// Times are in UTC with a Z suffix, which every client reads the same way;
// each client shows them in its user's zone. A session keeps its UID when it
// moves, so importing the file again updates it.
func Calendar(c CalendarData) ([]byte, error) {
	if strings.TrimSpace(c.UID) == "" {
		return nil, errors.New("mail: calendar without a UID prefix")
	}
	stamp := c.Stamp
	if stamp.IsZero() {
		stamp = time.Now()
	}
	cal := ics.NewCalendarFor("Admit")
	cal.SetProductId("-//Admit//Admit//EN")
	cal.SetMethod(ics.MethodPublish)
	cal.SetCalscale("GREGORIAN")
	cal.SetXWRCalName(oneLine(c.Title))
	if c.Timezone != "" {
		cal.SetXWRTimezone(oneLine(c.Timezone))
	}
	for _, s := range c.Sessions {
		minutes := max(s.DurationMinutes, 0)
		e := cal.AddEvent(fmt.Sprintf("%s-%d@admit", oneLine(c.UID), s.ID))
		e.SetDtStampTime(stamp)
		e.SetStartAt(s.StartsAt)
		e.SetEndAt(s.StartsAt.Add(time.Duration(minutes) * time.Minute))
		e.SetSummary(oneLine(c.Title))
		join := s.JoinURL
		if join == "" {
			join = c.URL
		}
		desc := text(c.Description)
		if join != "" {
			desc = strings.TrimSpace(desc + "\n\n" + join)
		}
		if desc != "" {
			e.SetDescription(desc)
		}
		if c.URL != "" {
			e.SetURL(oneLine(c.URL))
		}
		if join != "" {
			e.SetLocation(oneLine(join))
		}
	}
	var b strings.Builder
	if err := cal.SerializeTo(&b, ics.WithNewLine("\r\n")); err != nil { // RFC 5545: CRLF, whatever the OS
		return nil, fmt.Errorf("mail: calendar: %w", err)
	}
	return []byte(b.String()), nil
}

// text normalizes line breaks to \n, which the library escapes; a bare CR
// would end up raw in the file.
func text(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.TrimSpace(strings.ReplaceAll(s, "\r", "\n"))
}

// oneLine is for values that must not span lines.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
