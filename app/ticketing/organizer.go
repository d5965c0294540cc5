package ticketing

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/admit/admit/app/mail"
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/pricing"
	"github.com/admit/admit/app/store"
)

// Mails to the organizers (the administrators) have no registration: what
// they say is kept with them when queued, and they are in English, the
// administrators having no language of their own.
const organizerLocale = "en"

// organizerKinds are the kinds of mail to the organizers.
var organizerKinds = map[string]bool{model.MailOutboxFailed: true, model.MailTierEnded: true, model.MailTest: true,
	model.MailAuthLapsing: true, model.MailCaptureFailed: true}

// organizerData is what a mail to the organizers says, kept in its data.
type organizerData struct {
	Title   string `json:"title"`
	Message string `json:"message,omitempty"`
	Count   int64  `json:"count"`
	Item    string `json:"item,omitempty"`
	Amount  string `json:"amount,omitempty"` // formatted
	Reason  string `json:"reason,omitempty"` // tier_ended: expired or sold_out
}

// queueOrganizerMail queues one mail of a kind to each organizer; it
// returns how many.
func (s *Service) queueOrganizerMail(tx *store.Tx, kind string, d organizerData) (int, error) {
	to, err := tx.OrganizerEmails()
	if err != nil {
		return 0, err
	}
	subject := d.Title
	if s.subjects != nil {
		subject = s.subjects.Subject(kind, organizerLocale, map[string]any{"EventTitle": d.Title, "Count": d.Count, "Item": d.Item, "Amount": d.Amount})
	}
	data := mustJSON(d)
	for _, addr := range to {
		m := &model.OutboxMail{To: addr, Subject: subject, Kind: kind, Locale: organizerLocale, Data: data}
		if err := tx.QueueMail(m); err != nil {
			return 0, err
		}
	}
	return len(to), nil
}

// composeOrganizer writes a mail to the organizers from what it keeps.
func (s *Service) composeOrganizer(ctx context.Context, m model.OutboxMail) (mail.Message, error) {
	var d organizerData
	if err := json.Unmarshal([]byte(m.Data), &d); err != nil {
		return mail.Message{}, fmt.Errorf("ticketing: mail %d: data: %w", m.ID, err)
	}
	return s.renderMail(ctx, m, mail.MailData{
		EventTitle: d.Title, Message: d.Message, Count: d.Count, Item: d.Item, Amount: d.Amount, Status: d.Reason, Organizer: true})
}

// Failed mails: one summary covers up to failureReportMax of them and
// lists the first failureReportLines.
const (
	failureReportMax   = 10000
	failureReportLines = 50
)

// ReportMailFailures tells the organizers, in one mail each, about the mails
// that failed for good since the last report, and logs it (the only trace
// without SMTP). The mails are marked reported in the transaction that
// queues the summary, so the same failures are never reported twice; a
// summary that fails itself is marked too, never reported. It returns how
// many failures were reported.
func (s *Service) ReportMailFailures(ctx context.Context) (int, error) {
	if pending, err := s.store.HasUnreportedFailures(ctx); err != nil || !pending {
		return 0, err
	}
	var failed []model.OutboxMail
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		all, err := tx.UnreportedFailures(failureReportMax)
		if err != nil || len(all) == 0 {
			return err
		}
		failed = failed[:0]
		for _, m := range all {
			if m.Kind != model.MailOutboxFailed {
				failed = append(failed, m)
			}
		}
		if len(failed) > 0 {
			var b strings.Builder
			for i, m := range failed {
				if i == failureReportLines {
					fmt.Fprintf(&b, "… (+%d)\n", len(failed)-i)
					break
				}
				fmt.Fprintf(&b, "#%d %s (%s): %s\n", m.ID, m.To, m.Subject, m.LastError)
			}
			if _, err := s.queueOrganizerMail(tx, model.MailOutboxFailed, organizerData{
				Title: "Admit", Message: b.String(), Count: int64(len(failed))}); err != nil {
				return err
			}
		}
		return tx.MarkFailuresReported(all[len(all)-1].ID)
	})
	if err != nil {
		return 0, err
	}
	if len(failed) > 0 {
		ids := make([]int64, len(failed))
		for i, m := range failed {
			ids[i] = m.ID
		}
		s.log.WarnContext(ctx, "mail failed for good: organizers told", "count", len(failed), "mail_ids", ids)
	}
	return len(failed), nil
}

// RetryMail queues a failed mail again (model.ErrNotFound for an unknown
// one, model.ErrConflict for one that is not failed).
func (s *Service) RetryMail(ctx context.Context, id int64) (*model.OutboxMail, error) {
	m, err := s.store.RequeueMail(ctx, id)
	if err == nil {
		s.log.InfoContext(ctx, "mail queued again", "mail_id", id, "kind", m.Kind)
	}
	return m, err
}

// tierReportBatch is how many ended tiers one transaction reports.
const tierReportBatch = 100

// ReportEndedTiers tells the organizers, one mail each per tier, that a
// tier ended (its expiry passed, or its quantity was paid for), with its
// sales: seats paid and the amount. The tier is marked reported in the
// transaction that queues the mail, so a restart neither loses nor repeats
// one. Prices do not depend on it: a quote looks at the tiers when asked.
// It returns how many tiers were reported.
func (s *Service) ReportEndedTiers(ctx context.Context) (int, error) {
	total := 0
	for {
		var n int
		err := s.store.Write(ctx, func(tx *store.Tx) error {
			ended, err := tx.EndedTiers(tierReportBatch)
			if err != nil {
				return err
			}
			n = len(ended)
			for _, t := range ended {
				reason := "sold_out"
				if t.Expired && !t.SoldOut {
					reason = "expired"
				}
				if _, err := s.queueOrganizerMail(tx, model.MailTierEnded, organizerData{Title: t.EventTitle, Item: t.Name,
					Count: t.Sold, Amount: pricing.FormatMoney(t.Amount, t.Currency, organizerLocale), Reason: reason}); err != nil {
					return err
				}
				if err := tx.MarkTierReported(t.ID); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < tierReportBatch {
			return total, nil
		}
	}
}
