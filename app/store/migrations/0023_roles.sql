-- Roles: what each user may do, who owns an event, and who helps run it.
-- Every user so far was an administrator; every event so far belongs to the
-- first of them.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'admin'
    CHECK (role IN ('admin', 'organizer', 'co_organizer'));

ALTER TABLE events ADD COLUMN owner_id INTEGER REFERENCES users(id) ON DELETE SET NULL;
UPDATE events SET owner_id = (SELECT MIN(id) FROM users);
CREATE INDEX events_owner ON events(owner_id);

-- The co-organizers of an event: they see and change it like its owner.
CREATE TABLE event_members (
    event_id   INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (event_id, user_id)
) WITHOUT ROWID;
CREATE INDEX event_members_user ON event_members(user_id, event_id);

-- Invitations: a link to set a first password. The token is derived from
-- the nonce with the server's key (so the mail can be written at delivery
-- time); only its hash is looked up.
CREATE TABLE invitations (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_nonce BLOB NOT NULL,
    token_hash  BLOB NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX invitations_user ON invitations(user_id);
