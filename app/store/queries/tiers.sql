-- name: ended-tiers
-- Tiers not yet reported whose expiry has passed or whose quantity is paid
-- for (held seats do not count: a hold may lapse), with their sales: the
-- seats paid in the tier and what was paid for them in its currency, less
-- refunds. Tiers of cancelled events are left out.
SELECT t.id, t.event_id, e.title, t.name, t.currency, t.expires_at, t.quantity,
    COUNT(r.id) AS sold,
    COALESCE(SUM(CASE WHEN r.paid_currency = t.currency THEN r.amount_paid - r.amount_refunded ELSE 0 END), 0) AS amount
FROM tiers t
JOIN events e ON e.id = t.event_id
LEFT JOIN registrations r ON r.tier_id = t.id AND r.status IN ('confirmed', 'pending_approval', 'partially_refunded')
WHERE t.reported_at IS NULL AND e.status != 'cancelled'
GROUP BY t.id
HAVING (t.expires_at IS NOT NULL AND t.expires_at <= ?) OR (t.quantity IS NOT NULL AND COUNT(r.id) >= t.quantity)
ORDER BY t.id LIMIT ?;

-- name: mark-tier-reported
UPDATE tiers SET reported_at = ? WHERE id = ? AND reported_at IS NULL;
