package store

import (
	"context"
	"database/sql"

	"github.com/admit/admit/app/model"
)

// Token kinds.
const (
	TokenAPI     = "api"
	TokenSession = "session"
)

func scanUser(row interface{ Scan(...any) error }) (*model.User, error) {
	var u model.User
	var created int64
	if err := row.Scan(&u.ID, &u.Email, &u.PasswordHash, &created); err != nil {
		return nil, notFound(err)
	}
	u.CreatedAt = fromUnix(created)
	return &u, nil
}

// CountUsers counts administrators.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.read("count-users").QueryRowContext(ctx).Scan(&n)
	return n, err
}

// InsertUser adds an administrator.
func (t *Tx) InsertUser(email, passwordHash string) (int64, error) {
	res, err := t.exec("insert-user", email, passwordHash, unix(t.now))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// CountUsers counts administrators inside the transaction.
func (t *Tx) CountUsers() (int, error) {
	var n int
	err := t.queryRow("count-users").Scan(&n)
	return n, err
}

// UserByEmail finds an administrator (email compared without case).
func (s *Store) UserByEmail(ctx context.Context, email string) (*model.User, error) {
	return scanUser(s.read("get-user-by-email").QueryRowContext(ctx, email))
}

// InsertToken records the hash of a bearer or session token.
func (t *Tx) InsertToken(userID int64, hash []byte, kind string, expires *int64) error {
	var exp any
	if expires != nil {
		exp = *expires
	}
	_, err := t.exec("insert-token", userID, hash, kind, unix(t.now), exp)
	return err
}

// UserByToken finds the administrator of an unrevoked, unexpired token.
func (s *Store) UserByToken(ctx context.Context, hash []byte, kind string) (*model.User, error) {
	return scanUser(s.read("get-token-user").QueryRowContext(ctx, hash, kind, unix(s.now())))
}

// RevokeToken revokes a token; revoking twice is harmless.
func (t *Tx) RevokeToken(hash []byte) error {
	_, err := t.exec("revoke-token", unix(t.now), hash)
	return err
}

// Setting reads a stored setting ("" when absent).
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.read("get-setting").QueryRowContext(ctx, key).Scan(&v)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return v, err
}

// PutSetting stores a setting.
func (t *Tx) PutSetting(key, value string) error {
	_, err := t.exec("put-setting", key, value)
	return err
}
