package ticketing

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/admit/admit/app/mail"
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// The waiting list. A sold-out event (or session) takes places in line; a
// job (OfferSeats, every minute) lets the database decide: it ends the
// offers whose time ran out and offers every free seat to the first in
// line. An offer row holds its seat like a payment hold, so paid, held and
// offered seats together never exceed the capacity; people still waiting
// count as taken for everyone else, so a freed seat is theirs. The offer
// link /w/{token} claims the seat through the same registration as the
// public form, in the transaction that ends the offer.

// WaitInput is a request for a place on the waiting list.
type WaitInput struct {
	Name      string `json:"name"`
	Email     string `json:"email"`
	SessionID *int64 `json:"session_id"`
	Locale    string `json:"locale"`
}

// waitTokenFor derives the token of a waiting-list link from its nonce
// (keyed apart from the access tokens).
func (s *Service) waitTokenFor(nonce []byte) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("admit-waitlist-v1:"))
	m.Write(nonce)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// WaitlistURL is the link of a waiting-list entry.
func (s *Service) WaitlistURL(w *model.WaitlistEntry) string {
	return s.publicURL + "/w/" + s.waitTokenFor(w.TokenNonce)
}

// JoinWaitlist puts someone in line for a sold-out event (or session):
// ErrSeatsAvailable when a seat is free, ErrAlreadyRegistered or
// ErrAlreadyWaiting when the email already has a seat or a place.
func (s *Service) JoinWaitlist(ctx context.Context, slug string, in WaitInput) (*model.WaitlistEntry, error) {
	f := fields{}
	in.Name = strings.TrimSpace(in.Name)
	checkLine(f, "name", in.Name, true, maxTitle)
	email, emailNorm := normalizeEmail(f, "email", in.Email)
	if len(f) > 0 {
		return nil, model.Invalid(f)
	}
	if in.Locale == "" {
		in.Locale = "en"
	}
	var out *model.WaitlistEntry
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		e, sessionID, err := openEvent(tx, slug, in.SessionID)
		if err != nil {
			return err
		}
		if e.Capacity == nil {
			return model.Fail(model.ErrSeatsAvailable, "This event has no seat limit: register instead.")
		}
		if e.SellsReplay(tx.Now()) {
			return model.Fail(model.ErrSeatsAvailable, "This event is over and its recording is on sale, with no seat limit: register instead.")
		}
		taken, err := tx.CountSeats(e.ID, sessionID)
		if err != nil {
			return err
		}
		if taken < *e.Capacity {
			return model.Fail(model.ErrSeatsAvailable, "Seats are available: register instead of joining the waiting list.")
		}
		existing, err := tx.LiveRegistration(e.ID, sessionID, emailNorm)
		switch {
		case err == nil && existing.Active(tx.Now()):
			return model.Fail(model.ErrAlreadyRegistered, "This email address is already registered for this event.")
		case err != nil && !errors.Is(err, model.ErrNotFound):
			return err
		}
		if _, err := tx.ActiveWaitlist(e.ID, sessionID, emailNorm); err == nil {
			return model.Fail(model.ErrAlreadyWaiting, "This email address is already on the waiting list.")
		} else if !errors.Is(err, model.ErrNotFound) {
			return err
		}
		w := &model.WaitlistEntry{EventID: e.ID, SessionID: sessionID, Name: in.Name, Email: email, Locale: in.Locale}
		nonce, _, _, err := s.newToken()
		if err != nil {
			return err
		}
		w.TokenNonce, w.TokenHash = nonce, HashToken(s.waitTokenFor(nonce))
		if err := tx.InsertWaitlist(w, emailNorm); err != nil {
			if store.IsUnique(err) {
				return model.Fail(model.ErrAlreadyWaiting, "This email address is already on the waiting list.")
			}
			return err
		}
		if w.Position, err = tx.WaitlistPosition(w); err != nil {
			return err
		}
		out = w
		return nil
	})
	return out, err
}

// Waitlist lists an event's waiting list, in line order.
func (s *Service) Waitlist(ctx context.Context, eventID int64) ([]*model.WaitlistEntry, error) {
	if _, err := s.store.Event(ctx, eventID); err != nil {
		return nil, err
	}
	return s.store.ListWaitlist(ctx, eventID)
}

// OfferSeats ends the offers whose time has run out and offers every free
// seat to the first in line, each with an email; it answers how many offers
// it made. The job runs it every minute: what is due is what the database
// holds, so a missed turn is made up at the next.
func (s *Service) OfferSeats(ctx context.Context) (int, error) {
	made := 0
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		made = 0
		if _, err := tx.ExpireWaitlistOffers(); err != nil {
			return err
		}
		lines, err := tx.WaitLines()
		if err != nil {
			return err
		}
		now := tx.Now()
		for _, l := range lines {
			if l.EventStatus != model.EventPublished {
				continue
			}
			e, err := tx.Event(l.EventID)
			if err != nil {
				return err
			}
			if !stillOpen(e, l.SessionID, now) {
				continue
			}
			free := int64(100) // unlimited: everyone, a hundred a turn
			if e.Capacity != nil {
				held, err := tx.CountHeldSeats(e.ID, l.SessionID)
				if err != nil {
					return err
				}
				free = *e.Capacity - held
			}
			if free <= 0 {
				continue
			}
			next, err := tx.NextWaiting(e.ID, l.SessionID, free)
			if err != nil {
				return err
			}
			for _, w := range next {
				ok, err := tx.OfferWaitlist(w, now.Add(s.offer))
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
				if err := s.queueOfferMail(tx, w, e); err != nil {
					return err
				}
				made++
			}
		}
		return nil
	})
	return made, err
}

// stillOpen reports whether a line's event (or session) has not yet ended.
func stillOpen(e *model.Event, sessionID *int64, now time.Time) bool {
	if sessionID != nil {
		ss := findSession(e, *sessionID)
		return ss != nil && ss.EndsAt().After(now)
	}
	return e.Kind == model.KindOnDemand || len(e.Sessions) == 0 || e.Sessions[len(e.Sessions)-1].EndsAt().After(now)
}

func (s *Service) queueOfferMail(tx *store.Tx, w *model.WaitlistEntry, e *model.Event) error {
	return tx.QueueMail(&model.OutboxMail{
		To:      w.Email,
		ToName:  w.Name,
		Subject: s.subject(model.MailWaitlist, w.Locale, e.Title, 0, ""),
		Kind:    model.MailWaitlist,
		Locale:  w.Locale,
		Data:    mustJSON(map[string]any{"waitlist_id": w.ID}),
	})
}

// composeOffer writes a waiting-list offer at delivery time: the link is
// derived again from the entry, so it is never stored.
func (s *Service) composeOffer(ctx context.Context, id int64) (mail.MailData, error) {
	w, err := s.store.Waitlist(ctx, id)
	if err != nil {
		return mail.MailData{}, err
	}
	e, err := s.store.Event(ctx, w.EventID)
	if err != nil {
		return mail.MailData{}, err
	}
	link := s.WaitlistURL(w)
	d := mail.MailData{
		Name:       w.Name,
		EventTitle: e.Title,
		Timezone:   e.Timezone,
		AccessURL:  WithLang(link, w.Locale),
		LeaveURL:   WithLang(link+"/leave", w.Locale),
		EventURL:   WithLang(s.publicURL+"/e/"+e.Slug, w.Locale),
	}
	if w.OfferExpiresAt != nil {
		d.ExpiresAt = *w.OfferExpiresAt
	}
	for _, ss := range e.Sessions {
		if w.SessionID == nil || *w.SessionID == ss.ID {
			d.Sessions = append(d.Sessions, mail.MailSession{StartsAt: ss.StartsAt, DurationMinutes: ss.DurationMinutes})
		}
	}
	return d, nil
}

// Offer is what a waiting-list link opens.
type Offer struct {
	Entry *model.WaitlistEntry
	Event *model.Event
	// Open: the offer can be claimed now.
	Open bool
}

// WaitlistOffer finds the entry of a /w/ token; an unknown token is
// model.ErrNotFound.
func (s *Service) WaitlistOffer(ctx context.Context, token string) (*Offer, error) {
	if !validTokenShape(token) {
		return nil, model.ErrNotFound
	}
	w, err := s.store.WaitlistByToken(ctx, HashToken(token))
	if err != nil {
		return nil, err
	}
	e, err := s.store.Event(ctx, w.EventID)
	if err != nil {
		return nil, err
	}
	if w.Status == model.WaitWaiting {
		if w.Position, err = s.store.WaitlistPosition(ctx, w); err != nil {
			return nil, err
		}
	}
	open := w.Status == model.WaitOffered && w.OfferExpiresAt != nil && w.OfferExpiresAt.After(s.now())
	return &Offer{Entry: w, Event: e, Open: open}, nil
}

// ClaimOffer takes the seat of a waiting-list offer: it becomes a
// registration in the transaction that ends the offer (free: confirmed
// with the access email; paid: pending_payment, on to checkout with the
// seat held). An offer that expired or was used is model.ErrGone.
func (s *Service) ClaimOffer(ctx context.Context, token, provider string) (*RegisterResult, error) {
	if !validTokenShape(token) {
		return nil, model.ErrNotFound
	}
	if f := (fields{}); provider != "" && !s.checkProviderName(f, "provider", provider) {
		return nil, model.Invalid(f)
	}
	var res *RegisterResult
	var refusal error
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		w, err := tx.WaitlistByToken(HashToken(token))
		if err != nil {
			return err
		}
		if w.Status != model.WaitOffered || w.OfferExpiresAt == nil || !w.OfferExpiresAt.After(tx.Now()) {
			return model.Fail(model.ErrGone, "This offer is no longer valid: it has expired or was already used.")
		}
		if _, err := tx.SetWaitlistStatus(w.ID, model.WaitOffered, model.WaitClaimed); err != nil {
			return err
		}
		e, err := tx.Event(w.EventID)
		if err != nil {
			return err
		}
		in := RegisterInput{Name: w.Name, Email: w.Email, SessionID: w.SessionID, Provider: provider, Locale: w.Locale, offered: true}
		r, err := s.register(tx, e.Slug, in, w.Email, strings.ToLower(w.Email), false)
		if errors.Is(err, model.ErrAlreadyRegistered) {
			// They hold a registration already (its link goes to them by
			// email, at most once in 10 minutes): the offer ends, and its
			// seat passes on.
			refusal = err
			_, err := tx.SetWaitlistStatus(w.ID, model.WaitClaimed, model.WaitLeft)
			return err
		}
		if err != nil {
			return err
		}
		res = r
		return tx.SetWaitlistRegistration(w.ID, r.Registration.ID)
	})
	switch {
	case err != nil:
		return nil, err
	case refusal != nil:
		return nil, refusal
	}
	if res.needsCheckout {
		if err := s.openCheckout(ctx, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// LeaveWaitlist takes someone off the list (an offer they hold goes to the
// next in line at the job's next turn).
func (s *Service) LeaveWaitlist(ctx context.Context, token string) (*Offer, error) {
	if !validTokenShape(token) {
		return nil, model.ErrNotFound
	}
	var out *Offer
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		w, err := tx.WaitlistByToken(HashToken(token))
		if err != nil {
			return err
		}
		if w.Status != model.WaitWaiting && w.Status != model.WaitOffered {
			return model.Fail(model.ErrGone, "This place on the waiting list has already ended.")
		}
		if _, err := tx.SetWaitlistStatus(w.ID, w.Status, model.WaitLeft); err != nil {
			return err
		}
		w.Status = model.WaitLeft
		e, err := tx.Event(w.EventID)
		if err != nil {
			return err
		}
		out = &Offer{Entry: w, Event: e}
		return nil
	})
	return out, err
}
