-- name: count-users
SELECT COUNT(*) FROM users;

-- name: insert-user
INSERT INTO users(email, password_hash, created_at) VALUES (?, ?, ?);

-- name: get-user-by-email
SELECT id, email, password_hash, created_at FROM users WHERE email = ?;

-- name: get-user
SELECT id, email, password_hash, created_at FROM users WHERE id = ?;

-- name: insert-token
INSERT INTO api_tokens(user_id, token_hash, kind, created_at, expires_at) VALUES (?, ?, ?, ?, ?);

-- name: get-token-user
SELECT u.id, u.email, u.password_hash, u.created_at
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE t.token_hash = ? AND t.kind = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?);

-- name: revoke-token
UPDATE api_tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL;
