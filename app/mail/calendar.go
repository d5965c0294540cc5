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
	Title       string
	Description string
	URL         string // the registrant's access page
	Timezone    string // the event's IANA zone, as a hint to clients (X-WR-TIMEZONE)
	Sessions    []CalendarSession
	Stamp       time.Time // DTSTAMP; zero: now
	// Cancel makes the file METHOD:CANCEL with every event
	// STATUS:CANCELLED (the registration or the event was cancelled), for
	// the mail that says so: clients strike the entries.
	Cancel bool
}

// CalendarSession is one VEVENT.
type CalendarSession struct {
	// UID is the event's globally unique id, the same each time the file
	// is written for this registration and session.
	UID string
	// Sequence grows each time the session moves.
	Sequence        int64
	StartsAt        time.Time
	DurationMinutes int64
	JoinURL         string // where to join (shown as LOCATION and in the description); empty: URL
}

// Calendar writes an iCalendar (RFC 5545) file with one VEVENT per session.
// Times are in UTC with a Z suffix, which every client reads the same way;
// each client shows them in its user's zone. A session keeps its UID when it
// moves and raises its SEQUENCE, so importing the file again updates it.
func Calendar(c CalendarData) ([]byte, error) {
	stamp := c.Stamp
	if stamp.IsZero() {
		stamp = time.Now()
	}
	cal := ics.NewCalendarFor("Admit")
	cal.SetProductId("-//Admit//Admit//EN")
	cal.SetMethod(ics.MethodPublish)
	if c.Cancel {
		cal.SetMethod(ics.MethodCancel)
	}
	cal.SetCalscale("GREGORIAN")
	cal.SetXWRCalName(oneLine(c.Title))
	if c.Timezone != "" {
		cal.SetXWRTimezone(oneLine(c.Timezone))
	}
	for _, s := range c.Sessions {
		uid := oneLine(s.UID)
		if uid == "" || strings.ContainsAny(uid, " ") {
			return nil, errors.New("mail: calendar event without a UID")
		}
		minutes := max(s.DurationMinutes, 0)
		e := cal.AddEvent(uid)
		e.SetDtStampTime(stamp)
		e.SetSequence(int(max(s.Sequence, 0)))
		if c.Cancel {
			e.SetStatus(ics.ObjectStatusCancelled)
		}
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

// oneLine is for values that must not span lines: runs of ASCII white
// space become one space; a no-break space ("19,99\u00a0EUR") stays.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' }), " ")
}
