package store

import (
	"database/sql"
	"time"
)

// EndedTier is a tier whose expiry has passed or whose quantity is paid
// for, not yet reported, with its sales.
type EndedTier struct {
	ID, EventID      int64
	EventTitle, Name string
	Currency         string
	ExpiresAt        *time.Time
	Quantity         *int64
	Sold             int64 // seats paid in the tier
	Amount           int64 // paid for them, less refunds, in Currency
	Expired, SoldOut bool
}

// EndedTiers lists up to limit tiers ended by the transaction's time and
// not yet reported, by id.
func (t *Tx) EndedTiers(limit int) ([]EndedTier, error) {
	rows, err := t.stmt("ended-tiers").QueryContext(t.ctx, unix(t.now), limit)
	return collect(rows, err, func(row scanner) (EndedTier, error) {
		var et EndedTier
		var exp, qty sql.NullInt64
		err := row.Scan(&et.ID, &et.EventID, &et.EventTitle, &et.Name, &et.Currency, &exp, &qty, &et.Sold, &et.Amount)
		et.ExpiresAt, et.Quantity = nullTime(exp), nullID(qty)
		et.Expired = et.ExpiresAt != nil && !et.ExpiresAt.After(t.now)
		et.SoldOut = et.Quantity != nil && et.Sold >= *et.Quantity
		return et, err
	})
}

// MarkTierReported records that a tier's end was reported.
func (t *Tx) MarkTierReported(id int64) error {
	_, err := t.exec("mark-tier-reported", unix(t.now), id)
	return err
}
