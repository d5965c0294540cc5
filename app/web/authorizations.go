package web

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
)

// authorizationJSON is a registration's payment held for the organizer's
// decision (events with manual approval, at a provider that can authorize).
type authorizationJSON struct {
	// Status is authorized (held, not charged), captured, voided, lapsed
	// or capture_failed.
	Status   string `json:"status"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	// CaptureBy: a capture is sure to succeed until then; ExpiresAt: the
	// hold ends then.
	CaptureBy *time.Time `json:"capture_by,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// DecideBy: confirming the registration takes the money until then
	// (capture_by, or expires_at where the provider renews the hold after
	// capture_by).
	DecideBy *time.Time `json:"decide_by,omitempty"`
	// Flagged: the organizers were told the decision is due within a day.
	Flagged bool `json:"flagged"`
	// Error is the provider's reason for a refused capture.
	Error string `json:"error,omitempty"`
	// ReauthorizedAt: the hold was renewed (once) before its capture, its
	// capture deadline no longer guaranteed (PayPal's honor period).
	ReauthorizedAt *time.Time `json:"reauthorized_at,omitempty"`
}

func authorizationView(a *model.Authorization) *authorizationJSON {
	if a == nil || a.AuthorizationID == "" {
		return nil
	}
	return &authorizationJSON{Status: a.Status, Amount: a.Amount, Currency: a.Currency, CaptureBy: a.CaptureBy,
		ExpiresAt: a.ExpiresAt, DecideBy: a.DecideBy, Flagged: a.FlaggedAt != nil, Error: a.LastError, ReauthorizedAt: a.ReauthorizedAt}
}

// authorizationCells are the CSV export's columns of a registration's held
// payment: its status, until when a capture is sure, and when it ends
// (empty when it has none).
var authorizationHeader = []string{"authorization_status", "authorization_capture_by", "authorization_expires_at"}

func authorizationCells(a *model.Authorization) []string {
	v := authorizationView(a)
	if v == nil {
		return []string{"", "", ""}
	}
	at := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	return []string{v.Status, at(v.CaptureBy), at(v.ExpiresAt)}
}

// approvalNote says how the event page describes paying for an event with
// manual approval: "authorize" (every way to pay holds the money until the
// organizer decides), "refund" (every way charges now and refunds a
// rejection), "mixed" (with the names of the ways to pay of each kind, in
// the page's language), or "" (no approval, free, or no way to pay). The
// ways to pay offline (nothing due until approved) are named apart, in
// after (note is "after" when they are the only ones).
func (s *Server) approvalNote(c *fiber.Ctx, approval map[string]string) (note, authorize, refund, after string) {
	var with, without, later []string
	for _, p := range slices.Sorted(maps.Keys(approval)) {
		name := p
		if m, ok := s.Tickets.Modules().Get(p); ok {
			name = m.Title.In(s.pages.locale(c))
		}
		switch approval[p] {
		case approvalAuthorize:
			with = append(with, name)
		case approvalAfter:
			later = append(later, name)
		default:
			without = append(without, name)
		}
	}
	after = strings.Join(later, ", ")
	if len(later) > 0 && len(with)+len(without) == 0 {
		return "after", "", "", after
	}
	note, authorize, refund = approvalKind(with, without)
	return note, authorize, refund, after
}

// approvalKind is approvalNote's note for the ways to pay that pay now.
func approvalKind(with, without []string) (note, authorize, refund string) {
	switch {
	case len(with) > 0 && len(without) > 0:
		return "mixed", strings.Join(with, ", "), strings.Join(without, ", ")
	case len(with) > 0:
		return "authorize", "", ""
	case len(without) > 0:
		return "refund", "", ""
	}
	return "", "", ""
}

// How a way to pay handles manual approval (publicEventJSON.Approval).
const (
	approvalAuthorize = "authorize"
	approvalRefund    = "charge_then_refund"
	// approvalAfter: paid offline once approved (nothing due before).
	approvalAfter = "pay_after_approval"
)

// approvalOf maps each way to pay a paid event with manual approval to how
// it handles the decision; nil for other events.
func (s *Server) approvalOf(e *model.Event, providers []string) map[string]string {
	if !e.ApprovalRequired || len(providers) == 0 {
		return nil
	}
	out := make(map[string]string, len(providers))
	for _, p := range providers {
		out[p] = approvalRefund
		if s.Tickets.CanAuthorize(p) {
			out[p] = approvalAuthorize
		}
		if m, ok := s.Tickets.Modules().Get(p); ok && m.Offline {
			out[p] = approvalAfter
		}
	}
	return out
}
