-- API tokens expire after auth.token_days without use: each use (recorded at
-- most once a minute) pushes expires_at. client_addr is where the token was
-- last used from (at first, where it was issued).
ALTER TABLE api_tokens ADD COLUMN last_used_at INTEGER;
ALTER TABLE api_tokens ADD COLUMN client_addr TEXT NOT NULL DEFAULT '';
CREATE INDEX api_tokens_user ON api_tokens(user_id);
-- Tokens issued before expiry existed never expired: they get the default
-- 30 days from now, pushed on each use like any other.
UPDATE api_tokens SET expires_at = CAST(strftime('%s', 'now') AS INTEGER) + 30 * 86400
WHERE kind = 'api' AND expires_at IS NULL AND revoked_at IS NULL;
