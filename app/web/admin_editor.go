package web

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/pricing"
	"github.com/admit/admit/app/ticketing"
)

// The event editor: every field of the events API, its sessions (moved,
// added, removed after a preview of the mail they send), its tiers and
// promo codes, and cancelling after a confirmation. Each form goes through
// the same ticketing calls as the API; each result is a flash message after
// a redirect, each error is shown next to the input that caused it.

// editForm is the editor's form of an event's fields, as typed.
type editForm struct {
	eventForm
	Slug, RefundPolicy, JoinURL, CancelRefundHours string
	// RecordingPrice is the replay's price (empty: the event's price).
	RecordingPrice string
	// RemindersMode is default (the configured offsets), none or custom
	// (Reminders, such as "24h, 1h").
	RemindersMode, Reminders string
	Approval                 bool
}

// tierForm and promoForm are the "add a tier" and "add a code" forms.
type tierForm struct{ Name, Amount, Quantity, ExpiresAt string }

type promoForm struct {
	Code string
	// Kind is percent or amount; Value its number.
	Kind, Value, MaxUses, ExpiresAt string
}

// tierRow is a tier with its seats: Paid and Held now (Sold is both), Left
// of its quantity (nil: no limit).
type tierRow struct {
	model.Tier
	Paid, Held int64
	Left       *int64
	Expired    bool
}

// promoRow is a promo code with its uses left (nil: no limit).
type promoRow struct {
	model.Promo
	UsesLeft *int64
	Expired  bool
}

// currencyLimit is a currency's range of ticket prices, as shown.
type currencyLimit struct {
	Code, Min, Max string
	// Providers are the registered payment providers that take it.
	Providers []string
}

type editData struct {
	Event *model.Event
	// Form and Problem are the fields' form; Sessions and SessionsProblem
	// the sessions' form; Tier, Promo and theirs the add forms.
	Form            editForm
	Problem         *apiErrorBody
	Sessions        []sessionForm
	SessionsProblem *apiErrorBody
	Tiers           []tierRow
	Tier            tierForm
	TierProblem     *apiErrorBody
	Promos          []promoRow
	Promo           promoForm
	PromoProblem    *apiErrorBody
	// Other are the errors of fields that have no input of their own.
	Other      map[string]string
	Currencies []currencyLimit
	// Limit is the range of the event's currency.
	Limit currencyLimit
	// Providers are the registered payment providers, by name.
	Providers []string
	// PublicURL is the event's public page.
	PublicURL string
}

// newSessionRows is how many empty rows the sessions form adds.
const newSessionRows = 2

const localMinute = "2006-01-02T15:04"

// currencyLimits are every currency's price range, and that of code.
func currencyLimits(mods *payment.Modules, lang, code string) (all []currencyLimit, of currencyLimit) {
	for _, cur := range pricing.Codes() {
		c, _ := pricing.Lookup(cur)
		l := currencyLimit{Code: cur, Min: pricing.FormatMoney(c.Min(), cur, lang), Max: pricing.FormatMoney(c.Max(), cur, lang)}
		for _, m := range mods.All() {
			if _, ok := m.Takes(cur); ok {
				l.Providers = append(l.Providers, m.Name)
			}
		}
		all = append(all, l)
		if cur == code {
			of = l
		}
	}
	return all, of
}

// editFormOf is the form filled with the event as it is.
func (s *Server) editFormOf(e *model.Event) editForm {
	f := editForm{eventForm: eventForm{Title: e.Title, Description: e.Description, Kind: e.Kind, SeriesRegistration: e.SeriesRegistration,
		Timezone: e.Timezone, Status: e.Status, Currency: "EUR", Providers: e.Providers},
		Slug: e.Slug, RefundPolicy: e.RefundPolicy, JoinURL: e.JoinURL, Approval: e.ApprovalRequired, RemindersMode: "default"}
	if e.Capacity != nil {
		f.Capacity = strconv.FormatInt(*e.Capacity, 10)
	}
	if e.Price != nil {
		f.Amount, f.Currency = majorUnits(e.Price.Amount, e.Price.Currency), e.Price.Currency
	}
	if e.RecordingPrice != nil {
		f.RecordingPrice = majorUnits(e.RecordingPrice.Amount, e.RecordingPrice.Currency)
	}
	if e.CancelRefundHours != nil {
		f.CancelRefundHours = strconv.FormatInt(*e.CancelRefundHours, 10)
	}
	switch {
	case e.Reminders == nil:
	case len(e.Reminders) == 0:
		f.RemindersMode = "none"
	default:
		f.RemindersMode = "custom"
		var parts []string
		for _, d := range e.Reminders {
			parts = append(parts, offsetText(d))
		}
		f.Reminders = strings.Join(parts, ", ")
	}
	return f
}

// offsetText writes a reminder offset as it is typed: 24h, 90m.
func offsetText(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return fmt.Sprintf("%dm", d/time.Minute)
}

// majorUnits writes an amount as typed in a form: 1999 EUR is "19.99".
func majorUnits(amount int64, currency string) string {
	c, ok := pricing.Lookup(currency)
	if !ok || c.Exponent == 0 {
		return strconv.FormatInt(amount, 10)
	}
	return fmt.Sprintf("%d.%0*d", amount/c.Unit(), c.Exponent, amount%c.Unit())
}

// sessionRows are the event's sessions as the form's rows (times in the
// event's zone), and empty rows to add some.
func (s *Server) sessionRows(e *model.Event) []sessionForm {
	loc := s.I18n.Location(e.Timezone)
	rows := make([]sessionForm, 0, len(e.Sessions)+newSessionRows)
	for _, ss := range e.Sessions {
		rows = append(rows, sessionForm{ID: strconv.FormatInt(ss.ID, 10), StartsAt: ss.StartsAt.In(loc).Format(localMinute),
			Duration: strconv.FormatInt(ss.DurationMinutes, 10), JoinURL: ss.JoinURL})
	}
	return append(rows, make([]sessionForm, newSessionRows)...)
}

func (s *Server) adminEditEvent(c *fiber.Ctx) error {
	return s.renderEdit(c, fiber.StatusOK, &editData{})
}

// renderEdit shows the editor; the forms d does not carry are filled with
// the event as it is.
func (s *Server) renderEdit(c *fiber.Ctx, status int, d *editData) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	e, err := s.Tickets.Event(ctx, id)
	if err != nil {
		return err
	}
	d.Event = e
	if d.Problem == nil {
		d.Form = s.editFormOf(e)
	}
	if d.SessionsProblem == nil {
		d.Sessions = s.sessionRows(e)
	}
	if d.Promo.Kind == "" {
		d.Promo.Kind = "percent"
	}
	d.Currencies, d.Limit = currencyLimits(s.Tickets.Modules(), s.admin.locale(c), d.Form.Currency)
	d.Providers = s.Tickets.Modules().Names()
	d.PublicURL = "/e/" + e.Slug
	if d.Tiers, err = s.tierRows(c, e); err != nil {
		return err
	}
	promos, err := s.Tickets.Promos(ctx, id)
	if err != nil {
		return err
	}
	now := s.Now()
	for _, p := range promos {
		row := promoRow{Promo: p, Expired: p.ExpiresAt != nil && !p.ExpiresAt.After(now)}
		if p.MaxUses != nil {
			left := max(0, *p.MaxUses-p.Uses)
			row.UsesLeft = &left
		}
		d.Promos = append(d.Promos, row)
	}
	d.Other = map[string]string{}
	for _, p := range []*apiErrorBody{d.Problem, d.SessionsProblem, d.TierProblem, d.PromoProblem} {
		if p == nil {
			continue
		}
		for k, v := range p.Fields {
			if !editorField(k) {
				d.Other[k] = v
			}
		}
	}
	return s.renderAdmin(c, status, "event_edit", e.Title, d)
}

// tierRows are the event's tiers with their seats paid, held and left.
func (s *Server) tierRows(c *fiber.Ctx, e *model.Event) ([]tierRow, error) {
	tiers, err := s.Tickets.Tiers(c.UserContext(), e.ID)
	if err != nil || len(tiers) == 0 {
		return nil, err
	}
	regs, err := s.Tickets.Registrations(c.UserContext(), e.ID, model.StatusPendingPayment)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	held := map[int64]int64{}
	for _, r := range regs {
		if r.TierID != nil && r.Active(now) {
			held[*r.TierID]++
		}
	}
	out := make([]tierRow, 0, len(tiers))
	for _, t := range tiers {
		row := tierRow{Tier: t, Held: min(held[t.ID], t.Sold), Expired: t.ExpiresAt != nil && !t.ExpiresAt.After(now)}
		row.Paid = t.Sold - row.Held
		if t.Quantity != nil {
			left := max(0, *t.Quantity-t.Sold)
			row.Left = &left
		}
		out = append(out, row)
	}
	return out, nil
}

// editorField: the editor has an input for this field, which shows its
// error.
func editorField(k string) bool {
	switch k {
	case "title", "slug", "description", "refund_policy", "kind", "series_registration", "timezone", "capacity", "price.amount",
		"price.currency", "providers", "approval_required", "join_url", "status", "cancel_refund_hours", "reminders", "sessions",
		"tier.name", "tier.price.amount", "tier.quantity", "tier.expires_at",
		"promo.code", "promo.value", "promo.max_uses", "promo.expires_at", "recording_price":
		return true
	}
	return strings.HasPrefix(k, "sessions[") || strings.HasPrefix(k, "providers[")
}

// readEditForm reads the fields' form.
func readEditForm(c *fiber.Ctx) editForm {
	f := editForm{eventForm: eventForm{Providers: []string{}}}
	for _, k := range []struct {
		dst  *string
		name string
	}{{&f.Title, "title"}, {&f.Slug, "slug"}, {&f.Description, "description"}, {&f.RefundPolicy, "refund_policy"}, {&f.Kind, "kind"},
		{&f.SeriesRegistration, "series_registration"}, {&f.Timezone, "timezone"}, {&f.Capacity, "capacity"}, {&f.Amount, "amount"},
		{&f.Currency, "currency"}, {&f.Status, "status"}, {&f.JoinURL, "join_url"}, {&f.CancelRefundHours, "cancel_refund_hours"},
		{&f.RemindersMode, "reminders_mode"}, {&f.Reminders, "reminders"}, {&f.RecordingPrice, "recording_price"}} {
		*k.dst = strings.TrimSpace(c.FormValue(k.name))
	}
	f.Approval = c.FormValue("approval_required") == "on"
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		if string(k) == "providers" {
			f.Providers = append(f.Providers, string(v))
		}
	})
	return f
}

// adminSaveEvent changes the event's fields as a PATCH does (sessions
// apart: they have their own form).
func (s *Server) adminSaveEvent(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	f := readEditForm(c)
	fin, bad := s.eventInput(f.eventForm)
	in := fin.EventInput
	in.Sessions = nil
	in.Slug, in.RefundPolicy, in.JoinURL, in.ApprovalRequired = &f.Slug, &f.RefundPolicy, &f.JoinURL, &f.Approval
	in.SeriesRegistration = &f.SeriesRegistration
	providers := slices.Clone(f.Providers)
	in.Providers = &providers
	if f.Capacity == "" {
		in.Capacity = ticketing.Opt[int64]{Set: true, Null: true}
	}
	if f.Amount == "" {
		in.Price = ticketing.Opt[ticketing.MoneyInput]{Set: true, Null: true}
	}
	in.RecordingPrice = recordingPriceInput(f, bad)
	in.CancelRefundHours = ticketing.Opt[int64]{Set: true, Null: f.CancelRefundHours == ""}
	if f.CancelRefundHours != "" {
		n, err := strconv.ParseInt(f.CancelRefundHours, 10, 64)
		if err != nil {
			bad["cancel_refund_hours"] = "must be a whole number of hours, or empty"
		}
		in.CancelRefundHours.Value = n
	}
	switch f.RemindersMode {
	case "none":
		in.Reminders = ticketing.Opt[[]string]{Set: true, Value: []string{}}
	case "custom":
		var offsets []string
		for _, v := range strings.FieldsFunc(f.Reminders, func(r rune) bool { return r == ',' || r == ' ' }) {
			offsets = append(offsets, v)
		}
		if len(offsets) == 0 {
			bad["reminders"] = "give at least one offset such as 24h or 30m"
		}
		in.Reminders = ticketing.Opt[[]string]{Set: true, Value: offsets}
	default:
		in.Reminders = ticketing.Opt[[]string]{Set: true, Null: true}
	}
	show := func(status int, p *apiErrorBody) error {
		// The replay's amount and currency have one input.
		p = prefixed(p, "", map[string]string{"recording_price.amount": "recording_price", "recording_price.currency": "recording_price"})
		return s.renderEdit(c, status, &editData{Form: f, Problem: p})
	}
	return s.submitted(c, id, bad, show, "saved", func() error {
		_, err := s.Tickets.UpdateEvent(c.UserContext(), id, in)
		return err
	})
}

// recordingPriceInput reads the replay's price, in the event's currency:
// empty is the event's price (null), and an on-demand video has none.
func recordingPriceInput(f editForm, bad map[string]string) ticketing.Opt[ticketing.MoneyInput] {
	if f.RecordingPrice == "" || f.Kind == model.KindOnDemand {
		return ticketing.Opt[ticketing.MoneyInput]{Set: true, Null: true}
	}
	amount, ok := parseAmount(f.RecordingPrice, f.Currency)
	if !ok {
		bad["recording_price"] = "must be an amount such as 9.99, or empty for the event's price"
	}
	return ticketing.Opt[ticketing.MoneyInput]{Set: true, Value: ticketing.MoneyInput{Amount: &amount, Currency: f.Currency}}
}

// editDone sends back to the editor with a flash message.
func (s *Server) editDone(c *fiber.Ctx, id int64, done string) error {
	return c.Redirect(s.adminURL(c, fmt.Sprintf("/admin/events/%d/edit?done=%s", id, done)), fiber.StatusSeeOther)
}

// prefixed names a form's errors after its inputs: prefix.field, with
// rename for fields that share an input.
func prefixed(p *apiErrorBody, prefix string, rename map[string]string) *apiErrorBody {
	out := *p
	out.Fields = map[string]string{}
	for k, v := range p.Fields {
		if r, ok := rename[k]; ok {
			k = r
		}
		if prev, ok := out.Fields[prefix+k]; ok {
			v = prev + "; " + v
		}
		out.Fields[prefix+k] = v
	}
	return &out
}

// localTime reads a datetime-local input in the event's zone as RFC 3339
// (nil when empty).
func (s *Server) localTime(e *model.Event, v, field string, bad map[string]string) *string {
	if v == "" {
		return nil
	}
	t, err := time.ParseInLocation(localMinute, v, s.I18n.Location(e.Timezone))
	if err != nil {
		bad[field] = "must be a date and time"
		return nil
	}
	out := t.Format(time.RFC3339)
	return &out
}

// wholeNumber reads an optional whole number (nil when empty).
func wholeNumber(v, field string, bad map[string]string) *int64 {
	if v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		bad[field] = "must be a whole number"
		return nil
	}
	return &n
}

// editFailed shows the editor again with a form's error, or lets an
// unknown error through.
func (s *Server) editFailed(c *fiber.Ctx, err error, show func(status int, p *apiErrorBody) error) error {
	status, body, known := classify(err)
	if !known {
		return err
	}
	return show(status, &body)
}

// adminAddTier adds a tier as POST /api/v1/events/{id}/tiers does.
func (s *Server) adminAddTier(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	e, err := s.Tickets.Event(c.UserContext(), id)
	if err != nil {
		return err
	}
	f := tierForm{Name: strings.TrimSpace(c.FormValue("tier_name")), Amount: strings.TrimSpace(c.FormValue("tier_amount")),
		Quantity: strings.TrimSpace(c.FormValue("tier_quantity")), ExpiresAt: strings.TrimSpace(c.FormValue("tier_expires_at"))}
	show := func(status int, p *apiErrorBody) error {
		p = prefixed(p, "tier.", map[string]string{"price": "price.amount", "price.currency": "price.amount"})
		return s.renderEdit(c, status, &editData{Tier: f, TierProblem: p})
	}
	bad := map[string]string{}
	in := ticketing.TierInput{Name: f.Name, Quantity: wholeNumber(f.Quantity, "quantity", bad), ExpiresAt: s.localTime(e, f.ExpiresAt, "expires_at", bad)}
	in.Amount = eventAmount(e, f.Amount, "price.amount", bad)
	return s.submitted(c, id, bad, show, "tier_added", func() error {
		_, err := s.Tickets.AddTier(c.UserContext(), id, in)
		return err
	})
}

// adminAddPromo adds a promo code as POST /api/v1/events/{id}/promo_codes
// does.
func (s *Server) adminAddPromo(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	e, err := s.Tickets.Event(c.UserContext(), id)
	if err != nil {
		return err
	}
	f := promoForm{Code: strings.TrimSpace(c.FormValue("promo_code")), Kind: c.FormValue("promo_kind"), Value: strings.TrimSpace(c.FormValue("promo_value")),
		MaxUses: strings.TrimSpace(c.FormValue("promo_max_uses")), ExpiresAt: strings.TrimSpace(c.FormValue("promo_expires_at"))}
	show := func(status int, p *apiErrorBody) error {
		p = prefixed(p, "promo.", map[string]string{"percent_off": "value", "amount_off": "value"})
		return s.renderEdit(c, status, &editData{Promo: f, PromoProblem: p})
	}
	bad := map[string]string{}
	in := ticketing.PromoInput{Code: f.Code, MaxUses: wholeNumber(f.MaxUses, "max_uses", bad), ExpiresAt: s.localTime(e, f.ExpiresAt, "expires_at", bad)}
	if f.Kind == "amount" {
		in.AmountOff = eventAmount(e, f.Value, "value", bad)
	} else {
		in.PercentOff = wholeNumber(f.Value, "value", bad)
	}
	return s.submitted(c, id, bad, show, "promo_added", func() error {
		_, err := s.Tickets.AddPromo(c.UserContext(), id, in)
		return err
	})
}

// eventAmount reads an optional amount in the event's currency (nil when
// empty).
func eventAmount(e *model.Event, v, field string, bad map[string]string) *int64 {
	if v == "" {
		return nil
	}
	currency := ""
	if e.Price != nil {
		currency = e.Price.Currency
	}
	n, ok := parseAmount(v, currency)
	if !ok {
		bad[field] = "must be an amount such as 19.99"
	}
	return &n
}

// submitted ends a form of the editor: the form's own mistakes, else what
// the service (do) answers, shown by show; else back to the editor with
// the flash message done.
func (s *Server) submitted(c *fiber.Ctx, id int64, bad map[string]string, show func(int, *apiErrorBody) error, done string, do func() error) error {
	if len(bad) > 0 {
		return show(fiber.StatusUnprocessableEntity, &apiErrorBody{Code: "validation", Fields: bad})
	}
	if err := do(); err != nil {
		return s.editFailed(c, err, show)
	}
	return s.editDone(c, id, done)
}

// adminDeleteTier and adminDeletePromo delete as the API's DELETE does.
func (s *Server) adminDeleteTier(c *fiber.Ctx) error {
	return s.adminDelete(c, "tier", "tier_deleted", s.Tickets.DeleteTier)
}

func (s *Server) adminDeletePromo(c *fiber.Ctx) error {
	return s.adminDelete(c, "promo", "promo_deleted", s.Tickets.DeletePromo)
}

func (s *Server) adminDelete(c *fiber.Ctx, param, done string, del func(ctx context.Context, eventID, id int64) error) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	oid, err := idParam(c, param)
	if err != nil {
		return err
	}
	if err := del(c.UserContext(), id, oid); err != nil {
		return err
	}
	return s.editDone(c, id, done)
}
