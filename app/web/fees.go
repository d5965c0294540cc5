package web

import (
	"strconv"

	"github.com/admit/admit/app/model"
)

// Provider fees in the registrations list and its CSV.

// providerFeeJSON is what the provider kept of a registration's payment,
// in minor units of the currency the provider states it in.
type providerFeeJSON struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// providerFeeView is a payment's fee, nil when there is no payment or its
// fee is not known yet.
func providerFeeView(fees map[int64]model.ProviderFee, r *model.Registration) *providerFeeJSON {
	f, ok := fees[r.ID]
	if !ok || !f.Known() || r.AmountPaid == 0 {
		return nil
	}
	return &providerFeeJSON{Amount: f.Amount, Currency: f.Currency}
}

// providerFeeCells are the CSV's provider_fee and provider_fee_currency,
// empty when the fee is not known.
func providerFeeCells(fees map[int64]model.ProviderFee, r *model.Registration) []string {
	if f := providerFeeView(fees, r); f != nil {
		return []string{strconv.FormatInt(f.Amount, 10), f.Currency}
	}
	return []string{"", ""}
}
