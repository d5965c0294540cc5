package ticketing

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// Groups are the registrants a follow-up goes to: those who joined a
// session (attendees) and those who joined none (absentees). Only
// registrations with access are ever mailed. An event without sessions (an
// on-demand video) has no one to miss it: everyone is an attendee.
type Groups struct{ Attendees, Absentees bool }

// AllGroups mails everyone with access.
var AllGroups = Groups{Attendees: true, Absentees: true}

// Notified counts the mails queued per group.
type Notified struct{ Attendees, Absentees int }

// The group a follow-up mail was written for (its data's "group"): the
// wording differs. groupEveryone is an on-demand event's registrant.
const (
	groupAttendee = "attendee"
	groupAbsentee = "absentee"
	groupEveryone = ""
)

// notifyGroups queues a mail of kind to every registration of event e with
// access (in a series registered per session, with session non-zero: the
// registrations of that session and of the whole event), in the groups g
// asks for; attendance is of session (0: any session). data is kept with
// each mail with its "group"; subject, when not empty, replaces the kind's.
func (s *Service) notifyGroups(tx *store.Tx, e *model.Event, session int64, g Groups, kind, subject string, data map[string]any) (Notified, error) {
	var n Notified
	if !g.Attendees && !g.Absentees {
		return n, nil
	}
	regs, err := tx.RegistrationsToNotify(e.ID, session)
	if err != nil {
		return n, err
	}
	attended := map[int64]bool{}
	if len(e.Sessions) > 0 {
		if attended, err = tx.Attended(e.ID, session); err != nil {
			return n, err
		}
	}
	for _, r := range regs {
		if newAccess(r, e).DenyReason() != "" {
			continue // unpaid, awaiting approval, or the event cancelled
		}
		group := groupEveryone
		switch {
		case len(e.Sessions) == 0:
		case attended[r.ID]:
			group = groupAttendee
		default:
			group = groupAbsentee
		}
		if group == groupAbsentee && !g.Absentees || group != groupAbsentee && !g.Attendees {
			continue
		}
		d := map[string]any{"group": group}
		for k, v := range data {
			d[k] = v
		}
		m := s.newMail(r, e, kind, d)
		if subject != "" {
			m.Subject = subject
		}
		if err := tx.QueueMail(m); err != nil {
			return n, err
		}
		if group == groupAbsentee {
			n.Absentees++
		} else {
			n.Attendees++
		}
	}
	return n, nil
}

// FollowUpInput is a message from the organizer to an event's registrants.
type FollowUpInput struct {
	// Message is plain text; its line breaks are kept.
	Message string
	// Subject replaces the default subject line when not empty.
	Subject string
	Groups  Groups
}

// FollowUpKey identifies a follow-up sent again with the same
// Idempotency-Key: RequestHash is the request's, compared with the first.
type FollowUpKey struct {
	Key         string
	RequestHash []byte
}

const (
	maxFollowUp        = 10000
	maxFollowUpSubject = 200
)

// FollowUp mails the organizer's message, with each registrant's access
// link, to the registrations with access in the groups asked for, all in
// one transaction: each gets it once. With a key, a request repeated with
// the same key and body queues nothing more and gets the first counts (the
// same key with another body is refused); replayed tells which.
func (s *Service) FollowUp(ctx context.Context, eventID int64, in FollowUpInput, key *FollowUpKey) (n Notified, replayed bool, err error) {
	if in, err = checkFollowUp(in); err != nil {
		return n, false, err
	}
	scope := "follow_up:" + strconv.FormatInt(eventID, 10)
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		e, err := tx.Event(eventID)
		if err != nil {
			return err
		}
		if key != nil {
			prev, err := tx.Idempotency(scope, key.Key)
			switch {
			case err == nil && !bytes.Equal(prev.RequestHash, key.RequestHash):
				return model.Invalid(fields{"Idempotency-Key": "was already used for a different request; use a new key"})
			case err == nil:
				replayed = true
				return json.Unmarshal(prev.Outcome, &n)
			case !errors.Is(err, model.ErrNotFound):
				return err
			}
		}
		if n, err = s.notifyGroups(tx, e, 0, in.Groups, model.MailFollowUp, in.Subject, map[string]any{"message": in.Message}); err != nil {
			return err
		}
		if key == nil {
			return nil
		}
		// The counts are the recorded outcome.
		return tx.SaveIdempotency(scope, key.Key, store.IdempotencyRecord{RequestHash: key.RequestHash, Outcome: []byte(mustJSON(n))})
	})
	return n, replayed, err
}

// checkFollowUp tidies a follow-up's text and checks it.
func checkFollowUp(in FollowUpInput) (FollowUpInput, error) {
	in.Message = strings.TrimSpace(strings.ReplaceAll(in.Message, "\r\n", "\n"))
	in.Subject = strings.TrimSpace(in.Subject)
	f := fields{}
	if in.Message == "" {
		f.add("message", "is required")
	} else {
		checkText(f, "message", in.Message, maxFollowUp)
	}
	checkLine(f, "subject", in.Subject, false, maxFollowUpSubject)
	if !in.Groups.Attendees && !in.Groups.Absentees {
		f.add("attendees", "or absentees must be true: choose who gets the message")
		f.add("absentees", "or attendees must be true: choose who gets the message")
	}
	if len(f) > 0 {
		return in, model.Invalid(f)
	}
	return in, nil
}

// PreviewFollowUp is what FollowUp would send, without sending it: how
// many of each group would get the message, and the mails. Invalid input
// gets the same errors as FollowUp.
func (s *Service) PreviewFollowUp(ctx context.Context, eventID int64, in FollowUpInput) (Notified, *Preview, error) {
	var n Notified
	in, err := checkFollowUp(in)
	if err != nil {
		return n, nil, err
	}
	p, err := s.dryRun(ctx, func(tx *store.Tx) (*eventChange, error) {
		e, err := tx.Event(eventID)
		if err != nil {
			return nil, err
		}
		n, err = s.notifyGroups(tx, e, 0, in.Groups, model.MailFollowUp, in.Subject, map[string]any{"message": in.Message})
		return &eventChange{event: e}, err
	})
	return n, p, err
}
