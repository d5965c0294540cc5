package ticketing

import (
	"fmt"
	"strings"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/pricing"
)

// The payment registry (payment.Modules) tells the domain which providers
// exist, what they take and what they are called: nothing here names one.

// Modules are the payment providers this build offers.
func (s *Service) Modules() *payment.Modules { return s.modules }

// module finds a registered provider; model.ErrNotFound when there is none
// of that name.
func (s *Service) module(name string) (payment.Module, error) {
	m, ok := s.modules.Get(name)
	if !ok {
		return payment.Module{}, model.ErrNotFound
	}
	return m, nil
}

// checkProviderName adds to f when name is not a registered provider.
func (s *Service) checkProviderName(f fields, field, name string) bool {
	if _, ok := s.modules.Get(name); ok {
		return true
	}
	f.add(field, "%q is not a payment provider: use %s", name, orList(s.modules.Names()))
	return false
}

// orList writes "a", "a or b", "a, b or c".
func orList(v []string) string {
	if len(v) < 2 {
		return strings.Join(v, "")
	}
	return strings.Join(v[:len(v)-1], ", ") + " or " + v[len(v)-1]
}

// allowedProviders are the providers an event may be paid through: those
// it names, or every registered one.
func (s *Service) allowedProviders(e *model.Event) []string {
	if len(e.Providers) > 0 {
		return e.Providers
	}
	return s.modules.Names()
}

// providerTitle is a provider's name as people write it (in English, for
// the organizer's messages).
func (s *Service) providerTitle(name string) string {
	if m, ok := s.modules.Get(name); ok {
		return m.Title.In("en")
	}
	return name
}

// minimumCharge is the lowest amount every provider e may be paid through
// takes in currency (pricing.MinimumCharge of their minimums).
func (s *Service) minimumCharge(e *model.Event, currency string) int64 {
	var mins []int64
	for _, name := range s.allowedProviders(e) {
		if m, ok := s.modules.Get(name); ok {
			if l, ok := m.Takes(currency); ok {
				mins = append(mins, l.Min)
			}
		}
	}
	return pricing.MinimumCharge(currency, mins...)
}

// belowProviderMinimum says why a provider the event may be paid through
// would refuse to charge amount (below its minimum or above its maximum
// charge in the event's currency), or "" when every one would take it.
func (s *Service) belowProviderMinimum(e *model.Event, amount int64) string {
	return s.belowMinimumIn(e, amount, e.Price.Currency)
}

// belowMinimumIn is belowProviderMinimum for an amount in currency.
func (s *Service) belowMinimumIn(e *model.Event, amount int64, currency string) string {
	c, _ := pricing.Lookup(currency)
	takers := 0
	for _, m := range s.modules.All() {
		if _, ok := m.Takes(currency); ok {
			takers++
		}
	}
	for _, name := range s.allowedProviders(e) {
		m, ok := s.modules.Get(name)
		if !ok {
			continue
		}
		l, ok := m.Takes(currency)
		if !ok {
			continue
		}
		var msg string
		switch {
		case amount < l.Min:
			msg = fmt.Sprintf("is below %s's minimum charge of %s (%d)", m.Title.In("en"), c.Format(l.Min), l.Min)
		case l.Max > 0 && amount > l.Max:
			msg = fmt.Sprintf("is above %s's maximum charge of %s (%d)", m.Title.In("en"), c.Format(l.Max), l.Max)
		default:
			continue
		}
		hint := "raise the price"
		if l.Max > 0 && amount > l.Max {
			hint = "lower the price"
		}
		if takers > 1 {
			hint += ", or leave " + name + " out of providers"
		}
		return fmt.Sprintf("%d %s: %s", amount, msg, hint)
	}
	return ""
}

// checkProviderCurrencies adds to f when a provider the event names does
// not charge in currency.
func (s *Service) checkProviderCurrencies(f fields, e *model.Event, currency string) {
	for _, name := range e.Providers {
		if m, ok := s.modules.Get(name); ok {
			if _, takes := m.Takes(currency); !takes {
				f.add("providers", "%s does not accept %s: remove %s or choose another currency", m.Title.In("en"), currency, name)
				return
			}
		}
	}
}
