-- Users, their roles, the events they may act on, and invitations.

-- name: list-users
SELECT id, email, password_hash, created_at, role FROM users ORDER BY id;

-- name: insert-invited-user
-- No password until the invitation is accepted: such a user cannot sign in.
INSERT INTO users(email, password_hash, role, created_at) VALUES (?, '', ?, ?);

-- name: set-user-role
UPDATE users SET role = ? WHERE id = ?;

-- name: delete-user
DELETE FROM users WHERE id = ?;

-- name: count-admins
-- The admins who can sign in (an invited one cannot yet).
SELECT COUNT(*) FROM users WHERE role = 'admin' AND password_hash != '';

-- name: set-first-password
UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = '';

-- name: set-event-owner
UPDATE events SET owner_id = ? WHERE id = ?;

-- name: transfer-events
UPDATE events SET owner_id = ? WHERE owner_id = ?;

-- name: event-access
-- 1 when the user owns the event or is one of its co-organizers; no row
-- when there is no such event.
SELECT owner_id IS ? OR EXISTS(SELECT 1 FROM event_members m WHERE m.event_id = events.id AND m.user_id = ?)
FROM events WHERE id = ?;

-- name: registration-event
SELECT event_id FROM registrations WHERE id = ?;

-- name: visible-event-ids
SELECT id FROM events WHERE owner_id = ?
UNION
SELECT event_id FROM event_members WHERE user_id = ?;

-- name: event-owner
SELECT u.id, u.email, u.password_hash, u.created_at, u.role
FROM events e JOIN users u ON u.id = e.owner_id WHERE e.id = ?;

-- name: insert-member
INSERT INTO event_members(event_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING;

-- name: delete-member
DELETE FROM event_members WHERE event_id = ? AND user_id = ?;

-- name: list-members
SELECT u.id, u.email, u.password_hash, u.created_at, u.role
FROM event_members m JOIN users u ON u.id = m.user_id
WHERE m.event_id = ? ORDER BY u.email;

-- name: insert-invitation
INSERT INTO invitations(user_id, token_nonce, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?);

-- name: get-invitation
SELECT id, user_id, token_nonce, created_at, expires_at, used_at FROM invitations WHERE id = ?;

-- name: get-invitation-by-hash
SELECT id, user_id, token_nonce, created_at, expires_at, used_at FROM invitations WHERE token_hash = ?;

-- name: use-invitations
-- Accepting one invitation ends every other one of the same user.
UPDATE invitations SET used_at = ? WHERE user_id = ? AND used_at IS NULL;
