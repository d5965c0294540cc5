-- A session's revision counts its moves (a new start or length): the
-- calendar files give it as SEQUENCE so that clients replace the entry.
ALTER TABLE sessions ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
