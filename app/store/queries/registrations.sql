-- name: insert-registration
INSERT INTO registrations(event_id, session_id, name, email, email_norm, status, role, locale, amount, currency,
    amount_paid, tier, promo_code, provider, token_nonce, token_hash, hold_expires_at, last_mailed_at, created_at, updated_at,
    tier_id, promo_id, service_fee, client_ip)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: get-registration
SELECT id, event_id, session_id, name, email, status, role, locale, amount, currency, amount_paid, amount_refunded,
    tier, promo_code, provider, token_nonce, token_hash, hold_expires_at, last_mailed_at, created_at, updated_at,
    tier_id, promo_id, service_fee, checkout_id, checkout_url, payment_id, paid_at,
    paid_currency, provider_refunded, refunded_unmatched
FROM registrations WHERE id = ?;

-- name: get-registration-by-token
SELECT id, event_id, session_id, name, email, status, role, locale, amount, currency, amount_paid, amount_refunded,
    tier, promo_code, provider, token_nonce, token_hash, hold_expires_at, last_mailed_at, created_at, updated_at,
    tier_id, promo_id, service_fee, checkout_id, checkout_url, payment_id, paid_at,
    paid_currency, provider_refunded, refunded_unmatched
FROM registrations WHERE token_hash = ?;

-- name: find-live-registration
SELECT id, event_id, session_id, name, email, status, role, locale, amount, currency, amount_paid, amount_refunded,
    tier, promo_code, provider, token_nonce, token_hash, hold_expires_at, last_mailed_at, created_at, updated_at,
    tier_id, promo_id, service_fee, checkout_id, checkout_url, payment_id, paid_at,
    paid_currency, provider_refunded, refunded_unmatched
FROM registrations
WHERE event_id = ? AND ifnull(session_id, 0) = ? AND email_norm = ?
  AND (status = 'pending_payment' OR status = 'pending_approval' OR status = 'confirmed' OR status = 'partially_refunded');

-- name: list-registrations
SELECT id, event_id, session_id, name, email, status, role, locale, amount, currency, amount_paid, amount_refunded,
    tier, promo_code, provider, token_nonce, token_hash, hold_expires_at, last_mailed_at, created_at, updated_at,
    tier_id, promo_id, service_fee, checkout_id, checkout_url, payment_id, paid_at,
    paid_currency, provider_refunded, refunded_unmatched
FROM registrations WHERE event_id = ? AND (? = '' OR status = ?) ORDER BY id;

-- name: list-registrations-to-notify
SELECT id, event_id, session_id, name, email, status, role, locale, amount, currency, amount_paid, amount_refunded,
    tier, promo_code, provider, token_nonce, token_hash, hold_expires_at, last_mailed_at, created_at, updated_at,
    tier_id, promo_id, service_fee, checkout_id, checkout_url, payment_id, paid_at,
    paid_currency, provider_refunded, refunded_unmatched
FROM registrations
WHERE event_id = ? AND (? = 0 OR session_id IS NULL OR session_id = ?)
  AND status IN ('pending_payment', 'pending_approval', 'confirmed', 'partially_refunded')
ORDER BY id;

-- name: count-seats
-- Seats taken on an event (session_id 0: the whole event) at a time: the
-- kept count of confirmed, awaiting-approval and partially refunded ones,
-- plus the unexpired payment holds and waiting-list offers, plus the people
-- still waiting (the line goes first: a freed seat is theirs).
SELECT ifnull((SELECT taken FROM seat_counts WHERE event_id = ?1 AND session_key = ?2), 0)
     + (SELECT COUNT(*) FROM registrations
        WHERE event_id = ?1 AND status = 'pending_payment' AND ifnull(session_id, 0) = ?2 AND role = 'attendee'
          AND (hold_expires_at IS NULL OR hold_expires_at > ?3))
     + (SELECT COUNT(*) FROM waitlist
        WHERE event_id = ?1 AND session_key = ?2
          AND (status = 'waiting' OR (status = 'offered' AND offer_expires_at > ?3)));

-- name: count-held-seats
-- Seats taken or held on an event (or session) at a time: as count-seats,
-- without the people still waiting in line (the seats that can be offered).
SELECT ifnull((SELECT taken FROM seat_counts WHERE event_id = ?1 AND session_key = ?2), 0)
     + (SELECT COUNT(*) FROM registrations
        WHERE event_id = ?1 AND status = 'pending_payment' AND ifnull(session_id, 0) = ?2 AND role = 'attendee'
          AND (hold_expires_at IS NULL OR hold_expires_at > ?3))
     + (SELECT COUNT(*) FROM waitlist
        WHERE event_id = ?1 AND session_key = ?2 AND status = 'offered' AND offer_expires_at > ?3);

-- name: count-client-holds
-- Unexpired payment holds one client address keeps on an event (all its
-- sessions), and when the first of them runs out.
SELECT COUNT(*), MIN(hold_expires_at) FROM registrations
WHERE event_id = ?1 AND client_ip = ?2 AND client_ip != '' AND status = 'pending_payment'
  AND (hold_expires_at IS NULL OR hold_expires_at > ?3);

-- name: registration-state
-- What a status change checks (see moveStatus).
SELECT status, amount_refunded FROM registrations WHERE id = ?;

-- name: set-registration-status
UPDATE registrations SET status = ?, updated_at = ? WHERE id = ? AND status = ?;

-- name: set-registration-mailed
UPDATE registrations SET last_mailed_at = ? WHERE id = ?;

-- name: expire-holds
UPDATE registrations SET status = 'expired', updated_at = ?
WHERE status = 'pending_payment' AND hold_expires_at IS NOT NULL AND hold_expires_at <= ?;

-- name: get-idempotency
SELECT request_hash, outcome IS NOT NULL, outcome FROM idempotency_keys WHERE scope = ? AND key = ?;

-- name: insert-idempotency
-- An answered key (outcome: as its caller recorded it), or (outcome NULL)
-- the claim of a request still being answered; an answer replaces a claim,
-- never another answer.
INSERT INTO idempotency_keys(scope, key, request_hash, outcome, created_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT(scope, key) DO UPDATE SET outcome = excluded.outcome
WHERE idempotency_keys.outcome IS NULL AND idempotency_keys.request_hash = excluded.request_hash;

-- name: drop-idempotency-claim
DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND outcome IS NULL;

-- name: delete-old-idempotency
DELETE FROM idempotency_keys WHERE created_at < ?;

-- name: registration-by-checkout
SELECT id, event_id, session_id, name, email, status, role, locale, amount, currency, amount_paid, amount_refunded,
    tier, promo_code, provider, token_nonce, token_hash, hold_expires_at, last_mailed_at, created_at, updated_at,
    tier_id, promo_id, service_fee, checkout_id, checkout_url, payment_id, paid_at,
    paid_currency, provider_refunded, refunded_unmatched
FROM registrations WHERE provider = ? AND checkout_id = ?;

-- name: registration-by-payment
SELECT id, event_id, session_id, name, email, status, role, locale, amount, currency, amount_paid, amount_refunded,
    tier, promo_code, provider, token_nonce, token_hash, hold_expires_at, last_mailed_at, created_at, updated_at,
    tier_id, promo_id, service_fee, checkout_id, checkout_url, payment_id, paid_at,
    paid_currency, provider_refunded, refunded_unmatched
FROM registrations WHERE provider = ? AND payment_id = ?;

-- name: pending-checkouts
-- Unpaid registrations with a checkout older than a moment, for
-- reconciliation with the provider: still pending, or expired or cancelled
-- since ?3 (a payment can still land then; it is refunded).
SELECT id, event_id, session_id, name, email, status, role, locale, amount, currency, amount_paid, amount_refunded,
    tier, promo_code, provider, token_nonce, token_hash, hold_expires_at, last_mailed_at, created_at, updated_at,
    tier_id, promo_id, service_fee, checkout_id, checkout_url, payment_id, paid_at,
    paid_currency, provider_refunded, refunded_unmatched
FROM registrations
WHERE checkout_id != '' AND amount_paid = 0 AND created_at <= ?1 AND created_at >= ?2
  AND (status = 'pending_payment' OR ((status = 'expired' OR status = 'cancelled') AND updated_at >= ?3))
ORDER BY id LIMIT ?4;

-- name: set-checkout
UPDATE registrations SET checkout_id = ?, checkout_url = ?, updated_at = ? WHERE id = ?;

-- name: set-paid
-- This status change and the one below apply to a registration still in
-- the state the caller read (its status and amount refunded: the last two
-- arguments); nothing changes otherwise (see moveStatus).
UPDATE registrations SET status = ?, amount_paid = ?, paid_currency = ?, payment_id = ?, paid_at = ?, updated_at = ?,
    last_mailed_at = coalesce(?, last_mailed_at) WHERE id = ? AND status = ? AND amount_refunded = ?;

-- name: set-refunded
UPDATE registrations SET status = ?, amount_refunded = ?, provider_refunded = ?, refunded_unmatched = ?, updated_at = ?
WHERE id = ? AND status = ? AND amount_refunded = ?;

-- name: count-seats-except
-- Seats taken on an event (or session) not counting registration ?3.
SELECT ifnull((SELECT taken FROM seat_counts WHERE event_id = ?1 AND session_key = ?2), 0)
     - (SELECT COUNT(*) FROM registrations WHERE id = ?3 AND event_id = ?1 AND ifnull(session_id, 0) = ?2
          AND status IN ('confirmed', 'pending_approval', 'partially_refunded') AND role = 'attendee')
     + (SELECT COUNT(*) FROM registrations
        WHERE event_id = ?1 AND status = 'pending_payment' AND ifnull(session_id, 0) = ?2 AND id != ?3 AND role = 'attendee'
          AND (hold_expires_at IS NULL OR hold_expires_at > ?4))
     + (SELECT COUNT(*) FROM waitlist
        WHERE event_id = ?1 AND session_key = ?2 AND status = 'offered' AND offer_expires_at > ?4);

-- name: paid-registrations
-- Registrations of an event with money not yet refunded.
SELECT id, event_id, session_id, name, email, status, role, locale, amount, currency, amount_paid, amount_refunded,
    tier, promo_code, provider, token_nonce, token_hash, hold_expires_at, last_mailed_at, created_at, updated_at,
    tier_id, promo_id, service_fee, checkout_id, checkout_url, payment_id, paid_at,
    paid_currency, provider_refunded, refunded_unmatched
FROM registrations WHERE event_id = ? AND amount_paid > amount_refunded ORDER BY id;

-- name: set-registration-locale
UPDATE registrations SET locale = ?, updated_at = ? WHERE id = ?;

-- name: get-join-by-token
-- What the join link decides with: who, which event and session, and the
-- status (see RegistrationForJoin).
SELECT id, event_id, session_id, status FROM registrations WHERE token_hash = ?;
