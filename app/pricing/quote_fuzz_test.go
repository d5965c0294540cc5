package pricing

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// FuzzCalculate checks the quote's invariants for any input: whatever
// Calculate answers without an error is never negative, never above the list
// or base price, inside the currency's limits, at 0 or at least the
// providers' minimum (or the list price when that is lower), in whole units
// where the currency needs them. With clamp, the inputs are first bent into
// values that pass CheckPrice, ValidateTier and ValidatePromo, and then
// Calculate must not fail except with ErrPromoInvalid for an expired or
// used-up code.
func FuzzCalculate(f *testing.F) {
	// base, cur, tierAmount, tierFlags, tierExp, tierQty, tierSold,
	// percent, amountOff, promoFlags, maxUses, uses, promoExp, code, typed, fee, clamp
	f.Add(int64(1999), uint8(1), int64(1500), uint8(0), int64(3600), int64(50), int64(10), int64(15), int64(0), uint8(0), int64(0), int64(0), int64(0), "EARLY", "early", int64(5), false)
	f.Add(int64(1000), uint8(1), int64(0), uint8(0), int64(0), int64(0), int64(0), int64(99), int64(0), uint8(0), int64(0), int64(0), int64(0), "P99", "p99", int64(0), false)
	f.Add(int64(20000), uint8(9), int64(15000), uint8(7), int64(-1), int64(3), int64(3), int64(99), int64(0), uint8(0), int64(0), int64(0), int64(0), "HUF99", " huf99 ", int64(5), false)
	f.Add(int64(150100), uint8(9), int64(0), uint8(0), int64(0), int64(0), int64(0), int64(0), int64(12345), uint8(0), int64(0), int64(0), int64(0), "ODD", "ODD", int64(0), false)
	f.Add(int64(5000), uint8(0), int64(0), uint8(0), int64(0), int64(0), int64(0), int64(0), int64(5000), uint8(6), int64(3), int64(3), int64(-5), "GONE", "gone", int64(0), false)
	f.Add(int64(100), uint8(5), int64(0), uint8(0), int64(0), int64(0), int64(0), int64(100), int64(0), uint8(0), int64(0), int64(0), int64(0), "FREE", "free", int64(100), false)
	f.Add(int64(0), uint8(0), int64(0), uint8(0), int64(0), int64(0), int64(0), int64(0), int64(0), uint8(0), int64(0), int64(0), int64(0), "", "", int64(0), false)
	f.Add(int64(7), uint8(3), int64(-9), uint8(3), int64(10), int64(-4), int64(8), int64(-150), int64(33), uint8(1), int64(9), int64(2), int64(1), "abc", "ABC", int64(42), true)
	f.Add(int64(-1), uint8(200), int64(1<<62), uint8(255), int64(-1<<62), int64(1<<62), int64(-1<<62), int64(1<<62), int64(-1<<62), uint8(255), int64(-1<<62), int64(1<<62), int64(1<<62), "x y", "X Y", int64(-1<<62), true)

	f.Fuzz(func(t *testing.T, base int64, cur uint8, tierAmount int64, tierFlags uint8, tierExp, tierQty, tierSold,
		percent, amountOff int64, promoFlags uint8, maxUses, uses, promoExp int64, code, typed string, fee int64, clamp bool) {
		checkCalculate(t, base, cur, tierAmount, tierFlags, tierExp, tierQty, tierSold,
			percent, amountOff, promoFlags, maxUses, uses, promoExp, code, typed, fee, clamp)
	})
}

// checkCalculate is FuzzCalculate's body. It answers which kind of case the
// input was (for choosing corpus entries worth keeping).
func checkCalculate(t *testing.T, base int64, cur uint8, tierAmount int64, tierFlags uint8, tierExp, tierQty, tierSold,
	percent, amountOff int64, promoFlags uint8, maxUses, uses, promoExp int64, code, typed string, fee int64, clamp bool) string {
	t.Helper()
	codes := Codes()
	currency := codes[int(cur)%len(codes)]
	if cur >= 128 && !clamp {
		currency = strings.ToLower(currency) // unsupported spelling
	}
	c, _ := Lookup(currency)
	step := int64(1)
	if c.WholeUnits {
		step = c.Unit()
	}
	hasTier := tierFlags&1 != 0

	if clamp {
		if base != 0 {
			base = c.Min() + mod(base, (c.Max()-c.Min())/step+1)*step
		}
		hasTier = hasTier && base > c.Min()
		if hasTier {
			tierAmount = c.Min() + mod(tierAmount, (base-c.Min())/step)*step
		}
		tierQty = 1 + mod(tierQty, 1000)
		tierSold = mod(tierSold, 2000)
		if promoFlags&1 == 0 {
			percent, amountOff = 1+mod(percent, 100), 0
		} else {
			percent, amountOff = 0, step+mod(amountOff, c.Max()/step)*step
		}
		maxUses = 1 + mod(maxUses, 1000)
		uses = mod(uses, 2000)
		fee = mod(fee, 101)
		if len(ValidatePromo(Promo{Code: code, PercentOff: 1}, "")) != 0 {
			code = "CODE"
		}
		switch promoFlags >> 6 {
		case 0:
			typed = code
		case 1:
			typed = "  " + strings.ToLower(code) + "\t"
		case 2:
			typed = strings.ToUpper(code)
		}
	}

	var tiers []Tier
	if hasTier {
		tier := Tier{ID: 1, Name: "Tier", Amount: tierAmount, Sold: tierSold}
		if tierFlags&2 != 0 {
			tier.ExpiresAt = ptr(now.Add(time.Duration(tierExp%(1<<40)) * time.Second))
		}
		if tierFlags&4 != 0 {
			tier.Quantity = ptr(tierQty)
		}
		tiers = append(tiers, tier)
	}
	promo := Promo{Code: code, PercentOff: percent, AmountOff: amountOff, Uses: uses}
	if promoFlags&2 != 0 {
		promo.MaxUses = ptr(maxUses)
	}
	if promoFlags&4 != 0 {
		promo.ExpiresAt = ptr(now.Add(time.Duration(promoExp%(1<<40)) * time.Second))
	}
	promos := []Promo{{Code: "OTHER", PercentOff: 100}, promo}

	q, err := Calculate(base, currency, tiers, promos, typed, now, fee, cardMinimum(currency))
	q2, err2 := Calculate(base, currency, tiers, promos, typed, now, fee, cardMinimum(currency))
	if q != q2 || (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
		t.Fatalf("not deterministic: %+v %v / %+v %v", q, err, q2, err2)
	}
	found, isFound := FindPromo(promos, typed)

	if clamp {
		if base != 0 {
			if msg := CheckPrice(base, currency); msg != "" {
				t.Fatalf("clamped base: %s", msg)
			}
		}
		for _, tier := range tiers {
			if errs := ValidateTier(tier, base, currency); errs != nil {
				t.Fatalf("clamped tier %+v: %v", tier, errs)
			}
		}
		if errs := ValidatePromo(promo, currency); errs != nil {
			t.Fatalf("clamped promo %+v: %v", promo, errs)
		}
		switch {
		case err == nil:
		case errors.Is(err, ErrPromoInvalid):
			if strings.TrimSpace(typed) == "" || isFound && found.Active(now) {
				t.Fatalf("valid, active code %q refused", typed)
			}
		default:
			t.Fatalf("valid input refused: %v", err)
		}
	}
	if err != nil {
		if !errors.Is(err, ErrPromoInvalid) && !errors.Is(err, ErrPriceInvalid) {
			t.Fatalf("unexpected error %v", err)
		}
		return fmt.Sprintf("clamp=%v promo-invalid=%v", clamp, errors.Is(err, ErrPromoInvalid))
	}

	// The invariants.
	if q.BaseAmount != base || q.Currency != currency {
		t.Fatalf("quote %+v is not for %d %s", q, base, currency)
	}
	if q.Free != (q.Amount == 0) || q.Discount != q.ListPrice-q.Amount || q.Discount < 0 {
		t.Fatalf("inconsistent quote %+v", q)
	}
	if q.Amount < 0 || q.Amount > q.ListPrice || q.ListPrice > q.BaseAmount {
		t.Fatalf("amount out of order: %+v", q)
	}
	if q.ServiceFee < 0 || q.ServiceFee > q.Amount {
		t.Fatalf("service fee %d for %d at %d %%", q.ServiceFee, q.Amount, fee)
	}
	hasCode := strings.TrimSpace(typed) != ""
	if hasCode != (q.PromoCode != "") || hasCode && (!isFound || q.PromoCode != found.Code || !found.Active(now)) {
		t.Fatalf("code %q gave promo %q", typed, q.PromoCode)
	}
	if base == 0 {
		if q.Amount != 0 || q.ListPrice != 0 || q.TierID != 0 || q.ServiceFee != 0 {
			t.Fatalf("free event quoted %+v", q)
		}
		return "free event"
	}
	if CheckPrice(q.BaseAmount, currency) != "" || CheckPrice(q.ListPrice, currency) != "" {
		t.Fatalf("price outside %s's limits: %+v", currency, q)
	}
	if q.Amount%step != 0 || q.ServiceFee%step != 0 {
		t.Fatalf("%s needs whole units: %+v", currency, q)
	}
	floor := min(cardMinimum(currency), q.ListPrice)
	if q.Amount != 0 && q.Amount < floor {
		t.Fatalf("amount %d below the minimum %d: %+v", q.Amount, floor, q)
	}
	if q.RaisedToMinimum && q.Amount != floor {
		t.Fatalf("raised to %d, not to %d", q.Amount, floor)
	}
	if q.Free && !(found.PercentOff == 100 || found.AmountOff >= q.ListPrice) {
		t.Fatalf("free without a full discount: %+v from %+v", q, found)
	}
	if !hasCode && (q.Amount != q.ListPrice || q.RaisedToMinimum) {
		t.Fatalf("no code but %+v", q)
	}
	wantTier, tierOK := CurrentTier(tiers, now)
	if q.TierID != wantTier.ID || tierOK && q.ListPrice != min(wantTier.Amount, base) || !tierOK && q.ListPrice != base {
		t.Fatalf("tier %+v (%v) but quote %+v", wantTier, tierOK, q)
	}
	return fmt.Sprintf("ok whole=%v tier=%v code=%v raised=%v free=%v fee=%v", step > 1, q.TierID != 0, hasCode, q.RaisedToMinimum, q.Free, q.ServiceFee > 0)
}

// FuzzPromoCode checks that a code ValidatePromo accepts is found again
// whatever its case and surrounding spaces, and that FindPromo never matches
// an empty code.
func FuzzPromoCode(f *testing.F) {
	for _, s := range []string{"EARLY20", "free", "a_b-c", "", " ", "ÉTÉ", "ſ", "K", "x\x00y"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, stored, typed string) {
		promos := []Promo{{Code: stored, PercentOff: 10}}
		p, ok := FindPromo(promos, typed)
		if ok && (strings.TrimSpace(typed) == "" || p.Code != stored || !strings.EqualFold(strings.TrimSpace(stored), strings.TrimSpace(typed))) {
			t.Fatalf("FindPromo(%q) matched %q", typed, stored)
		}
		if ValidatePromo(promos[0], "EUR") != nil {
			return
		}
		if len(stored) < PromoCodeMin || len(stored) > PromoCodeMax {
			t.Fatalf("accepted %q of %d bytes", stored, len(stored))
		}
		for _, variant := range []string{stored, strings.ToLower(stored), strings.ToUpper(stored), " " + stored + " \t"} {
			if got, ok := FindPromo(promos, variant); !ok || got.Code != stored {
				t.Fatalf("%q not found as %q", stored, variant)
			}
		}
	})
}

// mod is x mod n in [0, n) for n > 0, whatever the sign of x.
func mod(x, n int64) int64 {
	if n <= 0 {
		return 0
	}
	r := x % n
	if r < 0 {
		r += n
	}
	return r
}
