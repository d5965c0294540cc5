-- The reminders of a session are queued in batches of registrations taken
-- in id order from where the last batch ended, so that each is read once.
CREATE INDEX registrations_event ON registrations(event_id);
