-- The audit log: every administrator's action, who, when, from where, on
-- what; before and after for money. Never a secret: the columns hold ids,
-- names, statuses and amounts only. Kept when the user is deleted (the
-- email stays), hence no foreign keys.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor_id    INTEGER NOT NULL DEFAULT 0,
    actor_email TEXT NOT NULL DEFAULT '',
    client_ip   TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '',
    event_id    INTEGER,
    before      TEXT,
    after       TEXT
);
CREATE INDEX audit_log_event ON audit_log(event_id, id);
CREATE INDEX audit_log_actor ON audit_log(actor_email, id);
