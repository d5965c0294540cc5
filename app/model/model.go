// Package model holds Admit's entities, enums and sentinel errors. It imports
// only the standard library so that every other package can depend on it.
package model

import (
	"errors"
	"time"
)

// Sentinel errors shared by every layer; app/web turns them into HTTP answers.
var (
	ErrNotFound          = errors.New("not found")
	ErrSoldOut           = errors.New("sold out")
	ErrAlreadyRegistered = errors.New("already registered")
	ErrClosed            = errors.New("registration closed")
	ErrProviderMissing   = errors.New("provider unavailable")
	ErrProviderFailed    = errors.New("payment provider error")
	ErrConflict          = errors.New("conflict")
	ErrUnauthorized      = errors.New("unauthorized")
	ErrForbidden         = errors.New("forbidden")
	// ErrStorageFull: there is no room left to keep a file.
	ErrStorageFull = errors.New("storage full")
	// ErrSeatsAvailable: a waiting list was asked for while seats are free.
	ErrSeatsAvailable = errors.New("seats available")
	// ErrAlreadyWaiting: the email already has a place on the waiting list.
	ErrAlreadyWaiting = errors.New("already on the waiting list")
	// ErrGone: a link that worked once and no longer does (an expired or
	// used waiting-list offer).
	ErrGone = errors.New("gone")
	// ErrRateLimited: a per-client limit was reached; Problem.RetryAfter
	// says when to try again.
	ErrRateLimited = errors.New("rate limited")
	// ErrBadSignature: a webhook no connected provider can verify, or
	// whose signature is missing, wrong or stale. Nothing was changed.
	ErrBadSignature = errors.New("bad webhook signature")
)

// Event kinds.
const (
	KindLive     = "live"
	KindSeries   = "series"
	KindOnDemand = "on_demand"
)

// Series registration modes.
const (
	SeriesAll        = "all"
	SeriesIndividual = "individual"
)

// Event statuses.
const (
	EventDraft     = "draft"
	EventPublished = "published"
	EventCancelled = "cancelled"
)

// Registration statuses (docs/API.md, "Registration statuses").
const (
	StatusPendingPayment    = "pending_payment"
	StatusPendingApproval   = "pending_approval"
	StatusConfirmed         = "confirmed"
	StatusRejected          = "rejected"
	StatusCancelled         = "cancelled"
	StatusRefunded          = "refunded"
	StatusPartiallyRefunded = "partially_refunded"
	StatusExpired           = "expired"
)

// Registration roles.
const (
	RoleAttendee    = "attendee"
	RolePanelist    = "panelist"
	RoleCoOrganizer = "co_organizer"
)

// Money is an amount in the currency's minor unit. No floating point.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Event is a webinar, a series or an on-demand video.
type Event struct {
	ID                 int64
	Slug               string
	Title              string
	Description        string
	RefundPolicy       string
	Kind               string
	SeriesRegistration string
	Timezone           string
	Capacity           *int64 // nil = unlimited
	Price              *Money // nil = free
	Providers          []string
	ApprovalRequired   bool
	JoinURL            string
	Status             string
	CancelMessage      string
	// CancelRefundHours: nil, a registrant who cancels is not refunded
	// automatically; N, in full when cancelling at least N hours before the
	// first session (on-demand: always).
	CancelRefundHours *int64
	// Reminders are the offsets before each session at which registrants
	// are reminded: nil, the configured ones (reminders.offsets); empty
	// but not nil, none.
	Reminders []time.Duration
	CreatedAt time.Time
	UpdatedAt time.Time
	Sessions  []Session
	// RecordingPrice is what the recording sells for once the last session
	// is over (nil: the event's Price). See replay.go.
	RecordingPrice *Money
	// Recordings sums up the event's recordings as read with it.
	Recordings RecordingsSummary
}

// Free reports whether the event costs nothing.
func (e *Event) Free() bool { return e.Price == nil || e.Price.Amount == 0 }

// PerSession reports whether registrations (and capacity) are per session.
func (e *Event) PerSession() bool {
	return e.Kind == KindSeries && e.SeriesRegistration == SeriesIndividual
}

// Session is one occurrence of an event.
type Session struct {
	ID              int64
	EventID         int64
	StartsAt        time.Time
	DurationMinutes int64
	JoinURL         string
	// Revision counts the session's moves (read only: the store raises it
	// when the start or the length changes).
	Revision int64
}

// Recording is a recorded video of an event, or of one of its sessions: a
// file in the recordings storage (StorageKey) or an external address (URL).
type Recording struct {
	ID          int64
	EventID     int64
	SessionID   *int64
	Title       string
	StorageKey  string
	URL         string
	Size        int64
	ContentType string
	SHA256      string
	CreatedAt   time.Time
	// ExpiresAt is when it stops being watchable (nil: kept until deleted).
	ExpiresAt *time.Time
	// RemovedAt is when the retention job removed its file (nil: kept).
	RemovedAt *time.Time
}

// External reports whether the recording lives at an external address.
func (r *Recording) External() bool { return r.URL != "" }

// EndsAt is the end of the session.
func (s Session) EndsAt() time.Time {
	return s.StartsAt.Add(time.Duration(s.DurationMinutes) * time.Minute)
}

// Registration is one person's ticket for an event (or one session of it).
type Registration struct {
	ID             int64
	EventID        int64
	SessionID      *int64
	Name           string
	Email          string
	Status         string
	Role           string
	Locale         string
	Amount         int64 // price it was sold at, minor units
	Currency       string
	AmountPaid     int64
	AmountRefunded int64
	Tier           string
	PromoCode      string
	Provider       string
	TokenNonce     []byte // secret input of the access token; never shown
	TokenHash      []byte
	HoldExpiresAt  *time.Time
	LastMailedAt   *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	TierID         *int64
	PromoID        *int64
	ServiceFee     int64  // recorded service fee, minor units
	CheckoutID     string // the provider's checkout (session or order id)
	CheckoutURL    string // where the buyer pays
	PaymentID      string // the provider's payment (what refunds take)
	PaidAt         *time.Time
	// PaidCurrency is the currency AmountPaid and AmountRefunded are in:
	// Currency, unless a payment came in another one (it is then refunded).
	PaidCurrency string
	// ProviderRefunded is the highest total refunded the provider has
	// reported for the payment (its own count, which includes refunds made
	// in its dashboard).
	ProviderRefunded int64
	// RefundedUnmatched is the part of the refunds that the provider
	// reported only in its total, without naming them: refunds made in its
	// dashboard that no refund row stands for.
	RefundedUnmatched int64
	// ClientIP is the address a public registration came from (an IPv6
	// client's /64 network), for the limit on unpaid holds per client. It
	// is written with the registration and not read back.
	ClientIP string
	// Authorization is the payment held for a later capture, when the
	// service read it (nil otherwise, and when there is none).
	Authorization *Authorization
	// RefundOwed is what the organizer owes back by their own means (manual
	// refunds not marked refunded yet), when the service read it.
	RefundOwed int64
}

// MoneyCurrency is the currency of the money taken: PaidCurrency once a
// payment is recorded, else Currency.
func (r *Registration) MoneyCurrency() string {
	if r.PaidCurrency != "" {
		return r.PaidCurrency
	}
	return r.Currency
}

// Refundable is what can still be given back: paid, less what was
// refunded or is owed back by hand.
func (r *Registration) Refundable() int64 { return r.AmountPaid - r.AmountRefunded - r.RefundOwed }

// Active reports whether the registration holds (or may hold) a seat.
func (r *Registration) Active(now time.Time) bool {
	switch r.Status {
	case StatusConfirmed, StatusPendingApproval, StatusPartiallyRefunded:
		return true
	case StatusPendingPayment:
		return r.HoldExpiresAt == nil || r.HoldExpiresAt.After(now)
	}
	return false
}

// MayAttend reports whether the registration grants access to sessions.
func (r *Registration) MayAttend() bool {
	return r.Status == StatusConfirmed || r.Status == StatusPartiallyRefunded
}

// User is someone who signs in to the admin API and UI. Role says what
// they may do (UserAdmin, UserOrganizer, UserCoOrganizer); an invited user
// has no password until they accept the invitation.
type User struct {
	ID           int64
	Email        string
	PasswordHash string
	Role         string
	CreatedAt    time.Time
}

// User roles. An admin does everything; an organizer creates events and
// runs the ones they own; a co-organizer runs only the events they were
// added to. Organizers are co-organizers of the events they are added to as
// well.
const (
	UserAdmin       = "admin"
	UserOrganizer   = "organizer"
	UserCoOrganizer = "co_organizer"
)

// Invited reports whether the user has not set a password yet.
func (u *User) Invited() bool { return u.PasswordHash == "" }

// AuthToken is one of an administrator's bearer or session tokens; only its
// hash is stored, so it never carries the token itself.
type AuthToken struct {
	ID         int64
	UserID     int64
	Kind       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	ExpiresAt  *time.Time
	ClientAddr string // where it was last used from (at first, issued to)
}

// Mail kinds in the outbox.
const (
	MailAccess         = "access"        // confirmation with the personal link
	MailResend         = "access_resend" // the same, asked for again
	MailPending        = "pending"       // registration awaits approval
	MailCancelled      = "cancelled"     // the registrant cancelled
	MailRejected       = "rejected"
	MailEventChanged   = "event_changed"   // a session moved or was removed
	MailSessionRemoved = "session_removed" // the session registered for was removed
	MailEventCancel    = "event_cancelled"
	MailReminder       = "reminder"        // before each session
	MailRecording      = "recording"       // a recording was attached
	MailFollowUp       = "follow_up"       // the organizer's message after the event
	MailWaitlist       = "waitlist_offer"  // a freed seat is offered
	MailRefunded       = "refunded"        // money went back
	MailLateRefund     = "late_refund"     // paid after the hold ran out and no seat was left
	MailPaymentFailed  = "payment_failed"  // the payment failed while the buyer was away: nothing charged
	MailPaymentDue     = "payment_due"     // an offline payment (bank transfer): what to pay, how and by when
	MailPaymentExpired = "payment_expired" // an offline payment unpaid at its term: the seat was released
	// MailPaymentMismatch: a payment of another amount or currency than the
	// ticket's was refunded in full.
	MailPaymentMismatch = "payment_mismatch"
	// MailOutboxFailed, to the organizers: mails that failed for good.
	MailOutboxFailed = "outbox_failed"
	// MailTierEnded, to the organizers: a tier expired or sold out, with its
	// sales.
	MailTierEnded = "tier_ended"
	// MailTest, to an administrator who asked for it: checks the SMTP setup.
	MailTest = "test"

	// MailCheckoutResend: registering again while a payment is pending
	// sends the checkout link to the address.
	MailCheckoutResend = "checkout_resend"

	// MailInvitation: a new user's link to set their password.
	MailInvitation = "invitation"
)

// Mail statuses in the outbox.
const (
	MailQueued = "queued"
	MailSent   = "sent"
	MailFailed = "failed"
)

// OutboxMail is a message waiting to be (or already) delivered. The body is
// composed at delivery time from the registration, so the database never
// holds an access token in clear.
type OutboxMail struct {
	ID             int64
	RegistrationID *int64
	To             string
	ToName         string
	Subject        string
	Kind           string
	Locale         string
	Data           string // JSON parameters of the message (e.g. an organizer's text)
	Status         string
	Attempts       int
	NextAttemptAt  time.Time
	LastError      string
	CreatedAt      time.Time
	SentAt         *time.Time
}

// ErrValidation marks input that cannot be accepted; see Problem.Fields.
var ErrValidation = errors.New("validation")

// Problem is an error a person can act on: a sentinel (Err) for its kind, a
// message, and for validation the fields at fault.
type Problem struct {
	Err     error
	Code    string // overrides the code derived from Err when set
	Message string
	Fields  map[string]string
	// Detail tells apart answers of one code that pages word differently
	// (already_registered: "sent" or "recent"); it is not sent as JSON.
	Detail string
	// RetryAfter, when set, is how long to wait before trying again.
	RetryAfter time.Duration
}

func (p *Problem) Error() string { return p.Message }
func (p *Problem) Unwrap() error { return p.Err }

// Invalid is a validation error naming each field at fault.
func Invalid(fields map[string]string) error {
	return &Problem{Err: ErrValidation, Message: "Some fields are not valid: see fields.", Fields: fields}
}

// Fail wraps a sentinel with a message for the person who asked.
func Fail(err error, message string) error { return &Problem{Err: err, Message: message} }

// Tier is a discounted ticket batch of an event.
type Tier struct {
	ID        int64
	EventID   int64
	Position  int64
	Name      string
	Amount    int64
	Currency  string // the event's when the tier was made
	ExpiresAt *time.Time
	Quantity  *int64
	Sold      int64 // seats paid or held now (computed)
	CreatedAt time.Time
}

// Promo is a promo code of an event.
type Promo struct {
	ID         int64
	EventID    int64
	Code       string
	PercentOff int64
	AmountOff  int64
	Currency   string // of AmountOff: the event's when the code was made ("" for a percentage)
	MaxUses    *int64
	ExpiresAt  *time.Time
	Uses       int64 // registrations paid or held with it now (computed)
	CreatedAt  time.Time
}

// Refund statuses.
const (
	RefundQueued = "queued"
	RefundDone   = "done"
	RefundFailed = "failed"
)

// Refund methods: through the provider, or by the organizer's own hand
// (its provider cannot send money back: a bank transfer). A manual refund
// stays queued, owed by the organizer, until they mark it refunded.
const (
	RefundByProvider = "provider"
	RefundManual     = "manual"
)

// Refund is money given back through a provider (queued, then sent), or
// owed by the organizer (Method RefundManual).
type Refund struct {
	ID               int64
	RegistrationID   int64
	Provider         string
	PaymentID        string
	Amount           int64
	Currency         string
	IdempotencyKey   string
	Reason           string
	Status           string
	ProviderRefundID string
	Method           string
	Attempts         int
	NextAttemptAt    time.Time
	LastError        string
	CreatedAt        time.Time
	DoneAt           *time.Time
}

// Owed reports whether the organizer owes the refund by hand: its provider
// cannot make it (method manual) and it is not marked refunded yet.
func (f *Refund) Owed() bool { return f.Status == RefundQueued && f.Method == RefundManual }

// OnItsWay reports whether the refund is queued for its provider: sent, or
// to be sent (again), its outcome not known yet.
func (f *Refund) OnItsWay() bool { return f.Status == RefundQueued && f.Method != RefundManual }

// Waiting-list statuses.
const (
	WaitWaiting = "waiting" // in line
	WaitOffered = "offered" // a freed seat is held for them until OfferExpiresAt
	WaitClaimed = "claimed" // took the seat: RegistrationID
	WaitExpired = "expired" // let the offer run out
	WaitLeft    = "left"    // left the list
)

// WaitlistEntry is a person's place on an event's (or session's) waiting
// list.
type WaitlistEntry struct {
	ID             int64
	EventID        int64
	SessionID      *int64
	Name           string
	Email          string
	Locale         string
	Status         string
	TokenNonce     []byte
	TokenHash      []byte
	OfferedAt      *time.Time
	OfferExpiresAt *time.Time
	RegistrationID *int64
	// Position is the place in line of a waiting entry (1 is next), 0 for
	// the others; filled where it is listed.
	Position  int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Invitation is a user's link to set their first password; only the
// token's nonce and hash are stored.
type Invitation struct {
	ID         int64
	UserID     int64
	TokenNonce []byte
	CreatedAt  time.Time
	ExpiresAt  time.Time
	UsedAt     *time.Time
}

// OfflinePayment is a registration paid outside any checkout page (a bank
// transfer): the reference it pays with, the end of its term, and what the
// organizer recorded as arrived so far.
type OfflinePayment struct {
	RegistrationID int64
	Provider       string
	Reference      string
	DueAt          time.Time
	// ReleasedAt is when the term ran out unpaid and the seat was released.
	ReleasedAt *time.Time
	// Received is the total recorded, in the registration's currency.
	Received int64
}

// Balance is what is left to pay of r, the registration o is for: its price
// less what arrived, nothing once r no longer awaits its payment
// (confirmed, expired, cancelled…).
func (o *OfflinePayment) Balance(r *Registration) int64 {
	if r.Status != StatusPendingPayment {
		return 0
	}
	return max(r.Amount-o.Received, 0)
}
