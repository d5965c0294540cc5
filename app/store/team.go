package store

import (
	"context"
	"database/sql"

	"github.com/admit/admit/app/model"
)

// The team: users with their roles, the events each may act on (owned, or
// as a co-organizer), and invitations.

// Users lists every user, oldest first.
func (s *Store) Users(ctx context.Context) ([]*model.User, error) {
	rows, err := s.read("list-users").QueryContext(ctx)
	return collect(rows, err, scanUser)
}

// User finds a user by id inside the transaction.
func (t *Tx) User(id int64) (*model.User, error) {
	return scanUser(t.queryRow("get-user", id))
}

// UserByEmail finds a user by email (without regard to case) inside the
// transaction.
func (t *Tx) UserByEmail(email string) (*model.User, error) {
	return scanUser(t.queryRow("get-user-by-email", email))
}

// InsertInvitedUser adds a user with a role and no password.
func (t *Tx) InsertInvitedUser(email, role string) (int64, error) {
	res, err := t.exec("insert-invited-user", email, role, unix(t.now))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// SetUserRole changes a user's role.
func (t *Tx) SetUserRole(id int64, role string) error {
	_, err := t.exec("set-user-role", role, id)
	return err
}

// DeleteUser removes a user with their tokens, invitations and memberships.
func (t *Tx) DeleteUser(id int64) error {
	_, err := t.exec("delete-user", id)
	return err
}

// CountAdmins counts the users with the admin role who have a password.
func (t *Tx) CountAdmins() (int, error) {
	var n int
	err := t.queryRow("count-admins").Scan(&n)
	return n, err
}

// SetFirstPassword gives an invited user their password; model.ErrConflict
// when the user has one already.
func (t *Tx) SetFirstPassword(userID int64, hash string) error {
	res, err := t.exec("set-first-password", hash, userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.Fail(model.ErrConflict, "This account has a password already: sign in.")
	}
	return nil
}

// SetEventOwner makes a user the owner of an event.
func (t *Tx) SetEventOwner(eventID, userID int64) error {
	_, err := t.exec("set-event-owner", userID, eventID)
	return err
}

// TransferEvents gives every event of one user to another.
func (t *Tx) TransferEvents(from, to int64) error {
	_, err := t.exec("transfer-events", to, from)
	return err
}

// EventAccess reports whether a user owns an event or co-organizes it;
// model.ErrNotFound when there is no such event.
func (s *Store) EventAccess(ctx context.Context, userID, eventID int64) (bool, error) {
	var ok bool
	err := s.read("event-access").QueryRowContext(ctx, userID, userID, eventID).Scan(&ok)
	return ok, notFound(err)
}

// RegistrationEvent is the event of a registration; model.ErrNotFound when
// there is no such registration.
func (s *Store) RegistrationEvent(ctx context.Context, id int64) (int64, error) {
	var e int64
	err := s.read("registration-event").QueryRowContext(ctx, id).Scan(&e)
	return e, notFound(err)
}

// VisibleEventIDs are the events a user owns or co-organizes.
func (s *Store) VisibleEventIDs(ctx context.Context, userID int64) (map[int64]bool, error) {
	return idSet(s.read("visible-event-ids").QueryContext(ctx, userID, userID))
}

// EventOwner is the user who owns an event (model.ErrNotFound: none).
func (s *Store) EventOwner(ctx context.Context, eventID int64) (*model.User, error) {
	return scanUser(s.read("event-owner").QueryRowContext(ctx, eventID))
}

// AddMember makes a user a co-organizer of an event (again: no change).
func (t *Tx) AddMember(eventID, userID int64) error {
	_, err := t.exec("insert-member", eventID, userID, unix(t.now))
	return err
}

// RemoveMember ends a user's co-organizing of an event; model.ErrNotFound
// when they were not one.
func (t *Tx) RemoveMember(eventID, userID int64) error {
	res, err := t.exec("delete-member", eventID, userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.ErrNotFound
	}
	return nil
}

// Members lists the co-organizers of an event.
func (s *Store) Members(ctx context.Context, eventID int64) ([]*model.User, error) {
	rows, err := s.read("list-members").QueryContext(ctx, eventID)
	return collect(rows, err, scanUser)
}

// InsertInvitation records an invitation expiring at expires.
func (t *Tx) InsertInvitation(inv *model.Invitation, hash []byte) error {
	inv.CreatedAt = t.now
	res, err := t.exec("insert-invitation", inv.UserID, inv.TokenNonce, hash, unix(t.now), unix(inv.ExpiresAt))
	if err != nil {
		return err
	}
	inv.ID, err = res.LastInsertId()
	return err
}

func scanInvitation(row scanner) (*model.Invitation, error) {
	var inv model.Invitation
	var created, expires int64
	var used sql.NullInt64
	if err := row.Scan(&inv.ID, &inv.UserID, &inv.TokenNonce, &created, &expires, &used); err != nil {
		return nil, notFound(err)
	}
	inv.CreatedAt, inv.ExpiresAt, inv.UsedAt = fromUnix(created), fromUnix(expires), nullTime(used)
	return &inv, nil
}

// Invitation finds an invitation by id.
func (s *Store) Invitation(ctx context.Context, id int64) (*model.Invitation, error) {
	return scanInvitation(s.read("get-invitation").QueryRowContext(ctx, id))
}

// InvitationByHash finds an invitation by its token's hash.
func (s *Store) InvitationByHash(ctx context.Context, hash []byte) (*model.Invitation, error) {
	return scanInvitation(s.read("get-invitation-by-hash").QueryRowContext(ctx, hash))
}

// InvitationByHash finds an invitation by its token's hash inside the
// transaction.
func (t *Tx) InvitationByHash(hash []byte) (*model.Invitation, error) {
	return scanInvitation(t.queryRow("get-invitation-by-hash", hash))
}

// UseInvitations marks every open invitation of a user used.
func (t *Tx) UseInvitations(userID int64) error {
	_, err := t.exec("use-invitations", unix(t.now), userID)
	return err
}
