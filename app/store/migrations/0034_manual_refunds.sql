-- Refunds a provider cannot make (its module declares ManualRefunds: a bank
-- transfer): method 'manual' is money the organizer owes and gives back by
-- their own means. Such a refund stays queued (owed) until the organizer
-- marks it refunded; it is never sent to the provider.
ALTER TABLE refunds ADD COLUMN method TEXT NOT NULL DEFAULT 'provider' CHECK (method IN ('provider', 'manual'));
