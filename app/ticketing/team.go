package ticketing

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/admit/admit/app/mail"
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// The team: who may act on which event, users and their roles, and the
// invitations that let a new user set their password.

// InvitationTTL is how long an invitation link works.
const InvitationTTL = 7 * 24 * time.Hour

var errLastAdmin = &model.Problem{Err: model.ErrConflict, Code: "last_admin",
	Message: "This is the last administrator: make another user an administrator first."}

// IsAdmin reports whether u may do everything.
func IsAdmin(u *model.User) bool { return u != nil && u.Role == model.UserAdmin }

// MayCreateEvents reports whether u may create events (admins and
// organizers; co-organizers act only on the events they are added to).
func MayCreateEvents(u *model.User) bool {
	return u != nil && (u.Role == model.UserAdmin || u.Role == model.UserOrganizer)
}

// MayActOnEvent is nil when u may see and change the event: an admin, its
// owner, or one of its co-organizers. model.ErrNotFound when there is no
// such event, model.ErrForbidden otherwise.
func (s *Service) MayActOnEvent(ctx context.Context, u *model.User, eventID int64) error {
	if u == nil {
		return model.ErrUnauthorized
	}
	ok, err := s.store.EventAccess(ctx, u.ID, eventID)
	if err != nil || ok || IsAdmin(u) {
		return err
	}
	return model.Fail(model.ErrForbidden, "You may act only on the events you own or co-organize.")
}

// RegistrationEvent is the event a registration belongs to.
func (s *Service) RegistrationEvent(ctx context.Context, id int64) (int64, error) {
	return s.store.RegistrationEvent(ctx, id)
}

// VisibleEvents keeps the events u may see (all of them for an admin).
func (s *Service) VisibleEvents(ctx context.Context, u *model.User, evs []*model.Event) ([]*model.Event, error) {
	if IsAdmin(u) {
		return evs, nil
	}
	if u == nil {
		return nil, model.ErrUnauthorized
	}
	ids, err := s.store.VisibleEventIDs(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := evs[:0:0]
	for _, e := range evs {
		if ids[e.ID] {
			out = append(out, e)
		}
	}
	return out, nil
}

// Team is who runs an event: its owner (nil: none) and co-organizers.
type Team struct {
	Owner        *model.User
	CoOrganizers []*model.User
}

// EventTeam lists an event's owner and co-organizers.
func (s *Service) EventTeam(ctx context.Context, eventID int64) (*Team, error) {
	if _, err := s.store.Event(ctx, eventID); err != nil {
		return nil, err
	}
	t := &Team{}
	owner, err := s.store.EventOwner(ctx, eventID)
	if err != nil && !errors.Is(err, model.ErrNotFound) {
		return nil, err
	}
	t.Owner = owner
	if t.CoOrganizers, err = s.store.Members(ctx, eventID); err != nil {
		return nil, err
	}
	return t, nil
}

// RemoveCoOrganizer ends a user's access to an event they co-organize.
func (s *Service) RemoveCoOrganizer(ctx context.Context, eventID, userID int64) error {
	return s.store.Write(ctx, func(tx *store.Tx) error { return tx.RemoveMember(eventID, userID) })
}

// Users lists every user.
func (s *Service) Users(ctx context.Context) ([]*model.User, error) {
	return s.store.Users(ctx)
}

func checkUserRole(f fields, role string) {
	switch role {
	case model.UserAdmin, model.UserOrganizer, model.UserCoOrganizer:
	case "":
		f.add("role", "is required: admin, organizer or co_organizer")
	default:
		f.add("role", "%q must be admin, organizer or co_organizer", role)
	}
}

// InviteUser creates a user with a role and no password, and mails them a
// link to set one (in locale); created is false when the user was invited
// already and had not set a password: they get the role and a new link.
// A user with a password is a conflict.
func (s *Service) InviteUser(ctx context.Context, email, role, locale string) (u *model.User, created bool, err error) {
	f := fields{}
	email, _ = normalizeEmail(f, "email", email)
	checkUserRole(f, role)
	if len(f) > 0 {
		return nil, false, model.Invalid(f)
	}
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		var id int64
		old, err := tx.UserByEmail(email)
		switch {
		case err == nil && !old.Invited():
			return &model.Problem{Err: model.ErrConflict, Code: "user_exists", Message: "A user with this email address exists already.",
				Fields: map[string]string{"email": "belongs to a user already"}}
		case err == nil: // invited before: a new link, the role asked for
			id, created = old.ID, false
			if err := tx.SetUserRole(id, role); err != nil {
				return err
			}
		case errors.Is(err, model.ErrNotFound):
			if id, err = tx.InsertInvitedUser(email, role); err != nil {
				return err
			}
			created = true
		default:
			return err
		}
		if err := s.queueInvitation(tx, id, email, locale, invitationData{Role: role}); err != nil {
			return err
		}
		u, err = tx.User(id)
		return err
	})
	return u, created, err
}

// SetUserRole changes a user's role; the last admin keeps theirs.
func (s *Service) SetUserRole(ctx context.Context, id int64, role string) (*model.User, error) {
	f := fields{}
	checkUserRole(f, role)
	if len(f) > 0 {
		return nil, model.Invalid(f)
	}
	var out *model.User
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		u, err := tx.User(id)
		if err != nil {
			return err
		}
		if activeAdmin(u) && role != model.UserAdmin {
			if err := lastAdmin(tx); err != nil {
				return err
			}
		}
		if err := tx.SetUserRole(id, role); err != nil {
			return err
		}
		u.Role, out = role, u
		return nil
	})
	return out, err
}

// activeAdmin: an admin who can sign in. Only those count as the last
// admin: an invitation may never be accepted.
func activeAdmin(u *model.User) bool { return u.Role == model.UserAdmin && !u.Invited() }

// lastAdmin is errLastAdmin when one admin who can sign in is left.
func lastAdmin(tx *store.Tx) error {
	n, err := tx.CountAdmins()
	if err != nil {
		return err
	}
	if n <= 1 {
		return errLastAdmin
	}
	return nil
}

// DeleteUser removes a user, their tokens and their access; the events
// they own pass to by (the admin who removes them). The last admin stays,
// and nobody removes themselves.
func (s *Service) DeleteUser(ctx context.Context, by, id int64) error {
	if by == id {
		return model.Fail(model.ErrConflict, "You cannot remove yourself: another administrator can.")
	}
	return s.store.Write(ctx, func(tx *store.Tx) error {
		u, err := tx.User(id)
		if err != nil {
			return err
		}
		if activeAdmin(u) {
			if err := lastAdmin(tx); err != nil {
				return err
			}
		}
		if err := tx.TransferEvents(id, by); err != nil {
			return err
		}
		return tx.DeleteUser(id)
	})
}

// grantEvent makes the owner of email a co-organizer of e; someone with no
// account gets one, with the co_organizer role, and an invitation.
func (s *Service) grantEvent(tx *store.Tx, e *model.Event, name, email, locale string) error {
	u, err := tx.UserByEmail(email)
	var id int64
	switch {
	case err == nil:
		id = u.ID
	case errors.Is(err, model.ErrNotFound):
		if id, err = tx.InsertInvitedUser(email, model.UserCoOrganizer); err != nil {
			return err
		}
		if err := s.queueInvitation(tx, id, email, locale, invitationData{Role: model.UserCoOrganizer, EventTitle: e.Title, Name: name}); err != nil {
			return err
		}
	default:
		return err
	}
	return tx.AddMember(e.ID, id)
}

// invitationData is what an invitation mail says besides its link, kept
// with it in the outbox.
type invitationData struct {
	InvitationID int64  `json:"invitation_id"`
	Role         string `json:"role"`
	EventTitle   string `json:"event_title,omitempty"`
	// Name greets them (else their address).
	Name string `json:"name,omitempty"`
}

// queueInvitation records an invitation of a user and queues its mail.
func (s *Service) queueInvitation(tx *store.Tx, userID int64, email, locale string, d invitationData) error {
	nonce, _, hash, err := s.newToken()
	if err != nil {
		return err
	}
	inv := &model.Invitation{UserID: userID, TokenNonce: nonce, ExpiresAt: tx.Now().Add(InvitationTTL)}
	if err := tx.InsertInvitation(inv, hash); err != nil {
		return err
	}
	if locale == "" {
		locale = organizerLocale
	}
	d.InvitationID = inv.ID
	subject := "Admit"
	if s.subjects != nil {
		subject = s.subjects.Subject(model.MailInvitation, locale, map[string]any{"EventTitle": d.EventTitle})
	}
	return tx.QueueMail(&model.OutboxMail{To: email, Subject: subject, Kind: model.MailInvitation, Locale: locale, Data: mustJSON(d)})
}

// InvitationURL is the page where an invitation is accepted.
func (s *Service) InvitationURL(inv *model.Invitation) string {
	return s.publicURL + "/admin/invite/" + s.tokenFor(inv.TokenNonce)
}

// composeInvitation writes an invitation: its link is derived again from
// the invitation, so it is never stored.
func (s *Service) composeInvitation(ctx context.Context, m model.OutboxMail) (mail.Message, error) {
	var d invitationData
	if err := json.Unmarshal([]byte(m.Data), &d); err != nil {
		return mail.Message{}, fmt.Errorf("ticketing: mail %d: data: %w", m.ID, err)
	}
	inv, err := s.store.Invitation(ctx, d.InvitationID)
	if err != nil {
		return mail.Message{}, fmt.Errorf("ticketing: mail %d: %w", m.ID, err)
	}
	return s.renderMail(ctx, m, mail.MailData{Name: cmp.Or(d.Name, m.To), EventTitle: d.EventTitle,
		Role: d.Role, AccessURL: s.InvitationURL(inv), ExpiresAt: inv.ExpiresAt, Organizer: true})
}

// openInvitation finds the invitation of a token that still works.
func openInvitation(inv *model.Invitation, err error, now time.Time) (*model.Invitation, error) {
	if err != nil {
		return nil, err
	}
	if inv.UsedAt != nil || !now.Before(inv.ExpiresAt) {
		return nil, model.Fail(model.ErrGone, "This invitation has been used or has expired: ask an administrator for a new one.")
	}
	return inv, nil
}

// Invitation finds the user a working invitation token is for.
func (s *Service) Invitation(ctx context.Context, token string) (*model.User, error) {
	if token == "" || len(token) > 200 {
		return nil, model.ErrNotFound
	}
	inv, err := s.store.InvitationByHash(ctx, HashToken(token))
	if inv, err = openInvitation(inv, err, s.now()); err != nil {
		return nil, err
	}
	return s.store.User(ctx, inv.UserID)
}

// AcceptInvitation gives the invited user their password (already hashed)
// and ends the invitation: it works once.
func (s *Service) AcceptInvitation(ctx context.Context, token, passwordHash string) (*model.User, error) {
	if token == "" || len(token) > 200 {
		return nil, model.ErrNotFound
	}
	var out *model.User
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		inv, err := tx.InvitationByHash(HashToken(token))
		if inv, err = openInvitation(inv, err, tx.Now()); err != nil {
			return err
		}
		if err := tx.SetFirstPassword(inv.UserID, passwordHash); err != nil {
			return err
		}
		if err := tx.UseInvitations(inv.UserID); err != nil {
			return err
		}
		out, err = tx.User(inv.UserID)
		return err
	})
	return out, err
}
