package ticketing

import (
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// Selling the replay: once the last session of a live event or series is
// over and a recording can be watched, the event keeps selling, at its
// recording_price (else its price). Such a sale is not limited by the
// capacity and takes no live seat (there is none left to take); tiers,
// which are the live event's, do not apply to it, promo codes do.

// forSale is the event as it sells at now: while it sells its replay, at
// the replay's price; replay says so.
func forSale(e *model.Event, now time.Time) (sale *model.Event, replay bool) {
	if !e.SellsReplay(now) {
		return e, false
	}
	c := *e
	c.Price = e.ReplayPrice()
	return &c, true
}

// applyRecordingPrice copies recording_price onto e and validates it as
// the price is: within its currency's limits, in the event's currency when
// the event has a price (promo codes take amounts off in that one), above
// the providers' minimum, and not on an on-demand video (which sells at its
// price).
func (s *Service) applyRecordingPrice(f fields, e *model.Event, in EventInput) {
	if in.RecordingPrice.Set {
		if in.RecordingPrice.Null {
			e.RecordingPrice = nil
		} else if m := checkMoney(f, "recording_price", in.RecordingPrice.Value); m != nil {
			e.RecordingPrice = m
		}
	}
	rp := e.RecordingPrice
	if rp == nil || f["recording_price.amount"] != "" || f["recording_price.currency"] != "" {
		return
	}
	if e.Kind == model.KindOnDemand {
		f.add("recording_price", "an on-demand video sells at its price: leave recording_price out (or null)")
		return
	}
	if e.Price != nil && f["price.currency"] == "" && e.Price.Currency != rp.Currency {
		f.add("recording_price.currency", "must be the event's currency, %s", e.Price.Currency)
		return
	}
	if msg := s.belowMinimumIn(e, rp.Amount, rp.Currency); msg != "" {
		f.add("recording_price.amount", "%s", msg)
	}
	s.checkProviderCurrencies(f, e, rp.Currency)
}

// lateSeat reports whether a payment that came after its hold ran out
// still finds a seat on e (read without its sessions): one is left, or the
// event sells its replay, which takes none.
func lateSeat(tx *store.Tx, e *model.Event, r *model.Registration) (bool, error) {
	full, err := tx.Event(e.ID)
	if err != nil {
		return false, err
	}
	if full.SellsReplay(tx.Now()) {
		return true, nil
	}
	taken, err := tx.CountSeatsExcept(e.ID, r.SessionID, r.ID)
	return taken < *e.Capacity, err
}
