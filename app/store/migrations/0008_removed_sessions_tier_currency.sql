-- A session removed from an event is kept, marked removed_at, so that the
-- registrations of a removed session still say which one they were for
-- (their session_id no longer turns to NULL, which made them look like
-- registrations for every session). Events list only the sessions not
-- removed.
ALTER TABLE sessions ADD COLUMN removed_at INTEGER;

-- Tier prices and amounts off are in a currency: the event's when they
-- were made. The quote uses only those in the event's current currency.
ALTER TABLE tiers ADD COLUMN currency TEXT NOT NULL DEFAULT '';
UPDATE tiers SET currency = (SELECT price_currency FROM events WHERE events.id = tiers.event_id);
ALTER TABLE promo_codes ADD COLUMN currency TEXT NOT NULL DEFAULT '';
UPDATE promo_codes SET currency = (SELECT price_currency FROM events WHERE events.id = promo_codes.event_id)
WHERE amount_off > 0;
