-- A tier that ended (its expiry passed or its quantity was paid for) is
-- reported to the organizers once: reported_at is set in the transaction
-- that queues the mail. Tiers that had ended before this are taken as
-- reported, so that an upgrade sends no mail about old tiers.
ALTER TABLE tiers ADD COLUMN reported_at INTEGER;
UPDATE tiers SET reported_at = CAST(strftime('%s', 'now') AS INTEGER)
WHERE (expires_at IS NOT NULL AND expires_at <= CAST(strftime('%s', 'now') AS INTEGER))
   OR (quantity IS NOT NULL AND quantity <= (SELECT COUNT(*) FROM registrations r WHERE r.tier_id = tiers.id
        AND r.status IN ('confirmed', 'pending_approval', 'partially_refunded')));
CREATE INDEX tiers_unreported ON tiers(id) WHERE reported_at IS NULL;
