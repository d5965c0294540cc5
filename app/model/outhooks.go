package model

import "time"

// Outgoing webhook event types (docs/API.md, "Outgoing webhooks").
const (
	HookRegistrationCreated   = "registration.created"
	HookRegistrationConfirmed = "registration.confirmed"
	HookRegistrationRejected  = "registration.rejected"
	HookRegistrationCancelled = "registration.cancelled"
	HookRegistrationRefunded  = "registration.refunded"
	HookPaymentSucceeded      = "payment.succeeded"
	HookEventCreated          = "event.created"
	HookEventUpdated          = "event.updated"
	HookEventCancelled        = "event.cancelled"
	// HookTest is the event "send test event" delivers; no endpoint
	// subscribes to it.
	HookTest = "webhook.test"
)

// HookTypes are the event types an endpoint may subscribe to, in the order
// pages list them.
var HookTypes = []string{HookRegistrationCreated, HookRegistrationConfirmed, HookRegistrationRejected, HookRegistrationCancelled,
	HookRegistrationRefunded, HookPaymentSucceeded, HookEventCreated, HookEventUpdated, HookEventCancelled}

// Change is one fact a write recorded about a registration or an event
// (Type is a Hook* type, ID the registration's or the event's id). The store
// notes them as it writes, and outgoing webhooks are queued from them in the
// same transaction.
type Change struct {
	Type string
	ID   int64
}

// Webhook is an endpoint of the organizer's that receives events.
type Webhook struct {
	ID     int64
	URL    string
	Events []string
	// Secret is the signing secret as stored (sealed); the domain opens it.
	Secret    string
	CreatedAt time.Time
}

// Webhook delivery statuses.
const (
	HookQueued    = "queued"
	HookDelivered = "delivered"
	HookFailed    = "failed"
)

// HookDelivery is one event on its way to one endpoint: the body is fixed
// when it is queued, so its event id and content stay the same across
// retries.
type HookDelivery struct {
	ID            int64
	WebhookID     int64
	EventID       string
	Type          string
	Body          string
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	CreatedAt     time.Time
	// URL and Secret are the endpoint's, read with the delivery.
	URL    string
	Secret string
}

// HookAttempt is one try at a delivery, as the delivery log shows it.
type HookAttempt struct {
	ID         int64
	DeliveryID int64
	EventID    string
	Type       string
	Attempt    int
	// StatusCode is the receiver's answer (0: none, see Error).
	StatusCode int
	Error      string
	Duration   time.Duration
	At         time.Time
	// DeliveryStatus and NextAttemptAt are the delivery's now.
	DeliveryStatus string
	NextAttemptAt  time.Time
}
