package ticketing

import (
	"bytes"
	"encoding/json"
)

// Opt is a JSON field that may be absent, null, or set: PATCH needs all
// three (capacity null means unlimited, absent means unchanged).
type Opt[T any] struct {
	Set   bool // present in the JSON
	Null  bool // present and null
	Value T
}

// UnmarshalJSON records presence and null.
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// MoneyInput is a price as sent by an organizer.
type MoneyInput struct {
	Amount   *int64 `json:"amount"`
	Currency string `json:"currency"`
}

// SessionInput is a session as sent by an organizer; ID set in a PATCH
// updates that session.
type SessionInput struct {
	ID              *int64  `json:"id"`
	StartsAt        *string `json:"starts_at"`
	DurationMinutes *int64  `json:"duration_minutes"`
	JoinURL         *string `json:"join_url"`
}

// EventInput is the body of POST and PATCH /api/v1/events.
type EventInput struct {
	Title              *string         `json:"title"`
	Slug               *string         `json:"slug"`
	Description        *string         `json:"description"`
	RefundPolicy       *string         `json:"refund_policy"`
	Kind               *string         `json:"kind"`
	SeriesRegistration *string         `json:"series_registration"`
	Timezone           *string         `json:"timezone"`
	Capacity           Opt[int64]      `json:"capacity"`
	Price              Opt[MoneyInput] `json:"price"`
	// RecordingPrice is what the recording sells for once the last
	// session is over: null or absent, the event's price.
	RecordingPrice    Opt[MoneyInput] `json:"recording_price"`
	Providers         *[]string       `json:"providers"`
	ApprovalRequired  *bool           `json:"approval_required"`
	JoinURL           *string         `json:"join_url"`
	Sessions          *[]SessionInput `json:"sessions"`
	Status            *string         `json:"status"`
	CancelRefundHours Opt[int64]      `json:"cancel_refund_hours"`
	// Reminders: null, the configured offsets; [], none; or offsets such
	// as "24h", "30m".
	Reminders Opt[[]string] `json:"reminders"`
	// OwnerID is the user who creates the event (set by the server, never
	// read from the body; 0: nobody, only admins see it).
	OwnerID int64 `json:"-"`
}

// RegisterInput is the body of a public registration.
type RegisterInput struct {
	Name      string `json:"name"`
	Email     string `json:"email"`
	SessionID *int64 `json:"session_id"`
	PromoCode string `json:"promo_code"`
	Provider  string `json:"provider"`
	Locale    string `json:"locale"`
	// offered: the registrant claims a waiting-list offer, whose seat was
	// held for them.
	offered bool
	// ClientIP is the client's address (an IPv6 client's /64 network), set
	// by the server, never read from the body: it counts the client's
	// unpaid holds.
	ClientIP string `json:"-"`
}
