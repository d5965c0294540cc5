// Package auth is the administrators' identity: the first admin, password
// checks, and bearer and session tokens stored only as hashes.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// SessionTTL is how long an admin UI session lasts at most.
const SessionTTL = 12 * time.Hour

// DefaultSessionIdle is how long an admin UI session lasts without use
// when Options.SessionIdle is not set (admin.idle_minutes).
const DefaultSessionIdle = time.Hour

// DefaultTokenTTL is how long an API token lives without use when
// Options.TokenTTL is not set (auth.token_days).
const DefaultTokenTTL = 30 * 24 * time.Hour

// TouchInterval is how often a token's use is recorded at most: each record
// pushes its expiry, and recording every request would cost a write each.
// An idle session may so end up to this much before its idle time.
const TouchInterval = time.Minute

// Service checks passwords and tokens.
type Service struct {
	store    *store.Store
	cost     int
	tokenTTL time.Duration
	idle     time.Duration
	now      func() time.Time
	// dummy is a hash to compare against when the email is unknown;
	// computed once, beside the start rather than in its way.
	dummy func() []byte
}

// hashPassword is bcrypt's; the tests see which passwords are hashed.
var hashPassword = bcrypt.GenerateFromPassword

// Options are the service's settings; the zero value is usable.
type Options struct {
	// Cost is the bcrypt cost (0: the library default).
	Cost int
	// TokenTTL: an API token expires after this long without use (0:
	// DefaultTokenTTL).
	TokenTTL time.Duration
	// SessionIdle: an admin UI session expires after this long without
	// use (0: DefaultSessionIdle), and SessionTTL after it began at most.
	SessionIdle time.Duration
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// New creates the service.
func New(st *store.Store, o Options) *Service {
	if o.Cost == 0 {
		o.Cost = bcrypt.DefaultCost
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = DefaultTokenTTL
	}
	if o.SessionIdle <= 0 {
		o.SessionIdle = DefaultSessionIdle
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Service{store: st, cost: o.Cost, tokenTTL: o.TokenTTL, idle: min(o.SessionIdle, SessionTTL), now: o.Now}
	s.dummy = sync.OnceValue(func() []byte {
		h, err := hashPassword([]byte(randomString(12)), o.Cost)
		if err != nil {
			panic("auth: bcrypt: " + err.Error())
		}
		return h
	})
	go s.dummy() // ready long before the first sign-in
	return s
}

// Bootstrap creates the first administrator when there is none: from email
// and password when both are given, else admin@localhost with a random
// password, which it returns so it can be printed once.
func (s *Service) Bootstrap(ctx context.Context, email, password string) (createdEmail, generated string, err error) {
	if email == "" {
		email = "admin@localhost"
		generated = randomString(18)
		password = generated
	}
	// Most starts find the administrator there: no password to hash
	// (bcrypt takes a good part of a second on a small, busy machine).
	if n, err := s.store.CountUsers(ctx); err != nil || n > 0 {
		return "", "", err
	}
	hash, err := hashPassword([]byte(password), s.cost)
	if err != nil {
		return "", "", fmt.Errorf("auth: hash: %w", err)
	}
	created := false
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		n, err := tx.CountUsers()
		if err != nil || n > 0 {
			return err
		}
		created = true
		_, err = tx.InsertUser(email, string(hash))
		return err
	})
	if err != nil || !created {
		return "", "", err
	}
	return email, generated, nil
}

// Login checks an email and password and issues a token of the given kind
// to the client at addr.
func (s *Service) Login(ctx context.Context, email, password, kind, addr string) (string, error) {
	u, err := s.store.UserByEmail(ctx, strings.TrimSpace(email))
	if errors.Is(err, model.ErrNotFound) {
		// Spend the same time as a real check, so timing tells nothing.
		_ = bcrypt.CompareHashAndPassword(s.dummy(), []byte(password))
		return "", model.Fail(model.ErrUnauthorized, "The email or password is not right.")
	}
	if err != nil {
		return "", err
	}
	// The sign-in's audit entry: the account tried is its target, the
	// password right or not (a failure is logged by the caller); once the
	// password is right, written with the token, its actor too.
	a := store.AuditOf(ctx)
	if a != nil {
		a.TargetID = strconv.FormatInt(u.ID, 10)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return "", model.Fail(model.ErrUnauthorized, "The email or password is not right.")
	}
	if a != nil {
		a.ActorID, a.ActorEmail = u.ID, u.Email
	}
	return s.Issue(ctx, u.ID, kind, addr)
}

// Issue gives a user a new token of the given kind, for the client at addr
// (Login after checking the password; accepting an invitation).
func (s *Service) Issue(ctx context.Context, userID int64, kind, addr string) (string, error) {
	token := randomString(32)
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		expires := tx.Now().Add(s.ttl(kind))
		return tx.InsertToken(userID, hashToken(token), kind, &expires, addr)
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// HashPassword checks a new password against the length rules (a
// validation error naming field) and hashes it.
func (s *Service) HashPassword(field, password string) (string, error) {
	if p := PasswordProblem(password); p != "" {
		return "", model.Invalid(map[string]string{field: p})
	}
	hash, err := hashPassword([]byte(password), s.cost)
	if err != nil {
		return "", fmt.Errorf("auth: hash: %w", err)
	}
	return string(hash), nil
}

// ttl is how long a token of kind lasts from its last use: sessions the
// idle time (and SessionTTL from their start at most, see User), API tokens
// the configured time.
func (s *Service) ttl(kind string) time.Duration {
	if kind == store.TokenSession {
		return s.idle
	}
	return s.tokenTTL
}

// User finds the administrator of a valid token used from addr, and the
// token. An API token's use pushes its expiry (recorded at most once per
// TouchInterval); an unknown, revoked or expired token is unauthorized.
func (s *Service) User(ctx context.Context, token, kind, addr string) (*model.User, *model.AuthToken, error) {
	if token == "" || len(token) > 200 {
		return nil, nil, model.ErrUnauthorized
	}
	u, tk, err := s.store.UserByToken(ctx, hashToken(token), kind)
	if errors.Is(err, model.ErrNotFound) {
		return nil, nil, model.Fail(model.ErrUnauthorized, "This token is unknown, revoked or expired: sign in again with POST /api/v1/auth/token.")
	}
	if err != nil {
		return nil, nil, err
	}
	if tk.LastUsedAt != nil && s.now().Before(tk.LastUsedAt.Add(TouchInterval)) {
		return u, tk, nil
	}
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		expires := tk.ExpiresAt
		switch kind {
		case store.TokenAPI:
			e := tx.Now().Add(s.tokenTTL)
			expires = &e
		case store.TokenSession: // idle time again, within SessionTTL of the start
			e := tx.Now().Add(s.idle)
			if end := tk.CreatedAt.Add(SessionTTL); e.After(end) {
				e = end
			}
			expires = &e
		}
		return tx.TouchToken(tk.ID, expires, addr, tx.Now().Add(-TouchInterval))
	})
	return u, tk, err
}

// Tokens lists a user's live tokens.
func (s *Service) Tokens(ctx context.Context, userID int64) ([]*model.AuthToken, error) {
	return s.store.Tokens(ctx, userID)
}

// Revoke ends a token.
func (s *Service) Revoke(ctx context.Context, token string) error {
	return s.store.Write(ctx, func(tx *store.Tx) error { return tx.RevokeToken(hashToken(token)) })
}

// RevokeID ends one of a user's tokens; model.ErrNotFound when the user has
// no live token with that id.
func (s *Service) RevokeID(ctx context.Context, userID, id int64) error {
	return s.store.Write(ctx, func(tx *store.Tx) error { return tx.RevokeUserToken(userID, id) })
}

// RevokeAll ends every token of a user.
func (s *Service) RevokeAll(ctx context.Context, userID int64) error {
	return s.store.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.RevokeUserTokens(userID, 0)
		return err
	})
}

// MinPasswordLength is the shortest password accepted (admin.password too).
const MinPasswordLength = 8

// maxPasswordBytes is as much of a password as bcrypt reads.
const maxPasswordBytes = 72

// PasswordProblem says what is wrong with a new password, or "".
func PasswordProblem(p string) string {
	switch {
	case p == "":
		return "is required"
	case len(p) < MinPasswordLength:
		return fmt.Sprintf("must be at least %d characters", MinPasswordLength)
	case len(p) > maxPasswordBytes:
		return fmt.Sprintf("must be at most %d bytes", maxPasswordBytes)
	}
	return ""
}

// ChangePassword replaces a user's password after checking the current one,
// and revokes every token of the user but keepToken (the one in use).
func (s *Service) ChangePassword(ctx context.Context, userID, keepToken int64, current, next string) error {
	u, err := s.store.User(ctx, userID)
	if err != nil {
		return err
	}
	bad := map[string]string{}
	if current == "" {
		bad["current_password"] = "is required"
	} else if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(current)) != nil {
		bad["current_password"] = "is not right"
	}
	if p := PasswordProblem(next); p != "" {
		bad["new_password"] = p
	} else if next == current {
		bad["new_password"] = "must differ from the current password"
	}
	if len(bad) > 0 {
		return model.Invalid(bad)
	}
	hash, err := hashPassword([]byte(next), s.cost)
	if err != nil {
		return fmt.Errorf("auth: hash: %w", err)
	}
	return s.store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.SetPassword(u.ID, u.PasswordHash, string(hash)); err != nil {
			return err
		}
		_, err := tx.RevokeUserTokens(u.ID, keepToken)
		return err
	})
}

func hashToken(t string) []byte {
	h := sha256.Sum256([]byte(t))
	return h[:]
}

func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("auth: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
