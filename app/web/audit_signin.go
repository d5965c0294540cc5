package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// Signing in happens before anyone is known, so auditTrail does not see
// it: the sign-in handlers log it themselves. A success is written in the
// transaction that creates the session or the API token (auth.Login names
// the user in the entry the context carries); a failure, a wrong email or
// password (401) or too many attempts (429), is a refusal under the email
// as typed (and, for a 401 on a user's email, that user as its target:
// auth.Login names it), counted into one row when it repeats
// (store.RecordRefusal).
// Never the password, never the token.
const (
	actionSignIn       = "auth.sign_in"       // an admin UI session
	actionTokenCreate  = "auth.token_create"  // an API token (POST /api/v1/auth/token)
	actionInviteAccept = "user.invite_accept" // an invited user's first sign-in
)

// signInAudit is the entry of a sign-in to come, for the context of the
// write that creates its session or token.
func signInAudit(c *fiber.Ctx, action string, u *model.User) *store.Audit {
	a := &store.Audit{AuditEntry: model.AuditEntry{ClientIP: clientAddr(c), Action: action, TargetType: "user"}}
	if u != nil {
		a.ActorID, a.ActorEmail, a.TargetID = u.ID, u.Email, strconv.FormatInt(u.ID, 10)
	}
	return a
}

// maxAuditEmail is as much of a typed email as the log keeps.
const maxAuditEmail = 254

// signInRefused logs a failed sign-in (401) or one refused for too many
// attempts (429); other errors (a missing field) are not attempts. tried is
// the entry auth.Login filled in (nil for a 429, refused before any read):
// its target is the account tried, if the email is a user's.
func (s *Server) signInRefused(c *fiber.Ctx, action, email string, tried *store.Audit, err error) {
	st, reason := answered(c, err)
	if st != fiber.StatusUnauthorized && st != fiber.StatusTooManyRequests {
		return
	}
	email = accountKey(email)
	if len(email) > maxAuditEmail {
		email = email[:maxAuditEmail]
	}
	if !s.mayRecordRefusal(c, true) {
		return // nobody signed in: bounded per address, before any read
	}
	e := model.AuditEntry{ClientIP: clientAddr(c), ActorEmail: email, Action: action, TargetType: "user", Status: st, Reason: reason}
	if tried != nil {
		e.TargetID = tried.TargetID // the account tried (its actor stays nobody)
	}
	s.writeRefusal(c, &e)
}
