package web

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// TestAdminDashboard: the dashboard lists the sessions to come with their
// seats, the revenue per currency, the tickets sold per day (an SVG chart
// with a table of the same numbers) and by tier, and the latest
// registrations.
func TestAdminDashboard(t *testing.T) {
	e, _, now := salesEnv(t, 1)
	ada := e.reg(e.buy("intro-to-go", "Ada", nil))
	e.webhook(paidWebhook("evt_ada", ada, 999), now)
	bob := e.reg(e.buy("intro-to-go", "Bob", nil))
	e.webhook(paidWebhook("evt_bob", bob, 1999), now)
	e.registerOne("free-talk", "Cleo", "cleo@example.org")
	// An unpaid hold is no sale.
	e.buy("intro-to-go", "Dan", nil)

	a := newAdminClient(t, e.serve())
	a.login(adminEmail, adminPassword)
	res, body := a.send("GET", "/admin/", nil)
	if res.StatusCode != 200 {
		t.Fatalf("dashboard: %d\n%s", res.StatusCode, body)
	}
	section := func(id string) string {
		i := strings.Index(body, `aria-labelledby="`+id+`"`)
		if i < 0 {
			t.Fatalf("no section %s:\n%s", id, body)
		}
		j := strings.Index(body[i:], "</section>")
		return body[i : i+j]
	}
	for _, c := range []struct{ section, want string }{
		{"upcoming-title", "Intro to Go"},
		{"upcoming-title", "Seats taken: 3 / 10"}, // Ada, Bob and Dan's hold
		{"revenue-title", "29.98\u00a0EUR"},
		{"revenue-title", "Provider fee not known yet for 2 payment(s)"},
		{"sales-title", "3 tickets sold in the last 30 days"},
		{"sales-title", `role="img" aria-labelledby="sales-title sales-summary"`},
		{"sales-title", fmt.Sprintf("<title>%s: 3</title>", now.Format("2006-01-02"))},
		{"sales-title", fmt.Sprintf(`<th scope="row">%s</th><td class="num">3</td>`, now.Format("2006-01-02"))},
		{"tiers-title", `<td>Intro to Go</td><th scope="row">Early bird</th><td class="num">1</td>`},
		{"tiers-title", "9.99\u00a0EUR"},
		{"tiers-title", `<th scope="row">Base price</th><td class="num">1</td>`},
		{"tiers-title", `<td>Free Talk</td><th scope="row">Base price</th><td class="num">1</td>`},
		{"recent-title", "Cleo"},
	} {
		if s := section(c.section); !strings.Contains(s, c.want) {
			t.Errorf("%s lacks %q:\n%s", c.section, c.want, s)
		}
	}
	// One bar per day with sales, one bar per tier.
	if n := len(regexp.MustCompile(`<rect class="bar"`).FindAllString(section("sales-title"), -1)); n != 1 {
		t.Errorf("%d bars in the sales chart, want 1", n)
	}
	if n := len(regexp.MustCompile(`<rect class="bar"`).FindAllString(section("tiers-title"), -1)); n != 3 {
		t.Errorf("%d bars in the tiers chart, want 3", n)
	}
	// In French, with nothing sold today, the chart still draws its axis.
	e.clock.Set(now.AddDate(0, 0, 40))
	a.login(adminEmail, adminPassword) // the session has expired meanwhile
	_, body = a.send("GET", "/admin/?lang=fr", nil)
	if !strings.Contains(body, "0 billets vendus ces 30 derniers jours") || !strings.Contains(body, `class="axis"`) ||
		!strings.Contains(body, "Aucune session à venir.") {
		t.Fatalf("dashboard 40 days later:\n%s", body)
	}
}

// salesEnv is an Admit on stripe-mock with, in three days, a paid event
// (19.99 EUR, 10 seats, a tier "Early bird" at 9.99 EUR for tierSeats) and a
// free one, "free-talk". Its clock is the real time (webhook signatures
// carry it).
func salesEnv(t *testing.T, tierSeats int, tweaks ...func(*ticketing.Options, *Deps)) (*env, map[string]any, time.Time) {
	e := stripeEnv(t, tweaks...)
	now := time.Now().UTC().Truncate(time.Second)
	e.clock.Set(now)
	soon := []map[string]any{{"starts_at": now.Add(72 * time.Hour).Format(time.RFC3339), "duration_minutes": 60}}
	ev := e.createEvent(paidEvent(map[string]any{"capacity": 10, "sessions": soon}))
	if r := e.do("POST", fmt.Sprintf("/api/v1/events/%d/tiers", num(ev["id"])), map[string]any{"name": "Early bird",
		"price": map[string]any{"amount": 999, "currency": "EUR"}, "quantity": tierSeats}, true); r.Status != 201 {
		t.Fatalf("tier: %d %s", r.Status, r.Body)
	}
	e.createEvent(liveEvent(map[string]any{"title": "Free Talk", "slug": "free-talk", "sessions": soon}))
	return e, ev, now
}

// TestSalesChartDaysInEventZone: the sales chart dates each sale in its
// event's time zone, as the dashboard dates registrations, and ends on
// today in the zone most events are in. Before, days were cut in UTC: a
// sale at 23:30 in New York (04:30 UTC the next day) counted on the next
// day, and one in Auckland at 09:00 (20:00 UTC the day before) on the day
// before.
func TestSalesChartDaysInEventZone(t *testing.T) {
	e := newEnv(t)
	ny := &model.Event{ID: 1, Timezone: "America/New_York"}
	akl := &model.Event{ID: 2, Timezone: "Pacific/Auckland"}
	sale := func(ev *model.Event, at string) recentRegistration {
		paid, err := time.Parse(time.RFC3339, at)
		if err != nil {
			t.Fatal(err)
		}
		return recentRegistration{Registration: &model.Registration{Role: model.RoleAttendee, AmountPaid: 100, PaidAt: &paid,
			Status: model.StatusConfirmed, CreatedAt: paid}, Event: ev}
	}
	regs := []recentRegistration{
		sale(ny, "2026-11-20T04:30:00Z"),  // 19 November, 23:30 in New York
		sale(akl, "2026-11-19T20:00:00Z"), // 20 November, 09:00 in Auckland
		sale(ny, "2026-11-30T04:59:00Z"),  // 29 November, 23:59 in New York
		sale(ny, "2026-12-01T04:00:00Z"),  // 30 November, 23:00 in New York: today there
	}
	// 04:30 UTC on 1 December is still 30 November in New York, the zone of
	// most events: the chart ends on 30 November.
	now := time.Date(2026, 12, 1, 4, 30, 0, 0, time.UTC)
	ch := salesPerDay(regs, now, e.i18n.Location, homeZone([]eventSummary{{Event: ny}, {Event: akl}, {Event: ny}}))
	got := map[string]int{}
	for _, b := range ch.Bars {
		if b.Value > 0 {
			got[b.Description] = b.Value
		}
	}
	want := map[string]int{"2026-11-19": 1, "2026-11-20": 1, "2026-11-29": 1, "2026-11-30": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) || ch.Total != 4 {
		t.Fatalf("days %v (total %d), want %v", got, ch.Total, want)
	}
	if last := ch.Bars[len(ch.Bars)-1].Description; last != "2026-11-30" {
		t.Fatalf("the chart ends on %s, want 2026-11-30 (today in New York)", last)
	}
}
