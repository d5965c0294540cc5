package web

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// The registrants of an event's page: a table searched, filtered, sorted
// and cut in pages in the query string (?q=&status=&sort=&page=), with the
// actions that apply to each row, and the waiting list. Every action is
// confirmed on a page of its own before it runs.

// registrantsPerPage is how many rows a page of the table shows.
const registrantsPerPage = 50

// registrantSorts are the table's orders: newest first, by name, by amount
// paid (highest first).
var registrantSorts = []string{"date", "name", "amount"}

var registrationStatuses = []string{model.StatusConfirmed, model.StatusPendingApproval, model.StatusPendingPayment,
	model.StatusPartiallyRefunded, model.StatusRefunded, model.StatusCancelled, model.StatusRejected, model.StatusExpired}

// registrantTable is the table as asked for by the query.
type registrantTable struct {
	Q, Status, Sort string
	Statuses, Sorts []string
	Rows            []*model.Registration
	// Total is how many registrations match; All how many there are.
	Total, All  int
	Page, Pages int
	// Prev and Next are the addresses of the pages around (empty: none);
	// Back is this page's, to come back to after an action.
	Prev, Next, Back string
	Waitlist         []*model.WaitlistEntry
	// Offline are the offline payments (bank transfers) still due, by
	// registration id.
	Offline map[int64]*offlineRow
}

// offlineRow is an offline payment still due, as the table shows it.
type offlineRow struct {
	Reference string
	DueAt     time.Time
	// Balance is what is left to pay, in minor units and as typed in the
	// form (major units).
	Balance int64
	Typed   string
}

// registrantTableOf searches, filters, sorts and pages regs as the query
// asks.
func (s *Server) registrantTableOf(c *fiber.Ctx, eventID int64, regs []*model.Registration) (registrantTable, error) {
	t := registrantTable{Q: strings.TrimSpace(c.Query("q")), Status: c.Query("status"), Sort: c.Query("sort"), Statuses: registrationStatuses,
		Sorts: registrantSorts, All: len(regs)}
	if !slices.Contains(registrationStatuses, t.Status) {
		t.Status = ""
	}
	offline, err := s.Tickets.EventOffline(c.UserContext(), eventID)
	if err != nil {
		return t, err
	}
	t.Offline = map[int64]*offlineRow{}
	for _, r := range regs {
		if o := offline[r.ID]; o != nil && r.Status == model.StatusPendingPayment {
			left := o.Balance(r)
			t.Offline[r.ID] = &offlineRow{Reference: o.Reference, DueAt: o.DueAt, Balance: left, Typed: majorUnits(left, r.Currency)}
		}
	}
	if !slices.Contains(registrantSorts, t.Sort) {
		t.Sort = "date"
	}
	q := strings.ToLower(t.Q)
	var rows []*model.Registration
	for _, r := range regs {
		if t.Status != "" && r.Status != t.Status {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(r.Name), q) && !strings.Contains(strings.ToLower(r.Email), q) {
			continue
		}
		rows = append(rows, r)
	}
	slices.SortStableFunc(rows, func(a, b *model.Registration) int {
		switch t.Sort {
		case "name":
			return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
		case "amount":
			return cmp.Or(cmp.Compare(b.AmountPaid, a.AmountPaid), cmp.Compare(b.ID, a.ID))
		}
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	t.Total = len(rows)
	t.Pages = max(1, (t.Total+registrantsPerPage-1)/registrantsPerPage)
	t.Page, _ = strconv.Atoi(c.Query("page"))
	t.Page = min(max(t.Page, 1), t.Pages)
	from := (t.Page - 1) * registrantsPerPage
	t.Rows = rows[from:min(from+registrantsPerPage, len(rows))]
	page := func(n int, frag string) string {
		v := url.Values{"lang": {s.admin.locale(c)}}
		for k, x := range map[string]string{"q": t.Q, "status": t.Status, "sort": t.Sort} {
			if x != "" && !(k == "sort" && x == "date") {
				v.Set(k, x)
			}
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		return fmt.Sprintf("/admin/events/%d?%s%s", eventID, v.Encode(), frag)
	}
	t.Back = page(t.Page, "")
	if t.Page > 1 {
		t.Prev = page(t.Page-1, "#registrants")
	}
	if t.Page < t.Pages {
		t.Next = page(t.Page+1, "#registrants")
	}
	t.Waitlist, err = s.Tickets.Waitlist(c.UserContext(), eventID)
	return t, err
}

// registrationActions are the actions of the table's rows.
var registrationActions = []string{"confirm", "reject", "cancel", "resend", "rotate_token", "refund", "mark_paid", "mark_refunded"}

// actionPage is the confirmation of an action on a registration.
type actionPage struct {
	Registration *model.Registration
	Event        *model.Event
	Action       string
	// Amount is the refund's amount as typed (empty: all that is left).
	Amount  string
	Back    string
	Problem *apiErrorBody
	// Offline (mark_paid) is the offline payment recorded so far; Date the
	// day it arrived as typed (today by default), Today the latest allowed.
	Offline     *ticketing.OfflineState
	Date, Today string
	// PayAfter (confirm): the registrant pays offline once approved, so
	// confirming sends the payment instructions, not the access link.
	PayAfter bool
}

// safeBack keeps a way back to the event's page of the registration.
func safeBack(back string, eventID int64) string {
	page := fmt.Sprintf("/admin/events/%d", eventID)
	if back != page && !strings.HasPrefix(back, page+"?") || strings.ContainsAny(back, "#\\\r\n") {
		return page
	}
	return back
}

// adminConfirmAction asks to confirm an action on a registration.
func (s *Server) adminConfirmAction(c *fiber.Ctx) error {
	return s.renderAction(c, fiber.StatusOK, strings.TrimSpace(c.Query("amount")), c.Query("back"), nil)
}

func (s *Server) renderAction(c *fiber.Ctx, status int, amount, back string, problem *apiErrorBody) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	action := c.Params("action")
	if !slices.Contains(registrationActions, action) {
		return model.ErrNotFound
	}
	r, err := s.Tickets.Registration(c.UserContext(), id)
	if err != nil {
		return err
	}
	e, err := s.Tickets.Event(c.UserContext(), r.EventID)
	if err != nil {
		return err
	}
	if problem == nil && (action == "refund" || action == "mark_paid") && amount != "" {
		if _, ok := parseAmount(amount, r.MoneyCurrency()); !ok {
			status, problem = fiber.StatusUnprocessableEntity, &apiErrorBody{Code: "validation", Fields: map[string]string{"amount": "must be an amount such as 19.99"}}
		}
	}
	p := actionPage{Registration: r, Event: e, Action: action, Amount: amount, Back: safeBack(back, r.EventID), Problem: problem,
		PayAfter: action == "confirm" && s.Tickets.PaysAfterApproval(r)}
	if action == "mark_paid" {
		if p.Offline, err = s.Tickets.OfflineOf(c.UserContext(), r, s.admin.locale(c)); err != nil {
			return err
		}
		if p.Offline == nil {
			return model.ErrNotFound
		}
		p.Today = s.Now().UTC().Format("2006-01-02")
		p.Date = cmp.Or(strings.TrimSpace(c.FormValue("date")), strings.TrimSpace(c.Query("date")), p.Today)
	}
	return s.renderAdmin(c, status, "registration_confirm", r.Name, p)
}

// adminRegistrationAction runs a confirmed action on a registration, as the
// API's POST /api/v1/registrations/{id}/{action} does: back to the event's
// page with a flash message, or the confirmation again with the error.
func (s *Server) adminRegistrationAction(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	r, err := s.Tickets.Registration(c.UserContext(), id)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	action := c.Params("action")
	amount := strings.TrimSpace(c.FormValue("amount"))
	switch action {
	case "confirm":
		_, err = s.Tickets.Confirm(ctx, id)
	case "reject":
		_, err = s.Tickets.Reject(ctx, id)
	case "cancel":
		_, err = s.Tickets.CancelRegistration(ctx, id)
	case "resend":
		_, err = s.Tickets.Resend(ctx, id)
	case "rotate_token":
		_, err = s.Tickets.RotateToken(ctx, id)
	case "refund": // an amount in major units, or all that is left
		var minor *int64
		if amount != "" {
			n, ok := parseAmount(amount, r.MoneyCurrency())
			if !ok {
				err = model.Invalid(map[string]string{"amount": "must be an amount such as 19.99"})
				break
			}
			minor = &n
		}
		_, err = s.Tickets.RefundRegistration(ctx, id, minor)
	case "mark_paid": // an amount in major units, and the day it arrived
		n, ok := parseAmount(amount, r.Currency)
		if !ok {
			err = model.Invalid(map[string]string{"amount": "must be an amount such as 19.99"})
			break
		}
		_, err = s.Tickets.MarkPaid(ctx, id, &n, strings.TrimSpace(c.FormValue("date")))
	case "mark_refunded": // what is owed back by hand was given back
		_, err = s.Tickets.MarkRefunded(ctx, id)
	default:
		return model.ErrNotFound
	}
	back := safeBack(c.FormValue("back"), r.EventID)
	if err != nil {
		return s.editFailed(c, err, func(status int, p *apiErrorBody) error { return s.renderAction(c, status, amount, back, p) })
	}
	to := back + "?done=" + action
	if strings.Contains(back, "?") {
		to = back + "&done=" + action
	}
	if !strings.Contains(back, "lang=") {
		to = s.adminURL(c, to)
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// When is an optional time in the event's zone ("" when nil), for
// templates: {{$L.When .ExpiresAt $e.Timezone}}.
func (l loc) When(t *time.Time, tz string) string {
	if t == nil {
		return ""
	}
	return l.DateTime(*t, tz)
}
