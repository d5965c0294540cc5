// Mail queueing: messages about a registration added to the outbox in the writer's transaction.

package ticketing

import (
	"maps"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/pricing"
	"github.com/admit/admit/app/store"
)

// queueAccessMail queues a mail that carries the access link and records
// when, for the re-send limit.
func (s *Service) queueAccessMail(tx *store.Tx, r *model.Registration, e *model.Event, kind string) error {
	if err := s.queueMail(tx, r, e, kind, nil); err != nil {
		return err
	}
	now := tx.Now()
	r.LastMailedAt = &now
	return tx.SetRegistrationMailed(r.ID)
}

// subject is a mail's subject line, about the event called title; an
// amount above 0 (minor units of currency: a refund's) is written in it
// for locale, nothing else. The mails queued and those written again in
// another language when they leave (Compose) take it from here. Those
// without an amount are remembered per kind, language and title: the
// translation runs a template, and this runs in the writer.
func (s *Service) subject(kind, locale, title string, amount int64, currency string) string {
	if s.subjects == nil {
		return title
	}
	if amount > 0 { // a refund's: rare, and too many to remember
		return s.subjects.Subject(kind, locale, map[string]any{"EventTitle": title, "Amount": pricing.FormatMoney(amount, currency, locale)})
	}
	key := kind + "\x00" + locale + "\x00" + title
	if v, ok := s.subjectCache.Load(key); ok {
		return v.(string)
	}
	v := s.subjects.Subject(kind, locale, map[string]any{"EventTitle": title})
	s.subjectCache.Store(key, v)
	return v
}

// queueMail adds a message about registration r to the outbox. The facts
// it is about are kept with it as they are now (data, and the
// registration's status), since it is composed only when it leaves.
func (s *Service) queueMail(tx *store.Tx, r *model.Registration, e *model.Event, kind string, data map[string]any) error {
	_, err := s.queueMailRow(tx, r, e, kind, data)
	return err
}

// queueMailRow is queueMail returning the outbox row.
func (s *Service) queueMailRow(tx *store.Tx, r *model.Registration, e *model.Event, kind string, data map[string]any) (*model.OutboxMail, error) {
	m := s.newMail(r, e, kind, data)
	return m, tx.QueueMail(m)
}

// newMail is the outbox row of a message about registration r, not yet
// queued.
func (s *Service) newMail(r *model.Registration, e *model.Event, kind string, data map[string]any) *model.OutboxMail {
	amount, _ := data["amount"].(int64)
	currency, _ := data["currency"].(string)
	id := r.ID
	m := &model.OutboxMail{
		RegistrationID: &id,
		To:             r.Email,
		ToName:         r.Name,
		Subject:        s.subject(kind, r.Locale, e.Title, amount, currency),
		Kind:           kind,
		Locale:         r.Locale,
	}
	data = maps.Clone(data)
	if data == nil {
		data = map[string]any{}
	}
	data["status"] = r.Status
	m.Data = mustJSON(data)
	return m
}
