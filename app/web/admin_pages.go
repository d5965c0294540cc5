package web

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/pricing"
	"github.com/admit/admit/app/ticketing"
)

// The admin pages: each handler reads through, or acts through, the same
// ticketing methods as the JSON API.

// eventSummary is an event with what it has sold.
type eventSummary struct {
	Event *model.Event
	// Sold counts the attendees holding a seat.
	Sold int
	// Next is the next session that has not ended (nil: none).
	Next *model.Session
}

// revenue is what a currency brought in: paid, refunded, what the
// providers kept and the service fees recorded, and what is left.
type revenue struct {
	Currency string
	Paid     int64
	Refunded int64
	// ProviderFees are the fees the providers said they kept, in this
	// currency (Stripe states its fee in the account's settlement
	// currency, which can be another than the payment's).
	ProviderFees int64
	// ServiceFees are the service fees recorded with the payments.
	ServiceFees int64
	// Net is Paid - Refunded - ProviderFees - ServiceFees.
	Net int64
}

// recentRegistration is a registration with its event's title.
type recentRegistration struct {
	*model.Registration
	Event *model.Event
}

type dashboardData struct {
	Events  []eventSummary
	Revenue []revenue
	// FeesPending counts the payments whose provider fee is not known
	// (yet): the revenue leaves them out.
	FeesPending int
	Recent      []recentRegistration
	// All is every registration, newest first.
	All []recentRegistration
}

// dashboard reads every event and its registrations (an appliance's few
// hundred), and sums them up.
func (s *Server) dashboard(c *fiber.Ctx) (*dashboardData, error) {
	evs, err := s.visibleEvents(c)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	d := &dashboardData{}
	money := map[string]*revenue{}
	in := func(cur string) *revenue {
		m := money[cur]
		if m == nil {
			m = &revenue{Currency: cur}
			money[cur] = m
		}
		return m
	}
	for _, e := range evs {
		regs, err := s.Tickets.Registrations(c.UserContext(), e.ID, "")
		if err != nil {
			return nil, err
		}
		fees, err := s.Tickets.Fees(c.UserContext(), e.ID)
		if err != nil {
			return nil, err
		}
		sum := eventSummary{Event: e}
		for i := range e.Sessions {
			if e.Sessions[i].EndsAt().After(now) {
				sum.Next = &e.Sessions[i]
				break
			}
		}
		for _, r := range regs {
			if r.Role == model.RoleAttendee && r.Active(now) {
				sum.Sold++
			}
			if r.AmountPaid > 0 {
				m := in(r.MoneyCurrency())
				m.Paid += r.AmountPaid
				m.Refunded += r.AmountRefunded
				m.ServiceFees += r.ServiceFee
				m.Net += r.AmountPaid - r.AmountRefunded - r.ServiceFee
				if f, ok := fees[r.ID]; ok && f.Known() {
					if f.Amount != 0 { // a zero fee in another currency adds no row
						fm := in(f.Currency)
						fm.ProviderFees += f.Amount
						fm.Net -= f.Amount
					}
				} else {
					d.FeesPending++
				}
			}
			d.Recent = append(d.Recent, recentRegistration{Registration: r, Event: e})
		}
		d.Events = append(d.Events, sum)
	}
	for _, m := range money {
		d.Revenue = append(d.Revenue, *m)
	}
	slices.SortFunc(d.Revenue, func(a, b revenue) int { return strings.Compare(a.Currency, b.Currency) })
	slices.SortStableFunc(d.Recent, func(a, b recentRegistration) int { return b.CreatedAt.Compare(a.CreatedAt) })
	d.All = d.Recent
	d.Recent = d.Recent[:min(len(d.Recent), 10)]
	return d, nil
}

func (s *Server) adminT(c *fiber.Ctx, id string) string { return s.I18n.T(s.admin.locale(c), id, nil) }

// eventForm is the "new event" form as typed, kept to show it again.
type eventForm struct {
	Title, Description, Kind, SeriesRegistration, Timezone, Capacity, Amount, Currency, Status string
	Providers                                                                                  []string
	Sessions                                                                                   []sessionForm
}

// sessionForm is a session row of a form. ID and JoinURL are the editor's
// (an existing session, its own room); Remove ticks it off.
type sessionForm struct {
	ID, StartsAt, Duration, JoinURL string
	Remove                          bool
}

// sessionRows is how many sessions the form offers (empty rows are left out).
const sessionRows = 3

type eventsData struct {
	Events  []eventSummary
	Form    eventForm
	Problem *apiErrorBody
	// Currencies are the price ranges of every currency, Limit that of the
	// form's.
	Currencies []currencyLimit
	Limit      currencyLimit
	// Providers are the registered payment providers, by name.
	Providers []string
	// Other are the errors of fields that have no input of their own.
	Other map[string]string
}

func newEventForm() eventForm {
	return eventForm{Kind: model.KindLive, SeriesRegistration: model.SeriesAll, Timezone: "UTC", Currency: "EUR",
		Status: model.EventDraft, Sessions: make([]sessionForm, sessionRows)}
}

func (s *Server) adminEvents(c *fiber.Ctx) error {
	return s.renderEvents(c, fiber.StatusOK, newEventForm(), nil)
}

func (s *Server) renderEvents(c *fiber.Ctx, status int, f eventForm, problem *apiErrorBody) error {
	d, err := s.dashboard(c)
	if err != nil {
		return err
	}
	data := eventsData{Events: d.Events, Form: f, Problem: problem}
	data.Currencies, data.Limit = currencyLimits(s.Tickets.Modules(), s.admin.locale(c), f.Currency)
	data.Providers = s.Tickets.Modules().Names()
	if problem != nil {
		data.Other = map[string]string{}
		for k, v := range problem.Fields {
			if !shownEventField(k) {
				data.Other[k] = v
			}
		}
	}
	return s.renderAdmin(c, status, "events", s.adminT(c, "admin.nav.events"), data)
}

// shownEventField: the form has an input for this field, which shows its error.
func shownEventField(k string) bool {
	switch k {
	case "title", "description", "kind", "series_registration", "timezone", "capacity", "price.amount", "price.currency",
		"status", "providers", "sessions":
		return true
	}
	return strings.HasPrefix(k, "sessions[") || strings.HasPrefix(k, "providers[")
}

// adminCreateEvent turns the form into the API's EventInput and creates
// the event through the same service call as POST /api/v1/events.
func (s *Server) adminCreateEvent(c *fiber.Ctx) error {
	f := newEventForm()
	for _, k := range []struct {
		dst  *string
		name string
	}{{&f.Title, "title"}, {&f.Description, "description"}, {&f.Kind, "kind"}, {&f.SeriesRegistration, "series_registration"},
		{&f.Timezone, "timezone"}, {&f.Capacity, "capacity"}, {&f.Amount, "amount"}, {&f.Currency, "currency"}, {&f.Status, "status"}} {
		*k.dst = strings.TrimSpace(c.FormValue(k.name))
	}
	for i := range f.Sessions {
		f.Sessions[i] = sessionForm{StartsAt: strings.TrimSpace(c.FormValue(fmt.Sprintf("starts_at_%d", i))),
			Duration: strings.TrimSpace(c.FormValue(fmt.Sprintf("duration_%d", i)))}
	}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		if string(k) == "providers" {
			f.Providers = append(f.Providers, string(v))
		}
	})
	in, bad := s.eventInput(f)
	if len(bad) > 0 {
		return s.renderEvents(c, fiber.StatusUnprocessableEntity, f, &apiErrorBody{Code: "validation", Fields: bad})
	}
	in.OwnerID = callerID(c)
	e, err := s.Tickets.CreateEvent(c.UserContext(), in.EventInput)
	if err != nil {
		status, body, known := classify(err)
		if !known {
			return err
		}
		body.Fields = in.rowFields(body.Fields)
		return s.renderEvents(c, status, f, &body)
	}
	return c.Redirect(s.adminURL(c, fmt.Sprintf("/admin/events/%d?done=created", e.ID)), fiber.StatusSeeOther)
}

// formEventInput is an EventInput with, for each session sent, the form
// row it came from.
type formEventInput struct {
	ticketing.EventInput
	rows []int
}

// rowFields renames the service's sessions[i].x errors after the form's rows.
func (in formEventInput) rowFields(fields map[string]string) map[string]string {
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		for i, row := range in.rows {
			if p := fmt.Sprintf("sessions[%d]", i); strings.HasPrefix(k, p+".") {
				k = fmt.Sprintf("sessions[%d]", row) + strings.TrimPrefix(k, p)
				break
			}
		}
		out[k] = v
	}
	return out
}

// eventInput reads what only the form can get wrong (numbers, decimal
// prices, local times); the service checks the rest.
func (s *Server) eventInput(f eventForm) (formEventInput, map[string]string) {
	bad := map[string]string{}
	in := formEventInput{}
	e := &in.EventInput
	e.Title, e.Description, e.Kind, e.Timezone, e.Status = &f.Title, &f.Description, &f.Kind, &f.Timezone, &f.Status
	if f.Kind == model.KindSeries {
		e.SeriesRegistration = &f.SeriesRegistration
	}
	if f.Capacity != "" {
		n, err := strconv.ParseInt(f.Capacity, 10, 64)
		if err != nil {
			bad["capacity"] = "must be a whole number, or empty for no limit"
		}
		e.Capacity = ticketing.Opt[int64]{Set: true, Value: n}
	}
	if f.Amount != "" {
		amount, ok := parseAmount(f.Amount, f.Currency)
		if !ok {
			bad["price.amount"] = "must be an amount such as 19.99"
		}
		e.Price = ticketing.Opt[ticketing.MoneyInput]{Set: true, Value: ticketing.MoneyInput{Amount: &amount, Currency: f.Currency}}
	}
	if len(f.Providers) > 0 { // none ticked: every connected provider
		providers := slices.Clone(f.Providers)
		e.Providers = &providers
	}
	var sessions []ticketing.SessionInput
	sessions, in.rows = sessionInputs(s.I18n.Location(f.Timezone), f.Sessions, bad)
	if f.Kind != model.KindOnDemand || len(sessions) > 0 {
		e.Sessions = &sessions
	}
	return in, bad
}

// sessionInputs reads a form's session rows (times in the event's zone,
// loc), leaving out empty and removed ones, and the row each came from.
// What only the form can get wrong goes into bad.
func sessionInputs(loc *time.Location, rows []sessionForm, bad map[string]string) ([]ticketing.SessionInput, []int) {
	sessions, from := []ticketing.SessionInput{}, []int{}
	for row, sf := range rows {
		if sf.Remove || sf.StartsAt == "" && sf.Duration == "" && sf.ID == "" {
			continue
		}
		name := fmt.Sprintf("sessions[%d]", row)
		var si ticketing.SessionInput
		if sf.ID != "" { // an existing session: its room may be cleared
			id, err := strconv.ParseInt(sf.ID, 10, 64)
			if err != nil {
				bad[name+".id"] = "is not a session of this event"
			}
			join := sf.JoinURL
			si.ID, si.JoinURL = &id, &join
		} else if sf.JoinURL != "" {
			join := sf.JoinURL
			si.JoinURL = &join
		}
		if sf.StartsAt != "" {
			t, err := time.ParseInLocation("2006-01-02T15:04", sf.StartsAt, loc)
			if err != nil {
				bad[name+".starts_at"] = "must be a date and time"
			}
			v := t.Format(time.RFC3339)
			si.StartsAt = &v
		}
		if sf.Duration != "" {
			n, err := strconv.ParseInt(sf.Duration, 10, 64)
			if err != nil {
				bad[name+".duration_minutes"] = "must be a whole number of minutes"
			}
			si.DurationMinutes = &n
		}
		sessions = append(sessions, si)
		from = append(from, row)
	}
	return sessions, from
}

// parseAmount reads a price in major units ("19.99", "19,99", "20") into
// minor units of the currency.
func parseAmount(v, currency string) (int64, bool) {
	cur, ok := pricing.Lookup(currency)
	if !ok {
		cur = pricing.Currency{Exponent: 2}
	}
	v = strings.ReplaceAll(v, ",", ".")
	whole, frac, _ := strings.Cut(v, ".")
	if whole == "" || len(frac) > cur.Exponent || strings.ContainsAny(whole+frac, "+-") {
		return 0, false
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > 1e12 {
		return 0, false
	}
	frac += strings.Repeat("0", cur.Exponent-len(frac))
	f := int64(0)
	if frac != "" {
		if f, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return 0, false
		}
	}
	return w*cur.Unit() + f, true
}

type eventPageAdmin struct {
	Event *model.Event
	// Add is the "add someone" form as typed, AddProblem its errors.
	Add           addForm
	AddProblem    *apiErrorBody
	Summary       eventSummary
	Registrations []*model.Registration
	Problem       *apiErrorBody
	// FailedID is the registration whose action failed (its row shows why).
	FailedID int64
	Now      time.Time
	// Attended are the sessions each registration joined.
	Attended map[int64][]model.Attendance
	// Fees are the provider fees of the payments, by registration.
	Fees map[int64]model.ProviderFee
	// Team is who runs the event: its owner and co-organizers.
	Team *ticketing.Team
	// Rec is the recordings section.
	Rec recordingsSection
	// Table is the registrants as the query asks (admin_registrants.go).
	Table registrantTable
	// FollowUp is the follow-up form, FollowUpProblem its errors
	// (admin_followup.go).
	FollowUp        followUpForm
	FollowUpProblem *apiErrorBody
	// Embed is the snippet that shows the form on another site (embed.go).
	Embed embedSection
}

// addForm is the "add a panelist or co-organizer" form.
type addForm struct{ Name, Email, Role string }

func (s *Server) adminEvent(c *fiber.Ctx) error {
	return s.renderAdminEvent(c, fiber.StatusOK, 0, 0, nil)
}

func (s *Server) renderAdminEvent(c *fiber.Ctx, status int, id, failedID int64, problem *apiErrorBody) error {
	if id == 0 {
		var err error
		if id, err = idParam(c, "id"); err != nil {
			return err
		}
	}
	e, err := s.Tickets.Event(c.UserContext(), id)
	if err != nil {
		return err
	}
	regs, err := s.Tickets.Registrations(c.UserContext(), id, "")
	if err != nil {
		return err
	}
	att, err := s.Tickets.Attendance(c.UserContext(), id)
	if err != nil {
		return err
	}
	fees, err := s.Tickets.Fees(c.UserContext(), id)
	if err != nil {
		return err
	}
	d := eventPageAdmin{Event: e, Registrations: regs, Attended: att, Fees: fees, Problem: problem, FailedID: failedID, Now: s.Now(), Summary: eventSummary{Event: e},
		Add: addForm{Role: model.RolePanelist}, Embed: embedSection{Snippet: embedSnippet(e, s.Tickets.PublicURL()), Origins: s.FrameAncestors}}
	if c.Method() == fiber.MethodPost && strings.HasSuffix(c.Path(), "/registrations") {
		d.Add = addForm{Name: c.FormValue("name"), Email: c.FormValue("email"), Role: c.FormValue("role")}
		d.AddProblem = problem
	}
	for _, r := range regs {
		if r.Role == model.RoleAttendee && r.Active(d.Now) {
			d.Summary.Sold++
		}
	}
	if d.Team, err = s.Tickets.EventTeam(c.UserContext(), id); err != nil {
		return err
	}
	followUpOf(c, &d)
	if err := s.recordingsOf(c, &d); err != nil {
		return err
	}
	if d.Table, err = s.registrantTableOf(c, id, regs); err != nil {
		return err
	}
	return s.renderAdmin(c, status, "event", e.Title, d)
}

// adminActionResult shows the outcome of an action on an event's page: a
// redirect with a flash message, or the page again with the error.
// failedID names the registration acted on (0: the event).
func (s *Server) adminActionResult(c *fiber.Ctx, eventID, failedID int64, done string, err error) error {
	if err != nil {
		status, body, known := classify(err)
		if !known {
			return err
		}
		return s.renderAdminEvent(c, status, eventID, failedID, &body)
	}
	return c.Redirect(s.adminURL(c, fmt.Sprintf("/admin/events/%d?done=%s", eventID, done)), fiber.StatusSeeOther)
}

// adminAddRegistration adds a panelist or co-organizer (who never pay), as
// POST /api/v1/events/{id}/registrations does.
func (s *Server) adminAddRegistration(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := ticketing.RegisterInput{Name: strings.TrimSpace(c.FormValue("name")), Email: strings.TrimSpace(c.FormValue("email")),
		Locale: s.admin.locale(c)}
	_, err = s.Tickets.AddRegistration(c.UserContext(), id, in, c.FormValue("role"))
	return s.adminActionResult(c, id, 0, "added", err)
}

// adminEventStatus publishes or unpublishes the event, as a PATCH of its
// status does.
func (s *Server) adminEventStatus(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	status := c.FormValue("status")
	_, err = s.Tickets.UpdateEvent(c.UserContext(), id, ticketing.EventInput{Status: &status})
	return s.adminActionResult(c, id, 0, status, err)
}
