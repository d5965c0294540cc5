package web

import (
	"encoding/csv"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/model"
)

// TestAttendance: opening the join link while the session is open (from 15
// minutes before its start to its end, on the injected clock) records
// attendance once per registration and session, with its first and last
// time and count; outside the window, or for a registration that may not
// join, nothing is recorded. The registrations' JSON, the CSV export and
// the admin event page show it.
func TestAttendance(t *testing.T) {
	e := newEnv(t)
	ev := e.createEvent(liveEvent(nil)) // 1 December 2026, 17:00 to 18:30 UTC
	eid := num(ev["id"])
	session := num(ev["sessions"].([]any)[0].(map[string]any)["id"])
	ada, adaToken := e.registerOne("intro-to-go", "Ada", "ada@example.org")
	bob, bobToken := e.registerOne("intro-to-go", "Bob", "bob@example.org")
	cat, catToken := e.registerOne("intro-to-go", "Cat", "cat@example.org")
	e.setStatus(cat, model.StatusCancelled)

	join := func(token string, at time.Time, want int) {
		t.Helper()
		e.clock.Set(at)
		if r := e.do("GET", "/a/"+token+"/join", nil, false); r.Status != want {
			t.Fatalf("join at %s: %d, want %d", at.Format(time.TimeOnly), r.Status, want)
		}
	}
	day := func(h, m int) time.Time { return time.Date(2026, 12, 1, h, m, 0, 0, time.UTC) }
	join(adaToken, day(16, 44), 200) // a minute before the room opens
	join(adaToken, day(16, 45), 302) // the room opens
	join(adaToken, day(17, 30), 302)
	join(adaToken, day(18, 29), 302) // again: the same row
	join(adaToken, day(18, 30), 200) // over
	join(bobToken, day(18, 31), 200) // too late
	join(catToken, day(17, 10), 403) // cancelled

	r := e.do("GET", fmt.Sprintf("/api/v1/events/%d/registrations", eid), nil, true)
	if r.Status != 200 {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	attended := map[int64][]any{}
	for _, it := range r.JSON(t)["items"].([]any) {
		m := it.(map[string]any)
		list, ok := m["attended_sessions"].([]any)
		if !ok {
			t.Fatalf("registration without attended_sessions: %v", m)
		}
		attended[num(m["id"])] = list
	}
	if len(attended[bob]) != 0 || len(attended[cat]) != 0 || len(attended[ada]) != 1 {
		t.Fatalf("attended: %v", attended)
	}
	got := attended[ada][0].(map[string]any)
	if num(got["session_id"]) != session || got["first_at"] != "2026-12-01T16:45:00Z" || got["last_at"] != "2026-12-01T18:29:00Z" || num(got["opens"]) != 3 {
		t.Errorf("ada's attendance: %v", got)
	}

	r = e.do("GET", fmt.Sprintf("/api/v1/events/%d/registrations.csv", eid), nil, true)
	rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	if r.Status != 200 || err != nil {
		t.Fatalf("csv: %d %v\n%s", r.Status, err, r.Body)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	cells := map[string][2]string{}
	for _, row := range rows[1:] {
		cells[row[col["email"]]] = [2]string{row[col["attended_sessions"]], row[col["first_joined_at"]]}
	}
	if cells["ada@example.org"] != [2]string{"1", "2026-12-01T16:45:00Z"} || cells["bob@example.org"] != [2]string{"0", ""} {
		t.Errorf("csv attendance cells: %v\n%s", cells, r.Body)
	}

	a := newAdminClient(t, e.serve())
	a.login(adminEmail, adminPassword)
	_, page := a.send("GET", fmt.Sprintf("/admin/events/%d", eid), nil)
	cell := regexp.MustCompile(`(?s)<tr id="registration-(\d+)">.*?<td class="num attended"[^>]*>([^<]*)</td>`)
	shown := map[string]string{}
	for _, m := range cell.FindAllStringSubmatch(page, -1) {
		shown[m[1]] = strings.TrimSpace(m[2]) // empty when none, as every empty cell of the table
	}
	if shown[fmt.Sprint(ada)] != "1" || shown[fmt.Sprint(bob)] != "" || !strings.Contains(page, ">Joined</th>") {
		t.Errorf("admin page attendance cells %v", shown)
	}
}
