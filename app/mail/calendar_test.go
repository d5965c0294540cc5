package mail

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
)

func TestCalendarRoundTrip(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	stamp := time.Date(2025, 12, 1, 8, 0, 0, 0, time.UTC)
	c := CalendarData{
		UID:         "reg-12",
		Title:       "Go, SQLite; and you",
		Description: "Two hours.\r\nBring questions: many.",
		URL:         "https://admit.example/a/tok",
		Timezone:    "Europe/Paris",
		Stamp:       stamp,
		Sessions: []CalendarSession{
			{ID: 3, StartsAt: time.Date(2026, 1, 5, 18, 0, 0, 0, paris), DurationMinutes: 90, JoinURL: "https://admit.example/a/tok/join"},
			{ID: 4, StartsAt: time.Date(2026, 7, 1, 18, 0, 0, 0, paris), DurationMinutes: 60},
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
		"UID:reg-12-3@admit\r\n", "UID:reg-12-4@admit\r\n",
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
	if _, err := Calendar(CalendarData{Title: "x"}); err == nil {
		t.Error("no UID prefix: no error")
	}
	out, err := Calendar(CalendarData{UID: "reg-1", Title: "On demand"})
	if err != nil {
		t.Fatal(err)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(out))
	if err != nil || len(cal.Events()) != 0 {
		t.Errorf("empty calendar: %v, %d events", err, len(cal.Events()))
	}
	// A title with a line break cannot add properties.
	out, err = Calendar(CalendarData{UID: "reg-1", Title: "A\r\nATTENDEE:mailto:x@example.com", Sessions: []CalendarSession{{ID: 1, StartsAt: time.Now(), DurationMinutes: 30}}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "\r\nATTENDEE") {
		t.Errorf("injected property:\n%s", out)
	}
}
