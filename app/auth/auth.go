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
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// SessionTTL is how long an admin UI session lasts.
const SessionTTL = 12 * time.Hour

// Service checks passwords and tokens.
type Service struct {
	store *store.Store
	cost  int
	dummy []byte // a hash to compare against when the email is unknown
}

// New creates the service. cost is the bcrypt cost (0: the library default).
func New(st *store.Store, cost int) *Service {
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte(randomString(12)), cost)
	if err != nil {
		panic("auth: bcrypt: " + err.Error())
	}
	return &Service{store: st, cost: cost, dummy: dummy}
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
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.cost)
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

// Login checks an email and password and issues a token of the given kind.
func (s *Service) Login(ctx context.Context, email, password, kind string) (string, error) {
	u, err := s.store.UserByEmail(ctx, strings.TrimSpace(email))
	if errors.Is(err, model.ErrNotFound) {
		// Spend the same time as a real check, so timing tells nothing.
		_ = bcrypt.CompareHashAndPassword(s.dummy, []byte(password))
		return "", model.Fail(model.ErrUnauthorized, "The email or password is not right.")
	}
	if err != nil {
		return "", err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return "", model.Fail(model.ErrUnauthorized, "The email or password is not right.")
	}
	token := randomString(32)
	var expires *int64
	if kind == store.TokenSession {
		e := time.Now().Add(SessionTTL).Unix()
		expires = &e
	}
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		return tx.InsertToken(u.ID, hashToken(token), kind, expires)
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// User finds the administrator of a valid token.
func (s *Service) User(ctx context.Context, token, kind string) (*model.User, error) {
	if token == "" || len(token) > 200 {
		return nil, model.ErrUnauthorized
	}
	u, err := s.store.UserByToken(ctx, hashToken(token), kind)
	if errors.Is(err, model.ErrNotFound) {
		return nil, model.ErrUnauthorized
	}
	return u, err
}

// Revoke ends a token.
func (s *Service) Revoke(ctx context.Context, token string) error {
	return s.store.Write(ctx, func(tx *store.Tx) error { return tx.RevokeToken(hashToken(token)) })
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
