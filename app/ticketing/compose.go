package ticketing

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/admit/admit/app/i18n"
	"github.com/admit/admit/app/mail"
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/pricing"
)

// I18nSubjects gives mail subjects from the translations
// ("mail.<kind>.subject").
type I18nSubjects struct{ Bundle *i18n.Bundle }

// Subject implements Subjects.
func (s I18nSubjects) Subject(kind, locale string, data map[string]any) string {
	return s.Bundle.T(locale, "mail."+kind+".subject", data)
}

// withCalendar are the kinds that carry the .ics file.
var withCalendar = map[string]bool{model.MailAccess: true, model.MailResend: true, model.MailEventChanged: true, model.MailReminder: true}

// withCancelCalendar are the kinds that carry a METHOD:CANCEL .ics when the
// registration or the event is cancelled, so that clients strike the entries
// the earlier files added.
var withCancelCalendar = map[string]bool{model.MailCancelled: true, model.MailEventCancel: true, model.MailRefunded: true}

// watchKinds are the kinds that lead to the recordings when the event is
// watched rather than attended (model.Event.Watch).
var watchKinds = map[string]bool{model.MailAccess: true, model.MailResend: true}

// keepsLanguage are the registrants' mails whose text stays in the
// language they were queued in, whatever the registrant chose since: a
// follow-up carries the organizer's own subject and words, written for
// the recipients as they were then.
var keepsLanguage = map[string]bool{model.MailFollowUp: true}

// Compose writes a queued message at delivery time (mail.Composer): the
// access link is derived again from the registration, so it is never
// stored, and the message is written in the registration's language as it
// is then (unless its kind keepsLanguage).
func (s *Service) Compose(ctx context.Context, m model.OutboxMail) (mail.Message, error) {
	if s.renderer == nil {
		return mail.Message{}, fmt.Errorf("ticketing: no mail renderer")
	}
	if organizerKinds[m.Kind] {
		return s.composeOrganizer(ctx, m)
	}
	if m.Kind == model.MailWaitlist {
		return s.composeWaitlist(ctx, m)
	}
	if m.Kind == model.MailInvitation {
		return s.composeInvitation(ctx, m)
	}
	if m.RegistrationID == nil {
		return mail.Message{}, fmt.Errorf("ticketing: mail %d has no registration", m.ID)
	}
	r, err := s.store.Registration(ctx, *m.RegistrationID)
	if err != nil {
		return mail.Message{}, fmt.Errorf("ticketing: mail %d: %w", m.ID, err)
	}
	e, err := s.store.Event(ctx, r.EventID)
	if err != nil {
		return mail.Message{}, fmt.Errorf("ticketing: mail %d: %w", m.ID, err)
	}
	// The facts the mail is about, as they were when it was queued.
	var extra struct {
		Message  string `json:"message"`
		Change   string `json:"change"`
		Amount   int64  `json:"amount"`
		Currency string `json:"currency"`
		// SessionStartsAt (unix) and SessionMinutes: the one session the
		// mail is about (a removed one).
		SessionStartsAt int64 `json:"session_starts_at"`
		SessionMinutes  int64 `json:"session_minutes"`
		// Status is the registration's (a refund's mail says partial or
		// full as it was then).
		Status string `json:"status"`
		// Group: whom a follow-up was written for (see Groups).
		Group string `json:"group"`
		// DueAt (unix): an offline payment's term (payment_due,
		// payment_expired); Provider and Reference: the payment, whose
		// instructions are written now (payment_due). Instructions were
		// written when the mail was queued, by earlier versions.
		DueAt        int64                  `json:"due_at"`
		Provider     string                 `json:"provider"`
		Reference    string                 `json:"reference"`
		Instructions []mail.MailInstruction `json:"instructions"`
		// Offline and Approved: see mail.MailData.
		Offline  bool `json:"offline"`
		Approved bool `json:"approved"`
	}
	if m.Data != "" {
		_ = json.Unmarshal([]byte(m.Data), &extra)
	}
	if r.Locale != "" && r.Locale != m.Locale && !keepsLanguage[m.Kind] {
		// The registrant switched language after the mail was queued: it
		// is written, subject included, in the one they chose.
		m.Locale, m.Subject = r.Locale, s.subject(m.Kind, r.Locale, e.Title, extra.Amount, extra.Currency)
	}
	a := newAccess(r, e)
	access := s.AccessURL(r.TokenNonce)
	d := mail.MailData{
		Name:             r.Name,
		EventTitle:       e.Title,
		EventDescription: e.Description,
		Timezone:         e.Timezone,
		AccessURL:        WithLang(access, m.Locale),
		CalendarURL:      access + "/calendar.ics",
		Message:          extra.Message,
		Status:           cmp.Or(extra.Status, r.Status),
		EventURL:         WithLang(s.publicURL+"/e/"+e.Slug, m.Locale),
		Group:            extra.Group,
		Watch:            watchKinds[m.Kind] && e.Watch(s.now()),
		Offline:          extra.Offline,
		Approved:         extra.Approved,
	}
	if m.Kind == model.MailCheckoutResend || m.Kind == model.MailPayAgain {
		// The way back to the payment, not the access page (it opens only
		// once paid).
		d.AccessURL, d.CalendarURL = r.CheckoutURL, ""
		if r.HoldExpiresAt != nil {
			d.ExpiresAt = *r.HoldExpiresAt
		}
	}
	if extra.DueAt != 0 {
		d.ExpiresAt = time.Unix(extra.DueAt, 0).UTC()
		d.Instructions = s.mailInstructions(extra.Provider, extra.Reference, m.Locale, extra.Instructions)
	}
	switch {
	case extra.Amount > 0:
		d.Amount = pricing.FormatMoney(extra.Amount, extra.Currency, m.Locale)
	case m.Kind == model.MailLateRefund || m.Kind == model.MailPaymentMismatch:
		d.Amount = pricing.FormatMoney(r.AmountPaid, r.MoneyCurrency(), m.Locale)
	}
	if extra.SessionStartsAt != 0 {
		d.Sessions = []mail.MailSession{{StartsAt: time.Unix(extra.SessionStartsAt, 0).UTC(), DurationMinutes: extra.SessionMinutes}}
	} else {
		for _, ss := range a.Sessions {
			d.Sessions = append(d.Sessions, mail.MailSession{StartsAt: ss.StartsAt, DurationMinutes: ss.DurationMinutes})
		}
	}
	if m.Kind == model.MailAccess || m.Kind == model.MailResend {
		d.RefundPolicy = e.RefundPolicy
	}
	msg, err := s.renderMail(ctx, m, d)
	if err != nil {
		return mail.Message{}, err
	}
	if withCalendar[m.Kind] && !d.Watch && r.MayAttend() && len(a.Sessions) > 0 {
		ics, err := s.Calendar(a, access)
		if err != nil {
			return mail.Message{}, err
		}
		msg.Attachments = append(msg.Attachments, mail.Attachment{Filename: e.Slug + ".ics", ContentType: "text/calendar; charset=utf-8; method=PUBLISH", Data: ics})
	}
	if withCancelCalendar[m.Kind] && a.calendarCancelled() && !e.Watch(s.now()) && len(a.Sessions) > 0 {
		ics, err := s.calendar(a, access, true)
		if err != nil {
			return mail.Message{}, err
		}
		msg.Attachments = append(msg.Attachments, mail.Attachment{Filename: e.Slug + ".ics", ContentType: "text/calendar; charset=utf-8; method=CANCEL", Data: ics})
	}
	return msg, nil
}

// composeWaitlist writes a waiting-list offer (its outbox row names the
// entry in its data, not a registration).
func (s *Service) composeWaitlist(ctx context.Context, m model.OutboxMail) (mail.Message, error) {
	var ref struct {
		WaitlistID int64 `json:"waitlist_id"`
	}
	_ = json.Unmarshal([]byte(m.Data), &ref)
	d, err := s.composeOffer(ctx, ref.WaitlistID)
	if err != nil {
		return mail.Message{}, fmt.Errorf("ticketing: mail %d: %w", m.ID, err)
	}
	return s.renderMail(ctx, m, d)
}

// OutboxMessage is a queued (or sent) mail composed as it would leave now.
func (s *Service) OutboxMessage(ctx context.Context, id int64) (*model.OutboxMail, mail.Message, error) {
	m, err := s.store.OutboxMail(ctx, id)
	if err != nil {
		return nil, mail.Message{}, err
	}
	msg, err := s.Compose(ctx, *m)
	return m, msg, err
}
