package web

import (
	"testing"
)

// TestPromoCodeRefusals: a discount of 0 is named for what it is (both
// answered "set either percent_off or amount_off"), and a free event takes
// no promo code at all (a percentage was accepted and never applied).
func TestPromoCodeRefusals(t *testing.T) {
	e := newEnv(t)
	e.createEvent(paidEvent(nil))
	e.createEvent(liveEvent(map[string]any{"title": "Free talk"}))
	paid, free := "/api/v1/events/1/promo_codes", "/api/v1/events/2/promo_codes"
	e.run(t, []scenario{
		{name: "percent_off 0", method: "POST", path: paid, admin: true, body: map[string]any{"code": "ZERO", "percent_off": 0}, status: 422,
			contains: []string{`"percent_off":"must be between 1 and 100: 0 % takes nothing off"`}, absent: []string{"set either", `"amount_off"`}},
		{name: "amount_off 0", method: "POST", path: paid, admin: true, body: map[string]any{"code": "ZERO", "amount_off": 0}, status: 422,
			contains: []string{`"amount_off":"must be greater than 0: an amount of 0 takes nothing off"`}, absent: []string{"set either", `"percent_off"`}},
		{name: "neither", method: "POST", path: paid, admin: true, body: map[string]any{"code": "ZERO"}, status: 422, contains: []string{`"percent_off"`}},
		{name: "a percentage on a free event", method: "POST", path: free, admin: true, body: map[string]any{"code": "HALF", "percent_off": 50}, status: 422,
			contains: []string{`"percent_off":"this event is free: a promo code has nothing to take off (set a price first)"`}},
		{name: "an amount on a free event", method: "POST", path: free, admin: true, body: map[string]any{"code": "TEN", "amount_off": 1000}, status: 422,
			contains: []string{`"amount_off":"this event is free: a promo code has nothing to take off (set a price first)"`}},
		{name: "a percentage on a paid event", method: "POST", path: paid, admin: true, body: map[string]any{"code": "HALF", "percent_off": 50}, status: 201},
	})
}
