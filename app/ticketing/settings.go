package ticketing

import (
	"context"
	"net/mail"
	"slices"
	"strings"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// reliesOn reports whether a paid event could take payment by no connected
// provider but name (it allows name, and every other provider it allows is
// not connected or does not take its currency).
func (s *Service) reliesOn(e *model.Event, name string) bool {
	if len(e.Providers) > 0 && !slices.Contains(e.Providers, name) {
		return false // it never relied on this one
	}
	for _, p := range s.usableProviders(e) {
		if p != name {
			return false
		}
	}
	return true
}

// DisconnectPreview lists the events that disconnecting a provider would
// pause (or, when asked, make free): what DisconnectProvider would answer,
// without changing anything.
func (s *Service) DisconnectPreview(ctx context.Context, name string) ([]EventRef, error) {
	if _, err := s.module(name); err != nil {
		return nil, err
	}
	evs, err := s.store.Events(ctx)
	if err != nil {
		return nil, err
	}
	var out []EventRef
	for _, e := range evs {
		if e.Price == nil || e.Status == model.EventCancelled || !s.reliesOn(e, name) {
			continue
		}
		out = append(out, EventRef{ID: e.ID, Slug: e.Slug, Title: e.Title})
	}
	return out, nil
}

// SendTestMail queues a test mail to an administrator's address, in their
// language; the outbox delivers it like any other, so its status there
// tells whether the SMTP setup works.
func (s *Service) SendTestMail(ctx context.Context, to, locale string) (*model.OutboxMail, error) {
	addr, err := mail.ParseAddress(strings.TrimSpace(to))
	if err != nil {
		return nil, model.Invalid(map[string]string{"to": "must be an email address"})
	}
	subject := "Admit"
	if s.subjects != nil {
		subject = s.subjects.Subject(model.MailTest, locale, map[string]any{"EventTitle": "Admit"})
	}
	m := &model.OutboxMail{To: addr.Address, Subject: subject, Kind: model.MailTest, Locale: locale, Data: mustJSON(organizerData{Title: "Admit"})}
	if err := s.store.Write(ctx, func(tx *store.Tx) error { return tx.QueueMail(m) }); err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "test mail queued", "mail_id", m.ID)
	return m, nil
}
