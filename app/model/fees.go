package model

// ProviderFee is what a payment provider kept of a registration's payment
// (Stripe's balance transaction fee, PayPal's paypal_fee), in minor units of
// Currency, the currency the provider states it in (Stripe's is the
// account's settlement currency, which may differ from the payment's).
type ProviderFee struct {
	RegistrationID int64
	Provider       string
	PaymentID      string
	// CheckoutID is the payment's checkout (to look the payment up).
	CheckoutID string
	Amount     int64
	// Currency is "" while the fee is not known yet.
	Currency string
	// Attempts and LastError tell how asking the provider went.
	Attempts  int
	LastError string
}

// Known reports whether the provider has told the fee.
func (f ProviderFee) Known() bool { return f.Currency != "" }

// RecordedPayment is a payment as Admit recorded it: what was charged, what
// was refunded of it (in the same currency) and the provider's fee (nil:
// not known).
type RecordedPayment struct {
	RegistrationID int64
	Provider       string
	CheckoutID     string
	PaymentID      string
	Paid           Money
	Refunded       int64
	Fee            *Money
}
