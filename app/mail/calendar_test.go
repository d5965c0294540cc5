package mail

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/admit/admit/app/mail/mailtest"
)

func TestCalendarRoundTrip(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	stamp := time.Date(2025, 12, 1, 8, 0, 0, 0, time.UTC)
	c := CalendarData{
		Title:       "Go, SQLite; and you",
		Description: "Two hours.\r\nBring questions: many.",
		URL:         "https://admit.example/a/tok",
		Timezone:    "Europe/Paris",
		Stamp:       stamp,
		Sessions: []CalendarSession{
			{UID: "reg-12-3-x@admit.example", StartsAt: time.Date(2026, 1, 5, 18, 0, 0, 0, paris), DurationMinutes: 90, JoinURL: "https://admit.example/a/tok/join"},
			{UID: "reg-12-4-x@admit.example", Sequence: 2, StartsAt: time.Date(2026, 7, 1, 18, 0, 0, 0, paris), DurationMinutes: 60},
		},
	}
	out, err := Calendar(c)
	if err != nil {
		t.Fatal(err)
	}
	raw := string(out)
	for _, want := range []string{
		"BEGIN:VCALENDAR\r\n", "VERSION:2.0\r\n", "PRODID:-//Admit//Admit//EN\r\n", "METHOD:PUBLISH\r\n",
		"X-WR-TIMEZONE:Europe/Paris\r\n",
		// Winter: Paris is UTC+1; summer: UTC+2.
		"DTSTART:20260105T170000Z\r\n", "DTEND:20260105T183000Z\r\n",
		"DTSTART:20260701T160000Z\r\n", "DTEND:20260701T170000Z\r\n",
		"DTSTAMP:20251201T080000Z\r\n",
		"UID:reg-12-3-x@admit.example\r\n", "UID:reg-12-4-x@admit.example\r\n",
		"SEQUENCE:0\r\n", "SEQUENCE:2\r\n",
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("missing %q in\n%s", want, raw)
		}
	}
	for _, line := range strings.Split(strings.TrimSuffix(raw, "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line longer than 75 octets: %q", line)
		}
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("bare line break in %q", line)
		}
	}

	cal, err := ics.ParseCalendar(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	events := cal.Events()
	if len(events) != 2 {
		t.Fatalf("%d events, want 2", len(events))
	}
	for i, e := range events {
		s := c.Sessions[i]
		start, err := e.GetStartAt()
		if err != nil || !start.Equal(s.StartsAt) {
			t.Errorf("event %d start %v (%v), want %v", i, start, err, s.StartsAt)
		}
		end, err := e.GetEndAt()
		if want := s.StartsAt.Add(time.Duration(s.DurationMinutes) * time.Minute); err != nil || !end.Equal(want) {
			t.Errorf("event %d end %v (%v), want %v", i, end, err, want)
		}
		if got := e.GetProperty(ics.ComponentPropertySummary).Value; got != c.Title {
			t.Errorf("summary %q", got)
		}
		if got := e.GetProperty(ics.ComponentPropertyUrl).Value; got != c.URL {
			t.Errorf("url %q", got)
		}
		desc := e.GetProperty(ics.ComponentPropertyDescription).Value
		if !strings.HasPrefix(desc, "Two hours.\nBring questions: many.") {
			t.Errorf("description %q", desc)
		}
		wantJoin := s.JoinURL
		if wantJoin == "" {
			wantJoin = c.URL
		}
		if !strings.HasSuffix(desc, wantJoin) || e.GetProperty(ics.ComponentPropertyLocation).Value != wantJoin {
			t.Errorf("event %d join link: description %q", i, desc)
		}
		if stamp, err := e.GetDtStampTime(); err != nil || !stamp.Equal(c.Stamp) {
			t.Errorf("dtstamp %v %v", stamp, err)
		}
	}
	// An independent parser reads the same.
	got := mailtest.ParseICS(t, out)
	if got.Method != "PUBLISH" || len(got.Events) != 2 {
		t.Fatalf("ical.js: %+v", got)
	}
	for i, e := range got.Events {
		s := c.Sessions[i]
		st, start, end := e.Times()
		if e.UID != s.UID || e.Sequence != s.Sequence || e.Status != "" || e.Summary != c.Title ||
			!st.Equal(stamp) || !start.Equal(s.StartsAt) || !end.Equal(s.StartsAt.Add(time.Duration(s.DurationMinutes)*time.Minute)) {
			t.Errorf("ical.js event %d: %+v", i, e)
		}
	}
	var name string
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == "X-WR-CALNAME" {
			name = ics.FromText(p.Value)
		}
	}
	if name != c.Title {
		t.Errorf("X-WR-CALNAME %q, want %q", name, c.Title)
	}
}

func TestCalendarEdgeCases(t *testing.T) {
	if _, err := Calendar(CalendarData{Title: "x", Sessions: []CalendarSession{{StartsAt: time.Now(), DurationMinutes: 30}}}); err == nil {
		t.Error("no UID: no error")
	}
	out, err := Calendar(CalendarData{Title: "On demand"})
	if err != nil {
		t.Fatal(err)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(out))
	if err != nil || len(cal.Events()) != 0 {
		t.Errorf("empty calendar: %v, %d events", err, len(cal.Events()))
	}
	// A title with a line break cannot add properties.
	out, err = Calendar(CalendarData{Title: "A\r\nATTENDEE:mailto:x@example.com", Sessions: []CalendarSession{{UID: "a@b", StartsAt: time.Now(), DurationMinutes: 30}}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "\r\nATTENDEE") {
		t.Errorf("injected property:\n%s", out)
	}
}

// A cancelled registration or event: METHOD:CANCEL, every event
// STATUS:CANCELLED with its UID and SEQUENCE.
func TestCalendarCancel(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	out, err := Calendar(CalendarData{Title: "Gone", Cancel: true, Stamp: at,
		Sessions: []CalendarSession{{UID: "reg-1-2-x@admit.example", Sequence: 1, StartsAt: at.Add(time.Hour), DurationMinutes: 30}}})
	if err != nil {
		t.Fatal(err)
	}
	got := mailtest.ParseICS(t, out)
	if got.Method != "CANCEL" || len(got.Events) != 1 || got.Events[0].Status != "CANCELLED" || got.Events[0].UID != "reg-1-2-x@admit.example" || got.Events[0].Sequence != 1 {
		t.Errorf("%+v\n%s", got, out)
	}
}

// Long lines are folded at 75 octets, also inside a multi-byte character's
// neighbourhood, and ical.js unfolds them to the same text.
func TestCalendarFoldsLongLines(t *testing.T) {
	title := strings.Repeat("Événement très long, ", 12) + "fin"
	out, err := Calendar(CalendarData{Title: title, Stamp: time.Now(),
		Sessions: []CalendarSession{{UID: "u@admit.example", StartsAt: time.Now(), DurationMinutes: 30}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(out), "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line of %d octets: %q", len(line), line)
		}
	}
	if got := mailtest.ParseICS(t, out); len(got.Events) != 1 || got.Events[0].Summary != title {
		t.Errorf("ical.js: %+v", got)
	}
}
