package i18n

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Dates are written from translated parts: the patterns "date.format.*" put
// the weekday ("date.weekday.monday"), the day, the month ("date.month.january",
// in the form the language uses inside a date: genitive in Russian) and the
// year in the locale's order; the first of the month may have a word of its
// own ("date.day.first": "1er" in French). Times are 24-hour "15:04", in the
// event's zone, followed by the zone's city in the reader's language
// (ZoneName: "Paris time", "heure : Moscou") so that nobody has to guess; a
// time that happens twice (when clocks go back) adds its UTC offset:
// "02:30 UTC+2".

var weekdayIDs = [...]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

var monthIDs = [...]string{"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december"}

// Location loads an IANA zone name; an empty or unknown name gives UTC. The
// result is cached: time.LoadLocation reads the zone database every time.
func (b *Bundle) Location(tz string) *time.Location {
	if tz == "" {
		return time.UTC
	}
	if l, ok := b.zones.Load(tz); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(tz)
	if err != nil {
		return time.UTC
	}
	b.zones.Store(tz, l)
	return l
}

// FormatDate writes the calendar date of t in zone tz: "Monday 5 January 2026"
// in English, "lundi 5 janvier 2026" in French.
func (b *Bundle) FormatDate(locale string, t time.Time, tz string) string {
	return b.date(locale, t.In(b.Location(tz)))
}

// FormatDateTime writes a point in time in zone tz:
// "Monday 5 January 2026, 18:00 (Paris time)".
func (b *Bundle) FormatDateTime(locale string, t time.Time, tz string) string {
	loc := b.Location(tz)
	t = t.In(loc)
	return b.T(locale, "date.format.datetime", map[string]any{
		"Date": b.date(locale, t),
		"Time": clock(t),
		"Zone": b.ZoneName(locale, tz),
	})
}

// FormatSession writes a session that starts at start and lasts minutes, in
// zone tz: "Monday 5 January 2026, 18:00–19:30 (Paris time)"; a session that
// ends on another day repeats the date.
func (b *Bundle) FormatSession(locale string, start time.Time, minutes int64, tz string) string {
	loc := b.Location(tz)
	start = start.In(loc)
	end := start.Add(time.Duration(minutes) * time.Minute)
	data := map[string]any{
		"Date":  b.date(locale, start),
		"Start": clock(start),
		"End":   clock(end),
		"Zone":  b.ZoneName(locale, tz),
	}
	sy, sm, sd := start.Date()
	ey, em, ed := end.Date()
	if sy == ey && sm == em && sd == ed {
		return b.T(locale, "date.format.session", data)
	}
	data["EndDate"] = b.date(locale, end)
	return b.T(locale, "date.format.session_multiday", data)
}

func (b *Bundle) date(locale string, t time.Time) string {
	day := strconv.Itoa(t.Day())
	if t.Day() == 1 {
		day = b.T(locale, "date.day.first", nil)
	}
	s := b.T(locale, "date.format.date", map[string]any{
		"Weekday": b.T(locale, "date.weekday."+weekdayIDs[t.Weekday()], nil),
		"Day":     day,
		"Month":   b.T(locale, "date.month."+monthIDs[t.Month()-1], nil),
		"Year":    strconv.Itoa(t.Year()),
	})
	return strings.TrimSpace(s)
}

// clock writes the wall-clock time of t in its zone ("15:04"), followed by
// its UTC offset ("02:30 UTC+2") when that wall-clock time happens twice in
// the zone, as it does in the hour repeated when clocks go back.
func clock(t time.Time) string {
	if !ambiguous(t) {
		return t.Format("15:04")
	}
	_, off := t.Zone()
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	s := t.Format("15:04") + " UTC" + sign + strconv.Itoa(off/3600)
	if m := off % 3600 / 60; m != 0 {
		s += fmt.Sprintf(":%02d", m)
	}
	return s
}

// ambiguous reports whether the wall-clock time of t also names another
// instant in t's zone: t falls in the last hour(s) before the offset drops,
// or in the first ones after it dropped.
func ambiguous(t time.Time) bool {
	_, off := t.Zone()
	start, end := t.ZoneBounds()
	if !end.IsZero() {
		_, next := end.Zone()
		if d := time.Duration(off-next) * time.Second; d > 0 && !t.Before(end.Add(-d)) {
			return true
		}
	}
	if !start.IsZero() {
		_, prev := start.Add(-time.Second).Zone()
		if d := time.Duration(prev-off) * time.Second; d > 0 && t.Before(start.Add(d)) {
			return true
		}
	}
	return false
}
