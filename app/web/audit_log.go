package web

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// Audit log limits: a page holds at most maxAuditPage entries.
const (
	defaultAuditPage = 50
	maxAuditPage     = 200
)

// auditQuery reads the audit log's filters from the query: actor (email or
// user id), action (or a prefix ending in "."), event_id, outcome (done or
// refused), client_ip, since and until
// (RFC 3339, or a date: since from its start, until to its end), limit and
// cursor. A bad value is a 422 naming it.
func auditQuery(c *fiber.Ctx) (model.AuditFilter, error) {
	f := model.AuditFilter{Limit: defaultAuditPage}
	bad := map[string]string{}
	f.Actor = strings.TrimSpace(c.Query("actor"))
	if len(f.Actor) > 254 {
		bad["actor"] = "is too long: an email address or a user id"
	}
	f.Action = strings.TrimSpace(c.Query("action"))
	if len(f.Action) > 100 {
		bad["action"] = "is too long: an action such as registration.refund, or a prefix such as registration."
	}
	if v := strings.TrimSpace(c.Query("event_id")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			bad["event_id"] = "must be an event id (a positive number)"
		}
		f.EventID = n
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
		end  bool
	}{{"since", &f.Since, false}, {"until", &f.Until, true}} {
		v := strings.TrimSpace(c.Query(p.name))
		if v == "" {
			continue
		}
		t, err := parseAuditTime(v, p.end)
		if err != nil {
			bad[p.name] = "must be a time such as 2026-12-01T09:00:00Z or a date such as 2026-12-01"
		}
		*p.dst = t
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) && bad["until"] == "" {
		bad["until"] = "must be after since"
	}
	if v := strings.TrimSpace(c.Query("limit")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxAuditPage {
			bad["limit"] = "must be a number from 1 to 200"
		}
		f.Limit = n
	}
	if v := strings.TrimSpace(c.Query("cursor")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			bad["cursor"] = "is not a cursor this log gave (next_cursor)"
		}
		f.Before = n
	}
	switch f.Outcome = strings.TrimSpace(c.Query("outcome")); f.Outcome {
	case "", model.AuditDone, model.AuditRefused:
	default:
		bad["outcome"] = "must be done or refused"
	}
	if f.ClientIP = strings.TrimSpace(c.Query("client_ip")); f.ClientIP != "" && f.ClientIP != model.AuditMany {
		if _, err := netip.ParseAddr(f.ClientIP); err != nil {
			bad["client_ip"] = "must be an IP address such as 203.0.113.9"
		}
	}
	if len(bad) > 0 {
		return f, model.Invalid(bad)
	}
	return f, nil
}

// parseAuditTime reads RFC 3339 or a date (UTC; end: the next day's start,
// so that until=2026-12-01 includes that day).
func parseAuditTime(v string, end bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, err
	}
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

// auditPage reads one page of the log the caller may see: an administrator
// all of it, an organizer only the entries of an event they organize
// (event_id required).
func (s *Server) auditPage(c *fiber.Ctx) (model.AuditFilter, []*model.AuditEntry, string, error) {
	f, err := auditQuery(c)
	if err != nil {
		return f, nil, "", err
	}
	u, _ := caller(c)
	if !ticketing.IsAdmin(u) {
		if f.EventID == 0 {
			return f, nil, "", model.Fail(model.ErrForbidden, "Only an administrator may read the whole audit log: ask for the entries of one of your events with event_id.")
		}
		if err := s.Tickets.MayActOnEvent(c.UserContext(), u, f.EventID); err != nil {
			return f, nil, "", err
		}
	}
	page := f
	page.Limit++ // one more tells whether a next page exists
	items, err := s.Tickets.AuditLog(c.UserContext(), page)
	if err != nil {
		return f, nil, "", err
	}
	next := ""
	if len(items) > f.Limit {
		items = items[:f.Limit]
		next = strconv.FormatInt(items[len(items)-1].ID, 10)
	}
	return f, items, next, nil
}

type auditActorJSON struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
}

type auditTargetJSON struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type auditJSON struct {
	ID       int64             `json:"id"`
	At       time.Time         `json:"at"`
	Actor    auditActorJSON    `json:"actor"`
	ClientIP string            `json:"client_ip"`
	Action   string            `json:"action"`
	Target   auditTargetJSON   `json:"target"`
	EventID  *int64            `json:"event_id"`
	Before   *model.AuditState `json:"before"`
	After    *model.AuditState `json:"after"`
	// A refusal's answer: status and error code; how many times it came
	// and the last time (1 and at for any other entry).
	Outcome string    `json:"outcome"`
	Status  int       `json:"status,omitempty"`
	Reason  string    `json:"reason,omitempty"`
	Repeats int       `json:"repeats"`
	LastAt  time.Time `json:"last_at"`
}

// auditLog is GET /api/v1/audit.
func (s *Server) auditLog(c *fiber.Ctx) error {
	_, items, next, err := s.auditPage(c)
	if err != nil {
		return err
	}
	out := make([]auditJSON, 0, len(items))
	for _, e := range items {
		out = append(out, auditJSON{ID: e.ID, At: e.At, Actor: auditActorJSON{ID: e.ActorID, Email: e.ActorEmail}, ClientIP: e.ClientIP,
			Action: e.Action, Target: auditTargetJSON{Type: e.TargetType, ID: e.TargetID}, EventID: e.EventID, Before: e.Before, After: e.After,
			Outcome: e.Outcome, Status: e.Status, Reason: e.Reason, Repeats: e.Repeats, LastAt: e.LastAt})
	}
	var cursor *string
	if next != "" {
		cursor = &next
	}
	return c.JSON(fiber.Map{"items": out, "next_cursor": cursor})
}
