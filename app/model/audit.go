package model

import "time"

// AuditEntry is one administrator's action in the audit log. It holds ids,
// names, statuses and amounts only: never a request body, a credential or
// a token.
type AuditEntry struct {
	ID int64
	At time.Time
	// ActorID and ActorEmail are who acted (the email is kept when the
	// user is deleted); ClientIP is from where (behind a trusted proxy,
	// the address it forwarded for).
	ActorID    int64
	ActorEmail string
	ClientIP   string
	// Action is what was done: "event.update", "registration.refund".
	Action string
	// TargetType and TargetID name what it was done to ("registration",
	// "42"; "provider", "stripe").
	TargetType string
	TargetID   string
	// EventID is the event the target belongs to (nil: none).
	EventID *int64
	// Before and After are the target's state around a money action (nil
	// otherwise; a refused action has no After).
	Before, After *AuditState
	// Outcome is AuditDone or AuditRefused. A refusal has the HTTP Status
	// it was answered and the error's code as Reason ("unauthorized",
	// "forbidden", "refund_exceeds"...).
	Outcome string
	Status  int
	Reason  string
	// Repeats is how many times the same refusal came (same action,
	// answer, address, account and target, each within AuditRepeatWindow
	// of the last), LastAt the last one.
	Repeats int
	LastAt  time.Time
}

// Outcomes of an audited action.
const (
	AuditDone    = "done"
	AuditRefused = "refused"
)

// AuditRepeatWindow is how long a refusal is counted into the row of the
// same one before (a burst of failed sign-ins is one row).
const AuditRepeatWindow = 10 * time.Minute

// AuditAnonymousPerHour is how many rows of refusals by nobody signed in
// (failed sign-ins, missing tokens) an hour may start; beyond, they are
// counted into one row per action and answer whose address and account
// are AuditMany.
const AuditAnonymousPerHour = 100

// AuditMany stands for the address and account of refusals counted
// together once AuditAnonymousPerHour was reached.
const AuditMany = "*"

// AuditState is what the audit log keeps of a target's state: its status
// and, for a registration, its money.
type AuditState struct {
	Status         string `json:"status"`
	AmountPaid     int64  `json:"amount_paid,omitempty"`
	AmountRefunded int64  `json:"amount_refunded,omitempty"`
	Currency       string `json:"currency,omitempty"`
}

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	// Actor is an email or a user id ("" any).
	Actor string
	// Action is one action, or a prefix ending in "." ("registration.").
	Action string
	// EventID: 0 any.
	EventID int64
	// Since and Until bound At (Since included, Until excluded; zero: open).
	Since, Until time.Time
	// Outcome: AuditDone, AuditRefused ("" any). ClientIP: one address.
	Outcome  string
	ClientIP string
	// Before is the cursor: entries with an id below it (0: the newest).
	Before int64
	Limit  int
}
