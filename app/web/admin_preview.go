package web

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// Changes that tell registrants or move money are shown before they are
// made: the sessions form and cancelling an event go through a page that
// says who gets which mail and what is refunded (ticketing's preview of the
// very change), and a button that makes it.

// changePreview is the confirmation page of a change to an event.
type changePreview struct {
	Event *model.Event
	// Mode is sessions or cancel.
	Mode string
	// Rows are the sessions form as sent, carried by the confirmation.
	Rows                    []sessionForm
	Added, Moved, Removed   []sessionChange
	Mails                   []mailGroup
	Refunds                 []refundTotal
	Message                 string
	Refund                  bool
	Problem                 *apiErrorBody
	NotifiedTotal, Refunded int
}

// sessionChange is a session before and after the change.
type sessionChange struct{ Before, After model.Session }

// mailGroup is the mails of one kind a change sends: to whom (the first
// few), and the subject of one of them.
type mailGroup struct {
	Kind, Subject string
	Count         int
	To            []string
	More          int
}

// refundTotal sums a change's refunds in one currency.
type refundTotal struct {
	Currency string
	Count    int
	Amount   int64
}

// shownRecipients is how many recipients a mail group names.
const shownRecipients = 20

// summarize groups a preview's mails by kind and its refunds by currency.
func summarize(p *ticketing.Preview, cp *changePreview) {
	groups := map[string]*mailGroup{}
	for _, m := range p.Mails {
		g := groups[m.Kind]
		if g == nil {
			g = &mailGroup{Kind: m.Kind, Subject: m.Subject}
			groups[m.Kind] = g
		}
		g.Count++
		if len(g.To) < shownRecipients {
			g.To = append(g.To, fmt.Sprintf("%s <%s>", m.ToName, m.To))
		} else {
			g.More++
		}
	}
	for _, g := range groups {
		cp.Mails = append(cp.Mails, *g)
		cp.NotifiedTotal += g.Count
	}
	slices.SortFunc(cp.Mails, func(a, b mailGroup) int { return strings.Compare(a.Kind, b.Kind) })
	totals := map[string]*refundTotal{}
	for _, r := range p.Refunds {
		t := totals[r.Currency]
		if t == nil {
			t = &refundTotal{Currency: r.Currency}
			totals[r.Currency] = t
		}
		t.Count++
		t.Amount += r.Amount
		cp.Refunded++
	}
	for _, t := range totals {
		cp.Refunds = append(cp.Refunds, *t)
	}
	slices.SortFunc(cp.Refunds, func(a, b refundTotal) int { return strings.Compare(a.Currency, b.Currency) })
}

// sessionChanges compares the sessions before and after.
func sessionChanges(before, after *model.Event, cp *changePreview) {
	was := map[int64]model.Session{}
	for _, ss := range before.Sessions {
		was[ss.ID] = ss
	}
	kept := map[int64]bool{}
	for _, ss := range after.Sessions {
		prev, ok := was[ss.ID]
		switch {
		case !ok:
			cp.Added = append(cp.Added, sessionChange{After: ss})
		case !prev.StartsAt.Equal(ss.StartsAt) || prev.DurationMinutes != ss.DurationMinutes:
			cp.Moved = append(cp.Moved, sessionChange{Before: prev, After: ss})
		}
		kept[ss.ID] = ok
	}
	for _, ss := range before.Sessions {
		if !kept[ss.ID] {
			cp.Removed = append(cp.Removed, sessionChange{Before: ss})
		}
	}
}

// maxSessionRows bounds the rows a sessions form may send.
const maxSessionRows = 520

func readSessionRows(c *fiber.Ctx) []sessionForm {
	n, _ := strconv.Atoi(c.FormValue("rows"))
	n = min(max(n, 0), maxSessionRows)
	rows := make([]sessionForm, n)
	for i := range rows {
		v := func(name string) string { return strings.TrimSpace(c.FormValue(fmt.Sprintf("%s_%d", name, i))) }
		rows[i] = sessionForm{ID: v("session_id"), StartsAt: v("starts_at"), Duration: v("duration"), JoinURL: v("join_url"),
			Remove: v("remove") == "on"}
	}
	return rows
}

// adminSessions takes the sessions form: first a preview of whom the
// change tells (and refunds), then, confirmed, the change itself, as a
// PATCH of sessions does.
func (s *Server) adminSessions(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	e, err := s.Tickets.Event(ctx, id)
	if err != nil {
		return err
	}
	rows := readSessionRows(c)
	bad := map[string]string{}
	sessions, from := sessionInputs(s.I18n.Location(e.Timezone), rows, bad)
	failed := func(status int, p *apiErrorBody) error {
		return s.renderEdit(c, status, &editData{Sessions: rows, SessionsProblem: p})
	}
	if len(bad) > 0 {
		return failed(fiber.StatusUnprocessableEntity, &apiErrorBody{Code: "validation", Fields: bad})
	}
	in := ticketing.EventInput{Sessions: &sessions}
	fin := formEventInput{EventInput: in, rows: from}
	rowsFailed := func(status int, p *apiErrorBody) error {
		p.Fields = fin.rowFields(p.Fields)
		return failed(status, p)
	}
	if c.FormValue("confirm") != "yes" {
		p, err := s.Tickets.PreviewUpdateEvent(ctx, id, in)
		if err != nil {
			return s.editFailed(c, err, rowsFailed)
		}
		cp := &changePreview{Event: e, Mode: "sessions", Rows: rows}
		sessionChanges(e, p.Event, cp)
		summarize(p, cp)
		return s.renderAdmin(c, fiber.StatusOK, "event_confirm", e.Title, cp)
	}
	if _, err := s.Tickets.UpdateEvent(ctx, id, in); err != nil {
		return s.editFailed(c, err, rowsFailed)
	}
	return s.editDone(c, id, "sessions")
}

// adminCancelPage asks to confirm cancelling the event, saying whom it
// tells and what refunding every payment would give back.
func (s *Server) adminCancelPage(c *fiber.Ctx) error {
	return s.renderCancel(c, fiber.StatusOK, "", true, nil)
}

func (s *Server) renderCancel(c *fiber.Ctx, status int, message string, refund bool, problem *apiErrorBody) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	e, err := s.Tickets.Event(c.UserContext(), id)
	if err != nil {
		return err
	}
	// Always with refunds: the page shows what ticking the box would do.
	p, err := s.Tickets.PreviewCancelEvent(c.UserContext(), id, "", true)
	if err != nil {
		return err
	}
	cp := &changePreview{Event: e, Mode: "cancel", Message: message, Refund: refund, Problem: problem}
	summarize(p, cp)
	return s.renderAdmin(c, status, "event_confirm", e.Title, cp)
}

// adminCancelEvent cancels the event, refunding every payment when asked;
// an error shows the confirmation again.
func (s *Server) adminCancelEvent(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	message, refund := strings.TrimSpace(c.FormValue("message")), c.FormValue("refund") == "on"
	if _, err := s.Tickets.CancelEvent(c.UserContext(), id, message, refund); err != nil {
		return s.editFailed(c, err, func(status int, p *apiErrorBody) error { return s.renderCancel(c, status, message, refund, p) })
	}
	return c.Redirect(s.adminURL(c, fmt.Sprintf("/admin/events/%d?done=event_cancelled", id)), fiber.StatusSeeOther)
}
