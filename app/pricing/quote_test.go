package pricing

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func at(d time.Duration) *time.Time { return ptr(now.Add(d)) }

func TestCurrentTier(t *testing.T) {
	early := Tier{ID: 1, Name: "Early bird", Amount: 1000, ExpiresAt: at(time.Hour)}
	first50 := Tier{ID: 2, Name: "First 50", Amount: 1500, Quantity: ptr[int64](50), Sold: 10}
	cases := []struct {
		name   string
		tiers  []Tier
		wantID int64 // 0: base price
	}{
		{"no tiers", nil, 0},
		{"first applies", []Tier{early, first50}, 1},
		{"order is kept even when a later tier is cheaper", []Tier{first50, early}, 2},
		{"expired by date falls to the next", []Tier{withExp(early, -time.Minute), first50}, 2},
		{"expiring exactly now is expired", []Tier{withExp(early, 0), first50}, 2},
		{"sold out by quantity falls to the next", []Tier{withSold(first50, 50), early}, 1},
		{"oversold counts as sold out", []Tier{withSold(first50, 60), early}, 1},
		{"expired then sold out: base price", []Tier{withExp(early, -time.Second), withSold(first50, 50)}, 0},
		{"expired and sold out at once: base price", []Tier{withSold(withExp(first50, -time.Hour), 50)}, 0},
		{"no end date and no limit always applies", []Tier{{ID: 3, Name: "Members", Amount: 900}}, 3},
		{"quantity 0 is sold out", []Tier{{ID: 4, Amount: 900, Quantity: ptr[int64](0)}}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := CurrentTier(c.tiers, now)
			if ok != (c.wantID != 0) || got.ID != c.wantID {
				t.Fatalf("CurrentTier = %+v, %v; want id %d", got, ok, c.wantID)
			}
		})
	}
}

func withExp(t Tier, d time.Duration) Tier { t.ExpiresAt = at(d); return t }
func withSold(t Tier, n int64) Tier        { t.Sold = n; return t }

func TestFindPromo(t *testing.T) {
	promos := []Promo{{Code: "Early20", PercentOff: 20}, {Code: "FREE", PercentOff: 100}}
	cases := []struct {
		code string
		want string
	}{
		{"Early20", "Early20"},
		{"early20", "Early20"},
		{"EARLY20", "Early20"},
		{"  eArLy20\t", "Early20"},
		{"free", "FREE"},
		{"early2", ""},
		{"early20x", ""},
		{"", ""},
		{"   ", ""},
	}
	for _, c := range cases {
		p, ok := FindPromo(promos, c.code)
		if ok != (c.want != "") || p.Code != c.want {
			t.Errorf("FindPromo(%q) = %q, %v; want %q", c.code, p.Code, ok, c.want)
		}
	}
}

func TestCalculate(t *testing.T) {
	type want struct {
		amount, list, discount, fee int64
		tierID                      int64
		promo                       string
		free, raised                bool
		err                         error
	}
	promos := []Promo{
		{Code: "P15", PercentOff: 15},
		{Code: "P25", PercentOff: 25},
		{Code: "P33", PercentOff: 33},
		{Code: "P60", PercentOff: 60},
		{Code: "P80", PercentOff: 80},
		{Code: "P99", PercentOff: 99},
		{Code: "FREE", PercentOff: 100},
		{Code: "OFF15", AmountOff: 1500},
		{Code: "OFF960", AmountOff: 960},
		{Code: "OFF99999", AmountOff: 99999},
		{Code: "ODDHUF", AmountOff: 12345},
		{Code: "LATE", PercentOff: 10, ExpiresAt: at(0)},
		{Code: "SOON", PercentOff: 10, ExpiresAt: at(time.Second)},
		{Code: "USEDUP", PercentOff: 10, MaxUses: ptr[int64](5), Uses: 5},
		{Code: "ONELEFT", PercentOff: 10, MaxUses: ptr[int64](5), Uses: 4},
		{Code: "ZEROUSES", PercentOff: 10, MaxUses: ptr[int64](0)},
		{Code: "BROKEN", PercentOff: 150},
		{Code: "BOTH", PercentOff: 10, AmountOff: 100},
		{Code: "NEG", AmountOff: -100},
	}
	early := Tier{ID: 7, Name: "Early bird", Amount: 1500, ExpiresAt: at(time.Hour)}
	cases := []struct {
		name     string
		base     int64
		currency string
		tiers    []Tier
		code     string
		fee      int64
		want     want
	}{
		{name: "base price", base: 1999, currency: "EUR", want: want{amount: 1999, list: 1999}},
		{name: "empty code is no promo", base: 1999, currency: "EUR", code: "  ", want: want{amount: 1999, list: 1999}},
		{name: "tier price", base: 2000, currency: "EUR", tiers: []Tier{early}, want: want{amount: 1500, list: 1500, tierID: 7}},
		{name: "expired tier gives the base price", base: 2000, currency: "EUR", tiers: []Tier{withExp(early, 0)}, want: want{amount: 2000, list: 2000}},
		{name: "tier dearer than a lowered base sells at the base", base: 1200, currency: "EUR", tiers: []Tier{early}, want: want{amount: 1200, list: 1200, tierID: 7}},
		{name: "code applies to the tier price", base: 2000, currency: "EUR", tiers: []Tier{early}, code: "p25", want: want{amount: 1125, list: 1500, discount: 375, tierID: 7, promo: "P25"}},

		{name: "percent rounds half-up: 299.85 → 300", base: 1999, currency: "EUR", code: "p15", want: want{amount: 1699, list: 1999, discount: 300, promo: "P15"}},
		{name: "percent rounds half-up: 497.5 → 498", base: 1990, currency: "EUR", code: "P25", want: want{amount: 1492, list: 1990, discount: 498, promo: "P25"}},
		{name: "percent rounds half-up: 499.75 → 500", base: 1999, currency: "EUR", code: "P25", want: want{amount: 1499, list: 1999, discount: 500, promo: "P25"}},
		{name: "percent tie rounds up, not to even: 492.5 → 493", base: 1970, currency: "EUR", code: "P25", want: want{amount: 1477, list: 1970, discount: 493, promo: "P25"}},
		{name: "service fee tie rounds up: 50.5 → 51", base: 1010, currency: "EUR", fee: 5, want: want{amount: 1010, list: 1010, fee: 51}},
		{name: "percent exact", base: 1000, currency: "EUR", code: "P33", want: want{amount: 670, list: 1000, discount: 330, promo: "P33"}},
		{name: "fixed amount", base: 5000, currency: "USD", code: "off15", want: want{amount: 3500, list: 5000, discount: 1500, promo: "OFF15"}},
		{name: "fixed amount above the price is free", base: 5000, currency: "USD", code: "OFF99999", want: want{amount: 0, list: 5000, discount: 5000, promo: "OFF99999", free: true}},
		{name: "fixed amount equal to the price is free", base: 1500, currency: "USD", code: "OFF15", want: want{amount: 0, list: 1500, discount: 1500, promo: "OFF15", free: true}},
		{name: "100 % is free", base: 1999, currency: "EUR", tiers: []Tier{early}, code: "free", want: want{amount: 0, list: 1500, discount: 1500, tierID: 7, promo: "FREE", free: true}},

		{name: "raised to the minimum (percent)", base: 1000, currency: "EUR", code: "P99", want: want{amount: 50, list: 1000, discount: 950, promo: "P99", raised: true}},
		{name: "raised to the minimum (fixed)", base: 1000, currency: "EUR", code: "OFF960", want: want{amount: 50, list: 1000, discount: 950, promo: "OFF960", raised: true}},
		{name: "GBP minimum is 0.30", base: 100, currency: "GBP", code: "P80", want: want{amount: 30, list: 100, discount: 70, promo: "P80", raised: true}},
		{name: "at the minimum stays", base: 250, currency: "GBP", code: "P80", want: want{amount: 50, list: 250, discount: 200, promo: "P80"}},
		{name: "never raised above the list price", base: 200, currency: "CZK", code: "P60", want: want{amount: 200, list: 200, discount: 0, promo: "P60", raised: true}},

		{name: "HUF percent rounds to whole units", base: 150100, currency: "HUF", code: "P33", want: want{amount: 100600, list: 150100, discount: 49500, promo: "P33"}},
		{name: "HUF base in half units never reaches the discount", base: 150, currency: "HUF", code: "P33", want: want{err: ErrPriceInvalid}},
		{name: "HUF raised to 175", base: 20000, currency: "HUF", code: "P99", want: want{amount: 17500, list: 20000, discount: 2500, promo: "P99", raised: true}},
		{name: "HUF rounding to 0 is not free", base: 100, currency: "HUF", code: "P60", want: want{amount: 100, list: 100, promo: "P60", raised: true}},
		{name: "HUF odd fixed amount rounds to whole units", base: 50000, currency: "HUF", code: "ODDHUF", want: want{amount: 37700, list: 50000, discount: 12300, promo: "ODDHUF"}},
		{name: "HUF service fee in whole units", base: 100600, currency: "HUF", fee: 5, want: want{amount: 100600, list: 100600, fee: 5000}},

		{name: "service fee half-up: 99.95 → 100", base: 1999, currency: "EUR", fee: 5, want: want{amount: 1999, list: 1999, fee: 100}},
		{name: "service fee on the discounted price", base: 2000, currency: "EUR", code: "P25", fee: 5, want: want{amount: 1500, list: 2000, discount: 500, promo: "P25", fee: 75}},
		{name: "no service fee on a free ticket", base: 2000, currency: "EUR", code: "FREE", fee: 5, want: want{list: 2000, discount: 2000, promo: "FREE", free: true}},

		{name: "expiring now is invalid", base: 1000, currency: "EUR", code: "late", want: want{err: ErrPromoInvalid}},
		{name: "expiring later works", base: 1000, currency: "EUR", code: "soon", want: want{amount: 900, list: 1000, discount: 100, promo: "SOON"}},
		{name: "used up is invalid", base: 1000, currency: "EUR", code: "usedup", want: want{err: ErrPromoInvalid}},
		{name: "last use works", base: 1000, currency: "EUR", code: "oneleft", want: want{amount: 900, list: 1000, discount: 100, promo: "ONELEFT"}},
		{name: "max uses 0 is used up", base: 1000, currency: "EUR", code: "ZEROUSES", want: want{err: ErrPromoInvalid}},
		{name: "unknown is invalid", base: 1000, currency: "EUR", code: "NOPE", want: want{err: ErrPromoInvalid}},
		{name: "percent above 100 is invalid", base: 1000, currency: "EUR", code: "BROKEN", want: want{err: ErrPromoInvalid}},
		{name: "both discounts is invalid", base: 1000, currency: "EUR", code: "BOTH", want: want{err: ErrPromoInvalid}},
		{name: "negative amount is invalid", base: 1000, currency: "EUR", code: "NEG", want: want{err: ErrPromoInvalid}},

		{name: "free event", base: 0, currency: "", tiers: []Tier{early}, fee: 5, want: want{free: true}},
		{name: "free event with a valid code", base: 0, currency: "EUR", code: "p25", want: want{promo: "P25", free: true}},
		{name: "free event with an invalid code", base: 0, currency: "EUR", code: "NOPE", want: want{err: ErrPromoInvalid}},
		{name: "base below the currency minimum", base: 99, currency: "EUR", want: want{err: ErrPriceInvalid}},
		{name: "base above the currency maximum", base: 200001, currency: "EUR", want: want{err: ErrPriceInvalid}},
		{name: "negative base", base: -1, currency: "EUR", want: want{err: ErrPriceInvalid}},
		{name: "unsupported currency", base: 1000, currency: "XYZ", want: want{err: ErrPriceInvalid}},
		{name: "tier outside the limits", base: 1000, currency: "EUR", tiers: []Tier{{Name: "Bad", Amount: 10}}, want: want{err: ErrPriceInvalid}},
		{name: "service fee above 100 %", base: 1000, currency: "EUR", fee: 101, want: want{err: ErrPriceInvalid}},
		{name: "negative service fee", base: 1000, currency: "EUR", fee: -1, want: want{err: ErrPriceInvalid}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, err := Calculate(c.base, c.currency, c.tiers, promos, c.code, now, c.fee, cardMinimum(c.currency))
			if c.want.err != nil {
				if !errors.Is(err, c.want.err) {
					t.Fatalf("err = %v, want %v (quote %+v)", err, c.want.err, q)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			w := c.want
			if q.Amount != w.amount || q.ListPrice != w.list || q.Discount != w.discount || q.ServiceFee != w.fee ||
				q.TierID != w.tierID || q.PromoCode != w.promo || q.Free != w.free || q.RaisedToMinimum != w.raised ||
				q.BaseAmount != c.base || q.Currency != c.currency {
				t.Fatalf("got  %+v\nwant %+v", q, w)
			}
			if w.tierID != 0 && q.Tier != "Early bird" || w.tierID == 0 && q.Tier != "" {
				t.Fatalf("tier name %q", q.Tier)
			}
		})
	}
}

func TestPromoErrorsAreOneAnswer(t *testing.T) {
	promos := []Promo{
		{Code: "LATE", PercentOff: 10, ExpiresAt: at(-time.Hour)},
		{Code: "USEDUP", PercentOff: 10, MaxUses: ptr[int64](1), Uses: 1},
	}
	var msgs []string
	for _, code := range []string{"LATE", "USEDUP", "UNKNOWN"} {
		_, err := Calculate(1000, "EUR", nil, promos, code, now, 0, cardMinimum("EUR"))
		if err != ErrPromoInvalid {
			t.Fatalf("%s: %v is not exactly ErrPromoInvalid", code, err)
		}
		msgs = append(msgs, err.Error())
	}
	if msgs[0] != msgs[1] || msgs[1] != msgs[2] {
		t.Fatalf("messages differ: %q", msgs)
	}
}

// cardMinimums stand for a card provider's minimum charges (Stripe's
// figures; the payment registry gives each provider's own).
var cardMinimums = map[string]int64{
	"USD": 50, "EUR": 50, "GBP": 30, "AUD": 50, "CAD": 50, "CHF": 50,
	"NZD": 50, "SGD": 50, "BGN": 100, "PLN": 200, "RON": 200, "DKK": 250,
	"NOK": 300, "SEK": 300, "HKD": 400, "MXN": 1000, "THB": 1000,
	"CZK": 1500, "HUF": 17500,
}

// cardMinimum is MinimumCharge for an event paid by card only.
func cardMinimum(currency string) int64 {
	if m, ok := cardMinimums[currency]; ok {
		return MinimumCharge(currency, m)
	}
	return MinimumCharge(currency)
}

func TestMinimumCharge(t *testing.T) {
	cases := []struct {
		currency string
		mins     []int64
		want     int64
	}{
		{"EUR", nil, 100},               // no provider states one: one major unit
		{"EUR", []int64{50}, 50},        // the provider's own
		{"CZK", []int64{1500, 0}, 1500}, // the highest of the providers'
		{"EUR", []int64{0}, 1},          // at least one minor unit
		{"XYZ", []int64{50}, 0},         // not a currency Admit sells in
		{"eur", nil, 0},
	}
	for _, c := range cases {
		if got := MinimumCharge(c.currency, c.mins...); got != c.want {
			t.Errorf("MinimumCharge(%s, %v) = %d, want %d", c.currency, c.mins, got, c.want)
		}
	}
	for _, code := range Codes() {
		c, _ := Lookup(code)
		m := cardMinimum(code)
		if m <= 0 || m > c.Max() {
			t.Errorf("%s: minimum %d outside (0, %d]", code, m, c.Max())
		}
		if c.WholeUnits && m%c.Unit() != 0 {
			t.Errorf("%s: minimum %d is not in whole units", code, m)
		}
	}
}

func TestValidateTier(t *testing.T) {
	cases := []struct {
		name     string
		tier     Tier
		base     int64
		currency string
		want     map[string]string // field → substring of the message
	}{
		{"valid", Tier{Name: "Early bird", Amount: 1500, Quantity: ptr[int64](50)}, 2000, "EUR", nil},
		{"valid without limits", Tier{Name: "Members", Amount: 100}, 101, "EUR", nil},
		{"name required", Tier{Name: "  ", Amount: 1500}, 2000, "EUR", map[string]string{"name": "required"}},
		{"name too long", Tier{Name: strings.Repeat("é", 101), Amount: 1500}, 2000, "EUR", map[string]string{"name": "at most 100"}},
		{"name of 100 characters", Tier{Name: strings.Repeat("é", 100), Amount: 1500}, 2000, "EUR", nil},
		{"name on two lines", Tier{Name: "Early\nbird", Amount: 1500}, 2000, "EUR", map[string]string{"name": "single line"}},
		{"name not UTF-8", Tier{Name: "Early \xff", Amount: 1500}, 2000, "EUR", map[string]string{"name": "UTF-8"}},
		{"price equal to the base", Tier{Name: "Same", Amount: 2000}, 2000, "EUR", map[string]string{"price": "must be lower than the base price (20.00 EUR)"}},
		{"price above the base", Tier{Name: "More", Amount: 2500}, 2000, "EUR", map[string]string{"price": "lower than the base"}},
		{"price below the currency minimum", Tier{Name: "Tiny", Amount: 99}, 2000, "EUR", map[string]string{"price": "outside"}},
		{"price zero", Tier{Name: "Zero", Amount: 0}, 2000, "EUR", map[string]string{"price": "outside"}},
		{"HUF half units", Tier{Name: "Half", Amount: 100050}, 200000, "HUF", map[string]string{"price": "whole units"}},
		{"free event", Tier{Name: "Early", Amount: 500}, 0, "EUR", map[string]string{"price": "event is free"}},
		{"unsupported currency", Tier{Name: "Early", Amount: 500}, 1000, "XYZ", map[string]string{"price": "not supported"}},
		{"quantity zero", Tier{Name: "Early", Amount: 500, Quantity: ptr[int64](0)}, 1000, "EUR", map[string]string{"quantity": "at least 1"}},
		{"everything wrong", Tier{Name: "", Amount: -5, Quantity: ptr[int64](-1)}, 1000, "EUR", map[string]string{"name": "required", "price": "outside", "quantity": "at least 1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkFields(t, ValidateTier(c.tier, c.base, c.currency), c.want)
		})
	}
}

func TestValidatePromo(t *testing.T) {
	cases := []struct {
		name     string
		promo    Promo
		currency string
		want     map[string]string
	}{
		{"percent", Promo{Code: "EARLY_20-x", PercentOff: 20}, "EUR", nil},
		{"100 %", Promo{Code: "FREE", PercentOff: 100, MaxUses: ptr[int64](1)}, "EUR", nil},
		{"fixed", Promo{Code: "TENOFF", AmountOff: 1000}, "EUR", nil},
		{"fixed at the currency maximum", Promo{Code: "ALL", AmountOff: 200000}, "EUR", nil},
		{"shortest and longest codes", Promo{Code: "abc", PercentOff: 1}, "EUR", nil},
		{"32 characters", Promo{Code: strings.Repeat("A", 32), PercentOff: 1}, "EUR", nil},
		{"code required", Promo{PercentOff: 10}, "EUR", map[string]string{"code": "required"}},
		{"code too short", Promo{Code: "AB", PercentOff: 10}, "EUR", map[string]string{"code": "3 to 32"}},
		{"code too long", Promo{Code: strings.Repeat("A", 33), PercentOff: 10}, "EUR", map[string]string{"code": "3 to 32"}},
		{"code with a space", Promo{Code: "EARLY BIRD", PercentOff: 10}, "EUR", map[string]string{"code": "only letters"}},
		{"code with a non-ASCII letter", Promo{Code: "ÉTÉ2026", PercentOff: 10}, "EUR", map[string]string{"code": "only letters"}},
		{"neither discount", Promo{Code: "NONE"}, "EUR", map[string]string{"percent_off": "either", "amount_off": "either"}},
		{"both discounts", Promo{Code: "BOTH", PercentOff: 10, AmountOff: 100}, "EUR", map[string]string{"percent_off": "only one", "amount_off": "only one"}},
		{"percent above 100", Promo{Code: "MORE", PercentOff: 101}, "EUR", map[string]string{"percent_off": "between 1 and 100"}},
		{"negative percent", Promo{Code: "NEG", PercentOff: -5}, "EUR", map[string]string{"percent_off": "between 1 and 100"}},
		{"negative amount", Promo{Code: "NEG", AmountOff: -5}, "EUR", map[string]string{"amount_off": "greater than 0"}},
		{"amount above the currency maximum", Promo{Code: "HUGE", AmountOff: 200001}, "EUR", map[string]string{"amount_off": "at most 200000 (2000.00 EUR)"}},
		{"HUF amount in half units", Promo{Code: "HALF", AmountOff: 12345}, "HUF", map[string]string{"amount_off": "whole units"}},
		{"amount in an unsupported currency", Promo{Code: "XYZ", AmountOff: 100}, "XYZ", map[string]string{"currency": "not supported"}},
		{"percent needs no currency", Promo{Code: "PCT", PercentOff: 10}, "", nil},
		{"max uses zero", Promo{Code: "ZERO", PercentOff: 10, MaxUses: ptr[int64](0)}, "EUR", map[string]string{"max_uses": "at least 1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkFields(t, ValidatePromo(c.promo, c.currency), c.want)
		})
	}
}

func checkFields(t *testing.T, got, want map[string]string) {
	t.Helper()
	if want == nil && got != nil {
		t.Fatalf("unexpected errors %v", got)
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want fields %v", got, want)
	}
	for f, sub := range want {
		if !strings.Contains(got[f], sub) {
			t.Errorf("%s: %q does not say %q", f, got[f], sub)
		}
	}
}
