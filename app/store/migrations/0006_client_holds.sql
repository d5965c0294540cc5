-- The client address (an IPv6 client's /64 network) a public registration
-- came from, so that the unpaid holds one client keeps on an event can be
-- counted in the transaction that takes a new one. Empty for registrations
-- added by an organizer and for those made before this column existed.
ALTER TABLE registrations ADD COLUMN client_ip TEXT NOT NULL DEFAULT '';
CREATE INDEX registrations_client_holds ON registrations(event_id, client_ip, hold_expires_at)
    WHERE status = 'pending_payment' AND client_ip != '';
