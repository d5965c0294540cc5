package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
)

// decodeJSON reads the request body into v. Malformed JSON is a 422
// invalid_json; a value of the wrong type is a 422 validation that names the
// field.
func decodeJSON(c *fiber.Ctx, v any) error {
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	if ct != "" && !strings.HasPrefix(ct, fiber.MIMEApplicationJSON) {
		return &model.Problem{Err: model.ErrValidation, Code: "unsupported_media_type",
			Message: "Send the body as JSON with Content-Type: application/json."}
	}
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return malformed("the body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := te.Field
			if field == "" {
				return malformed("the body must be a JSON object")
			}
			return model.Invalid(map[string]string{field: "must be " + jsonKind(te.Type.String(), te.Value)})
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return malformed(fmt.Sprintf("the body is not valid JSON (at byte %d: %v)", se.Offset, se))
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return malformed("the body is not valid JSON (it ends too early)")
		}
		return malformed("the body is not valid JSON: " + err.Error())
	}
	if dec.More() {
		return malformed("the body must hold one JSON object")
	}
	return nil
}

func malformed(msg string) error {
	return &model.Problem{Err: model.ErrValidation, Code: "invalid_json", Message: "Malformed request: " + msg + "."}
}

// jsonKind names the type a field should have, in words.
func jsonKind(goType, got string) string {
	want := "of another type"
	switch {
	case strings.Contains(goType, "int"):
		want = "a whole number"
		if got == "number" {
			want += " (amounts are integers in minor units: 1999 = 19.99)"
		}
	case strings.Contains(goType, "string"):
		want = "a string"
	case strings.Contains(goType, "bool"):
		want = "true or false"
	case strings.HasPrefix(goType, "[]"):
		want = "a list"
	case strings.Contains(goType, "Input") || strings.HasPrefix(goType, "map"):
		want = "an object"
	}
	return fmt.Sprintf("%s, not %s", want, got)
}

// list is the shape of every list answer.
type list[T any] struct {
	Items []T `json:"items"`
}

type moneyJSON struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

type sessionJSON struct {
	ID              int64     `json:"id"`
	StartsAt        time.Time `json:"starts_at"`
	EndsAt          time.Time `json:"ends_at"`
	DurationMinutes int64     `json:"duration_minutes"`
	JoinURL         *string   `json:"join_url,omitempty"`
	SeatsLeft       *int64    `json:"seats_left,omitempty"`
}

type eventJSON struct {
	ID                 int64         `json:"id"`
	Slug               string        `json:"slug"`
	Title              string        `json:"title"`
	Description        string        `json:"description"`
	RefundPolicy       string        `json:"refund_policy"`
	Kind               string        `json:"kind"`
	SeriesRegistration string        `json:"series_registration"`
	Timezone           string        `json:"timezone"`
	Capacity           *int64        `json:"capacity"`
	Price              *moneyJSON    `json:"price"`
	RecordingPrice     *moneyJSON    `json:"recording_price"`
	Providers          []string      `json:"providers"`
	ApprovalRequired   bool          `json:"approval_required"`
	JoinURL            *string       `json:"join_url,omitempty"`
	Status             string        `json:"status"`
	CancelMessage      string        `json:"cancel_message,omitempty"`
	CancelRefundHours  *int64        `json:"cancel_refund_hours"`
	Reminders          []string      `json:"reminders"`
	URL                string        `json:"url"`
	Sessions           []sessionJSON `json:"sessions"`
	CreatedAt          *time.Time    `json:"created_at,omitempty"`
	UpdatedAt          *time.Time    `json:"updated_at,omitempty"`
	// RecordingsBytes is the storage the event's recordings use (admin).
	RecordingsBytes *int64 `json:"recordings_bytes,omitempty"`
	// EmbedSnippet is the iframe that shows the form on another site
	// (admin; embed.go).
	EmbedSnippet string `json:"embed_snippet,omitempty"`
}

// eventView is an event as JSON; admin views carry the room links and
// timestamps, public ones do not.
func (s *Server) eventView(e *model.Event, admin bool) eventJSON {
	return eventView(e, admin, s.Tickets.PublicURL())
}

// eventView is Server.eventView with the base of the event's page given.
func eventView(e *model.Event, admin bool, publicURL string) eventJSON {
	v := eventJSON{
		ID: e.ID, Slug: e.Slug, Title: e.Title, Description: e.Description, RefundPolicy: e.RefundPolicy,
		Kind: e.Kind, SeriesRegistration: e.SeriesRegistration, Timezone: e.Timezone, Capacity: e.Capacity,
		Providers: e.Providers, ApprovalRequired: e.ApprovalRequired, Status: e.Status,
		CancelMessage: e.CancelMessage, CancelRefundHours: e.CancelRefundHours, URL: publicURL + "/e/" + e.Slug,
		Sessions: make([]sessionJSON, 0, len(e.Sessions)),
	}
	if e.Reminders != nil {
		v.Reminders = make([]string, len(e.Reminders))
		for i, d := range e.Reminders {
			v.Reminders[i] = formatOffset(d)
		}
	}
	if e.Price != nil {
		v.Price = &moneyJSON{Amount: e.Price.Amount, Currency: e.Price.Currency}
	}
	if e.RecordingPrice != nil {
		v.RecordingPrice = &moneyJSON{Amount: e.RecordingPrice.Amount, Currency: e.RecordingPrice.Currency}
	}
	if admin {
		join := e.JoinURL
		v.JoinURL = &join
		created, updated := e.CreatedAt, e.UpdatedAt
		v.CreatedAt, v.UpdatedAt = &created, &updated
		used := e.Recordings.Bytes
		v.RecordingsBytes = &used
		v.EmbedSnippet = embedSnippet(e, publicURL)
	}
	for _, ss := range e.Sessions {
		sj := sessionJSON{ID: ss.ID, StartsAt: ss.StartsAt, EndsAt: ss.EndsAt(), DurationMinutes: ss.DurationMinutes}
		if admin {
			join := ss.JoinURL
			sj.JoinURL = &join
		}
		v.Sessions = append(v.Sessions, sj)
	}
	return v
}

type registrationJSON struct {
	ID             int64  `json:"id"`
	EventID        int64  `json:"event_id"`
	SessionID      *int64 `json:"session_id"`
	Name           string `json:"name"`
	Email          string `json:"email"`
	Status         string `json:"status"`
	Role           string `json:"role"`
	Locale         string `json:"locale"`
	Amount         int64  `json:"amount"`
	AmountPaid     int64  `json:"amount_paid"`
	AmountRefunded int64  `json:"amount_refunded"`
	Currency       string `json:"currency"`
	// PaidCurrency is the currency of amount_paid and amount_refunded once
	// a payment is recorded: currency, unless the payment came in another
	// one (it is then refunded).
	PaidCurrency string     `json:"paid_currency,omitempty"`
	Tier         string     `json:"tier"`
	PromoCode    string     `json:"promo_code"`
	Provider     string     `json:"provider"`
	ServiceFee   int64      `json:"service_fee"`
	PaymentID    string     `json:"payment_id,omitempty"`
	PaidAt       *time.Time `json:"paid_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	// Views counts the times a device started watching one of its
	// recordings (in the registrations list only).
	Views *int64 `json:"views,omitempty"`
	// Authorization is the payment held for the organizer's decision.
	Authorization *authorizationJSON `json:"authorization,omitempty"`
	// RefundOwed is money the organizer owes back by their own means (the
	// provider cannot refund: a bank transfer), until they mark it refunded.
	RefundOwed *refundOwedJSON `json:"refund_owed,omitempty"`
}

// refundOwedJSON is a refund owed by hand: method is "manual".
type refundOwedJSON struct {
	Method   string `json:"method"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

func registrationView(r *model.Registration) registrationJSON {
	return registrationJSON{
		ID: r.ID, EventID: r.EventID, SessionID: r.SessionID, Name: r.Name, Email: r.Email, Status: r.Status,
		Role: r.Role, Locale: r.Locale, Amount: r.Amount, AmountPaid: r.AmountPaid, AmountRefunded: r.AmountRefunded,
		Currency: r.Currency, PaidCurrency: r.PaidCurrency, Tier: r.Tier, PromoCode: r.PromoCode, Provider: r.Provider, ServiceFee: r.ServiceFee,
		PaymentID: r.PaymentID, PaidAt: r.PaidAt,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Authorization: authorizationView(r.Authorization),
		RefundOwed: refundOwedView(r),
	}
}

func refundOwedView(r *model.Registration) *refundOwedJSON {
	if r.RefundOwed <= 0 {
		return nil
	}
	return &refundOwedJSON{Method: model.RefundManual, Amount: r.RefundOwed, Currency: r.MoneyCurrency()}
}

// formatOffset writes a reminder offset as it is given: "24h", "1h30m", "45m".
func formatOffset(d time.Duration) string {
	h, m := int64(d/time.Hour), int64(d%time.Hour/time.Minute)
	switch {
	case m == 0:
		return fmt.Sprintf("%dh", h)
	case h == 0:
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%dh%dm", h, m)
}
