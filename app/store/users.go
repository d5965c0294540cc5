package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/admit/admit/app/model"
)

// Token kinds.
const (
	TokenAPI     = "api"
	TokenSession = "session"
)

func scanUser(row scanner) (*model.User, error) {
	var u model.User
	var created int64
	if err := row.Scan(&u.ID, &u.Email, &u.PasswordHash, &created, &u.Role); err != nil {
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

// User finds an administrator by id.
func (s *Store) User(ctx context.Context, id int64) (*model.User, error) {
	return scanUser(s.read("get-user").QueryRowContext(ctx, id))
}

// SetPassword replaces a user's password hash, provided it is still oldHash
// (model.ErrConflict when it changed meanwhile).
func (t *Tx) SetPassword(userID int64, oldHash, newHash string) error {
	res, err := t.exec("set-user-password", newHash, userID, oldHash)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.Fail(model.ErrConflict, "The password was changed meanwhile; sign in again.")
	}
	return nil
}

// InsertToken records the hash of a bearer or session token, expiring at
// expires (nil: never) and issued to the client address addr.
func (t *Tx) InsertToken(userID int64, hash []byte, kind string, expires *time.Time, addr string) error {
	_, err := t.exec("insert-token", userID, hash, kind, unix(t.now), timeArg(expires), addr)
	return err
}

func scanToken(row scanner, more ...any) (*model.AuthToken, error) {
	var tk model.AuthToken
	var created int64
	var used, expires sql.NullInt64
	dest := append([]any{&tk.ID, &tk.UserID, &tk.Kind, &created, &used, &expires, &tk.ClientAddr}, more...)
	if err := row.Scan(dest...); err != nil {
		return nil, notFound(err)
	}
	tk.CreatedAt, tk.LastUsedAt, tk.ExpiresAt = fromUnix(created), nullTime(used), nullTime(expires)
	return &tk, nil
}

// UserByToken finds an unrevoked, unexpired token and its administrator.
func (s *Store) UserByToken(ctx context.Context, hash []byte, kind string) (*model.User, *model.AuthToken, error) {
	var u model.User
	var created int64
	tk, err := scanToken(s.read("get-token-user").QueryRowContext(ctx, hash, kind, unix(s.now())),
		&u.ID, &u.Email, &u.PasswordHash, &created, &u.Role)
	if err != nil {
		return nil, nil, err
	}
	u.CreatedAt = fromUnix(created)
	return &u, tk, nil
}

// TouchToken records a use of a live token from addr and moves its expiry
// to expires, unless a use since notBefore is already recorded (so that
// concurrent requests write once).
func (t *Tx) TouchToken(id int64, expires *time.Time, addr string, notBefore time.Time) error {
	_, err := t.exec("touch-token", unix(t.now), timeArg(expires), addr, id, unix(t.now), unix(notBefore))
	return err
}

// Tokens lists a user's live tokens, oldest first.
func (s *Store) Tokens(ctx context.Context, userID int64) ([]*model.AuthToken, error) {
	rows, err := s.read("list-user-tokens").QueryContext(ctx, userID, unix(s.now()))
	return collect(rows, err, func(row scanner) (*model.AuthToken, error) { return scanToken(row) })
}

// RevokeToken revokes a token; revoking twice is harmless.
func (t *Tx) RevokeToken(hash []byte) error {
	_, err := t.exec("revoke-token", unix(t.now), hash)
	return err
}

// RevokeUserToken revokes one live token of a user; model.ErrNotFound when
// the user has no such live token.
func (t *Tx) RevokeUserToken(userID, id int64) error {
	res, err := t.exec("revoke-user-token", unix(t.now), id, userID, unix(t.now))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.ErrNotFound
	}
	return nil
}

// RevokeUserTokens revokes every live token of a user except keep (0: all)
// and returns how many it revoked.
func (t *Tx) RevokeUserTokens(userID, keep int64) (int64, error) {
	res, err := t.exec("revoke-user-tokens", unix(t.now), userID, keep)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
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

// Setting reads a stored setting inside the transaction ("" when absent).
func (t *Tx) Setting(key string) (string, error) {
	var v string
	err := t.queryRow("get-setting", key).Scan(&v)
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
