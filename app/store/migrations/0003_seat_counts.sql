-- Seats taken for good by attendees (confirmed, awaiting approval, partially
-- refunded; panelists and co-organizers take none), per event and session
-- (0: the whole event), kept by triggers in the same
-- transaction as every change of a registration, so that the capacity
-- check costs the same at 10 seats or 100,000. Unexpired payment holds are
-- counted apart: they are few (partial index below). The triggers spell the
-- statuses out with OR: an IN list would make SQLite build a throwaway index
-- each time a trigger fires.

CREATE TABLE seat_counts (
    event_id    INTEGER NOT NULL,
    session_key INTEGER NOT NULL,
    taken       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, session_key)
) WITHOUT ROWID;

INSERT INTO seat_counts(event_id, session_key, taken)
SELECT event_id, ifnull(session_id, 0), COUNT(*) FROM registrations
WHERE status IN ('confirmed', 'pending_approval', 'partially_refunded') AND role = 'attendee'
GROUP BY event_id, ifnull(session_id, 0);

CREATE TRIGGER seats_on_insert AFTER INSERT ON registrations
WHEN (NEW.status = 'confirmed' OR NEW.status = 'pending_approval' OR NEW.status = 'partially_refunded') AND NEW.role = 'attendee'
BEGIN
    INSERT INTO seat_counts(event_id, session_key, taken) VALUES (NEW.event_id, ifnull(NEW.session_id, 0), 1)
    ON CONFLICT(event_id, session_key) DO UPDATE SET taken = taken + 1;
END;

CREATE TRIGGER seats_on_update AFTER UPDATE OF status, session_id, event_id, role ON registrations
WHEN ((OLD.status = 'confirmed' OR OLD.status = 'pending_approval' OR OLD.status = 'partially_refunded') AND OLD.role = 'attendee')
  != ((NEW.status = 'confirmed' OR NEW.status = 'pending_approval' OR NEW.status = 'partially_refunded') AND NEW.role = 'attendee')
  OR ifnull(OLD.session_id, 0) != ifnull(NEW.session_id, 0) OR OLD.event_id != NEW.event_id
BEGIN
    UPDATE seat_counts SET taken = taken - 1
    WHERE (OLD.status = 'confirmed' OR OLD.status = 'pending_approval' OR OLD.status = 'partially_refunded') AND OLD.role = 'attendee'
      AND event_id = OLD.event_id AND session_key = ifnull(OLD.session_id, 0);
    INSERT INTO seat_counts(event_id, session_key, taken)
    SELECT NEW.event_id, ifnull(NEW.session_id, 0), 1
    WHERE (NEW.status = 'confirmed' OR NEW.status = 'pending_approval' OR NEW.status = 'partially_refunded') AND NEW.role = 'attendee'
    ON CONFLICT(event_id, session_key) DO UPDATE SET taken = taken + 1;
END;

CREATE TRIGGER seats_on_delete AFTER DELETE ON registrations
WHEN (OLD.status = 'confirmed' OR OLD.status = 'pending_approval' OR OLD.status = 'partially_refunded') AND OLD.role = 'attendee'
BEGIN
    UPDATE seat_counts SET taken = taken - 1 WHERE event_id = OLD.event_id AND session_key = ifnull(OLD.session_id, 0);
END;

CREATE INDEX registrations_holds ON registrations(event_id, session_id, hold_expires_at) WHERE status = 'pending_payment';
