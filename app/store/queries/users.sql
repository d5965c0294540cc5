-- name: count-users
SELECT COUNT(*) FROM users;

-- name: insert-user
INSERT INTO users(email, password_hash, created_at) VALUES (?, ?, ?);

-- name: get-user-by-email
SELECT id, email, password_hash, created_at, role FROM users WHERE email = ?;

-- name: get-user
SELECT id, email, password_hash, created_at, role FROM users WHERE id = ?;

-- name: set-user-password
-- Only over the hash that was checked: of two changes at once, one wins.
UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?;

-- name: insert-token
INSERT INTO api_tokens(user_id, token_hash, kind, created_at, expires_at, client_addr) VALUES (?, ?, ?, ?, ?, ?);

-- name: get-token-user
SELECT t.id, t.user_id, t.kind, t.created_at, t.last_used_at, t.expires_at, t.client_addr,
       u.id, u.email, u.password_hash, u.created_at, u.role
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE t.token_hash = ? AND t.kind = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?);

-- name: touch-token
-- A use of a live token, recorded at most once per interval: the last
-- argument is the time before which the previous use must lie.
UPDATE api_tokens SET last_used_at = ?, expires_at = ?, client_addr = ?
WHERE id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)
  AND (last_used_at IS NULL OR last_used_at <= ?);

-- name: list-user-tokens
SELECT id, user_id, kind, created_at, last_used_at, expires_at, client_addr
FROM api_tokens
WHERE user_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)
ORDER BY id;

-- name: revoke-token
UPDATE api_tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL;

-- name: revoke-user-token
UPDATE api_tokens SET revoked_at = ?
WHERE id = ? AND user_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?);

-- name: revoke-user-tokens
-- Every live token of a user but one (0 keeps none).
UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND id <> ? AND revoked_at IS NULL;
