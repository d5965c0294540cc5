-- A machine-readable refund rule for cancellations by the registrant: NULL,
-- no automatic refund (the organizer decides); N, a full refund when the
-- registrant cancels at least N hours before the first session.
ALTER TABLE events ADD COLUMN cancel_refund_hours INTEGER CHECK (cancel_refund_hours IS NULL OR cancel_refund_hours >= 0);
