package model

import "time"

// Statuses of a payment held for a later capture (Authorization.Status).
const (
	// AuthAuthorized: the money is held, nothing is taken.
	AuthAuthorized = "authorized"
	// AuthCaptured: the money was taken when the organizer confirmed.
	AuthCaptured = "captured"
	// AuthVoided: the hold was released (the registration was rejected or
	// cancelled, or the provider voided it): nothing was taken.
	AuthVoided = "voided"
	// AuthLapsed: the hold ran out before a decision: nothing was taken.
	// Confirmed later, the registrant is sent a link to pay.
	AuthLapsed = "lapsed"
	// AuthCaptureFailed: the provider refused the capture (LastError says
	// why); nothing was taken and the registration still awaits approval.
	AuthCaptureFailed = "capture_failed"
)

// Mails of the authorize-then-capture flow.
const (
	// MailAuthLapsing, to the organizers: a hold lapses within a day;
	// confirm or reject the registration before.
	MailAuthLapsing = "authorization_lapsing"
	// MailCaptureFailed, to the organizers: the provider refused to take
	// the money of a registration they confirmed.
	MailCaptureFailed = "capture_failed"
	// MailAuthLapsed, to the registrant: the hold ran out before the
	// organizer decided; nothing was charged.
	MailAuthLapsed = "authorization_lapsed"
	// MailLateAuthorization, to the registrant: the payment was authorized
	// after the seat's hold ran out and no seat was left; the hold was
	// released, nothing charged.
	MailLateAuthorization = "late_authorization"
	// MailPayAgain, to the registrant: the registration was approved after
	// its hold ran out; the link is where to pay.
	MailPayAgain = "pay_again"
)

// Authorization is the payment held for a registration of an event with
// manual approval, at a provider that can authorize and capture later.
type Authorization struct {
	RegistrationID  int64
	Provider        string
	CheckoutID      string
	AuthorizationID string // what the provider captures or voids
	Amount          int64
	Currency        string
	Status          string
	AuthorizedAt    *time.Time
	// CaptureBy: a capture is sure to succeed until then (PayPal's honor
	// period; Stripe's 7 days).
	CaptureBy *time.Time
	// ExpiresAt: the hold ends then for good.
	ExpiresAt *time.Time
	// DecideBy: until when confirming the registration takes the money:
	// CaptureBy, or ExpiresAt at a provider that renews a hold once after
	// CaptureBy (PayPal) while it is not renewed. The organizers are told a
	// day before. Set by ticketing on the holds it reads.
	DecideBy *time.Time
	// FlaggedAt: when the organizers were told the hold is about to lapse.
	FlaggedAt *time.Time
	// ApprovedAt: the organizer confirmed the registration while no money
	// was held (the hold had lapsed): its next payment confirms it at once.
	ApprovedAt *time.Time
	// ReauthorizedAt: when the hold was renewed (once) after its capture
	// stopped being guaranteed; AuthorizationID is then the renewed one.
	ReauthorizedAt *time.Time
	LastError      string
	UpdatedAt      time.Time
}
