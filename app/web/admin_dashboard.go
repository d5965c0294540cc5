package web

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
)

// The dashboard: what sold, when and by which tier, drawn as SVG on the
// server (no script), each chart with a table that says the same in words.

// salesDays is how many days the sales chart covers, today included.
const salesDays = 30

// chartWidth is the width of the charts' viewBox: small enough that their
// text stays readable on a phone, where the SVG is scaled down.
const chartWidth = 400.0

// upcomingShown is how many upcoming sessions the dashboard lists.
const upcomingShown = 8

// upcomingSession is a session still to come (or running), with its event.
type upcomingSession struct {
	Event   *model.Event
	Session model.Session
	Sold    int
}

// chartBar is one bar of a chart: its value, label and geometry in the
// SVG's user units.
type chartBar struct {
	Label       string
	Value       int
	X, Y, W, H  float64
	LabelX      float64
	ShowLabel   bool
	Description string
}

// salesChart is the tickets sold per day.
type salesChart struct {
	Bars  []chartBar
	Max   int
	Total int
	// Width and Height are the SVG's viewBox; Base is the y of the axis.
	Width, Height, Base float64
}

// tierSale is what one tier (or an event's base price) sold.
type tierSale struct {
	EventTitle string
	Tier       string // empty: the base price
	Tickets    int
	// Net is per currency: paid minus refunded.
	Net []revenue
	Bar chartBar
}

type dashboardPage struct {
	*dashboardData
	Upcoming []upcomingSession
	Sales    salesChart
	Tiers    []tierSale
	// TierChartHeight is the viewBox height of the tiers chart.
	TierChartHeight float64
}

// sold reports whether a registration counts as a ticket sold: an
// attendee who paid, or who holds a free seat.
func sold(r *model.Registration) bool {
	return r.Role == model.RoleAttendee && (r.AmountPaid > 0 || r.MayAttend())
}

// soldAt is when a ticket was sold: its payment, else its registration.
func soldAt(r *model.Registration) time.Time {
	if r.PaidAt != nil {
		return *r.PaidAt
	}
	return r.CreatedAt
}

func (s *Server) adminDashboard(c *fiber.Ctx) error {
	d, err := s.dashboard(c)
	if err != nil {
		return err
	}
	now := s.Now()
	p := dashboardPage{dashboardData: d}
	for _, ev := range d.Events {
		if ev.Event.Status == model.EventCancelled {
			continue
		}
		for _, ss := range ev.Event.Sessions {
			if ss.EndsAt().After(now) {
				p.Upcoming = append(p.Upcoming, upcomingSession{Event: ev.Event, Session: ss, Sold: ev.Sold})
			}
		}
	}
	slices.SortStableFunc(p.Upcoming, func(a, b upcomingSession) int { return a.Session.StartsAt.Compare(b.Session.StartsAt) })
	p.Upcoming = p.Upcoming[:min(len(p.Upcoming), upcomingShown)]
	p.Sales = salesPerDay(d.All, now, s.I18n.Location, homeZone(d.Events))
	p.Tiers, p.TierChartHeight = tierSales(d.All, s.adminT(c, "admin.dashboard.base_price"))
	return s.renderAdmin(c, fiber.StatusOK, "dashboard", s.adminT(c, "admin.nav.dashboard"), p)
}

// homeZone is the time zone most of the events are in (the organizer's, in
// practice), UTC when there is none; a tie goes to the first name.
func homeZone(events []eventSummary) string {
	n := map[string]int{}
	home := "UTC"
	for _, e := range events {
		tz := e.Event.Timezone
		n[tz]++
		if n[tz] > n[home] || (n[tz] == n[home] && tz < home) {
			home = tz
		}
	}
	return home
}

// calendarDay is the date t falls on in loc, as midnight UTC of that date,
// so that days subtract exactly.
func calendarDay(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// salesPerDay counts the tickets sold on each of the last salesDays days,
// today last, and lays out their bars. Each sale falls on its date in its
// event's time zone (zone looks a name up), as the dashboard dates the
// registrations; today is today's date in the zone named home.
func salesPerDay(regs []recentRegistration, now time.Time, zone func(string) *time.Location, home string) salesChart {
	today := calendarDay(now, zone(home))
	first := today.AddDate(0, 0, -(salesDays - 1))
	counts := make([]int, salesDays)
	ch := salesChart{Width: chartWidth, Height: 180, Base: 150}
	for _, r := range regs {
		if !sold(r.Registration) {
			continue
		}
		day := calendarDay(soldAt(r.Registration), zone(r.Event.Timezone))
		if day.Before(first) || day.After(today) {
			continue
		}
		counts[int(day.Sub(first)/(24*time.Hour))]++
	}
	for _, n := range counts {
		ch.Max = max(ch.Max, n)
		ch.Total += n
	}
	const left, right, top = 36.0, 16.0, 14.0
	step := (ch.Width - left - right) / salesDays
	for i, n := range counts {
		day := first.AddDate(0, 0, i)
		b := chartBar{Label: day.Format("01-02"), Value: n, X: left + float64(i)*step + step*0.15, W: step * 0.7,
			Description: day.Format("2006-01-02")}
		if ch.Max > 0 {
			b.H = float64(n) / float64(ch.Max) * (ch.Base - top)
		}
		b.Y = ch.Base - b.H
		b.LabelX = b.X + b.W/2
		b.ShowLabel = i%7 == (salesDays-1)%7 // today and every week before it
		ch.Bars = append(ch.Bars, b)
	}
	return ch
}

// tierSales sums the tickets and money of each tier of each event, the
// most sold first, and lays out a horizontal bar for each.
func tierSales(regs []recentRegistration, basePrice string) ([]tierSale, float64) {
	type key struct {
		event int64
		tier  string
	}
	byKey := map[key]*tierSale{}
	var out []*tierSale
	for _, r := range regs {
		if !sold(r.Registration) {
			continue
		}
		k := key{r.Event.ID, r.Tier}
		ts := byKey[k]
		if ts == nil {
			ts = &tierSale{EventTitle: r.Event.Title, Tier: r.Tier}
			byKey[k] = ts
			out = append(out, ts)
		}
		ts.Tickets++
		if r.AmountPaid > 0 {
			cur := r.MoneyCurrency()
			i := slices.IndexFunc(ts.Net, func(m revenue) bool { return m.Currency == cur })
			if i < 0 {
				ts.Net = append(ts.Net, revenue{Currency: cur})
				i = len(ts.Net) - 1
			}
			ts.Net[i].Net += r.AmountPaid - r.AmountRefunded
		}
	}
	slices.SortStableFunc(out, func(a, b *tierSale) int {
		return cmp.Or(cmp.Compare(b.Tickets, a.Tickets), strings.Compare(a.EventTitle, b.EventTitle), strings.Compare(a.Tier, b.Tier))
	})
	most := 0
	for _, ts := range out {
		most = max(most, ts.Tickets)
	}
	const rowH, barH = 38.0, 16.0
	res := make([]tierSale, len(out))
	for i, ts := range out {
		name := ts.Tier
		if name == "" {
			name = basePrice
		}
		label := fmt.Sprintf("%s · %s", ts.EventTitle, name)
		w := 0.0
		if most > 0 {
			w = float64(ts.Tickets) / float64(most) * (chartWidth - 40)
		}
		ts.Bar = chartBar{Label: label, Value: ts.Tickets, Y: float64(i)*rowH + 18, W: max(w, 2), H: barH}
		ts.Bar.LabelX = ts.Bar.X + ts.Bar.W + 6
		res[i] = *ts
	}
	return res, float64(len(out))*rowH + 6
}
