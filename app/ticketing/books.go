package ticketing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
)

// The books check (admit reconcile, GET /api/v1/reports/reconciliation):
// each payment Admit recorded — what was charged, what was refunded, the
// provider's fee — beside what the provider reports now for the same
// payment, and every difference listed. It changes nothing. Not to be
// confused with Reconcile (refunds.go), the job that asks the providers
// about checkouts still unpaid.

// Fields the books check compares.
const (
	BooksCharged  = "charged"
	BooksRefunded = "refunded"
	BooksFee      = "fee"
)

// BooksMismatch is one field of one payment where Admit's record and the
// provider's report differ. Admit or Reported is nil when that side has
// none (a fee not recorded, or not reported).
type BooksMismatch struct {
	RegistrationID int64
	Provider       string
	PaymentID      string
	Field          string
	Admit          *model.Money
	Reported       *model.Money
}

// BooksUnchecked is a payment the provider could not be asked about, and
// why.
type BooksUnchecked struct {
	RegistrationID int64
	Provider       string
	PaymentID      string
	Reason         string
}

// BooksReport is the books check's outcome. Checked counts the payments
// compared, Matched those with no mismatch.
type BooksReport struct {
	Since      time.Time // zero: every payment
	Checked    int
	Matched    int
	Mismatches []BooksMismatch
	Unchecked  []BooksUnchecked
}

// Balanced reports whether every payment was compared and matched.
func (r *BooksReport) Balanced() bool { return len(r.Mismatches) == 0 && len(r.Unchecked) == 0 }

// booksParallel bounds the providers asked at once.
const booksParallel = 4

// CheckBooks compares every payment recorded since a time (zero: all) with
// what its provider reports (payment.PaymentLookup), by registration.
func (s *Service) CheckBooks(ctx context.Context, since time.Time) (*BooksReport, error) {
	recorded, err := s.store.RecordedPayments(ctx, since)
	if err != nil {
		return nil, err
	}
	type outcome struct {
		mismatches []BooksMismatch
		unchecked  string
	}
	outcomes := make([]outcome, len(recorded))
	sem := make(chan struct{}, booksParallel)
	var wg sync.WaitGroup
	for i, rp := range recorded {
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			st, err := s.lookUpPayment(ctx, rp.Provider, rp.CheckoutID, rp.PaymentID)
			if err != nil {
				outcomes[i].unchecked = err.Error()
				return
			}
			outcomes[i].mismatches = compareBooks(rp, st)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep := &BooksReport{Since: since, Mismatches: []BooksMismatch{}, Unchecked: []BooksUnchecked{}}
	for i, o := range outcomes {
		rp := recorded[i]
		if o.unchecked != "" {
			rep.Unchecked = append(rep.Unchecked, BooksUnchecked{RegistrationID: rp.RegistrationID, Provider: rp.Provider,
				PaymentID: rp.PaymentID, Reason: o.unchecked})
			continue
		}
		rep.Checked++
		if len(o.mismatches) == 0 {
			rep.Matched++
		}
		rep.Mismatches = append(rep.Mismatches, o.mismatches...)
	}
	return rep, nil
}

// lookUpPayment asks the provider called name about a payment, in words an
// operator can act on when it cannot; the provider's error stays wrapped
// (ErrUnsupported, ErrNotFound…).
func (s *Service) lookUpPayment(ctx context.Context, name, checkoutID, paymentID string) (payment.PaymentState, error) {
	p, ok := s.provider(name)
	if !ok {
		return payment.PaymentState{}, fmt.Errorf("provider %s is not connected", name)
	}
	st, err := payment.LookupPayment(ctx, p, checkoutID, paymentID)
	switch {
	case errors.Is(err, payment.ErrUnsupported):
		return st, notReported{name}
	case errors.Is(err, payment.ErrNotFound):
		return st, fmt.Errorf("%s does not know payment %s: %w", s.providerTitle(name), paymentID, err)
	case err != nil:
		return st, fmt.Errorf("asking %s about payment %s: %w", s.providerTitle(name), paymentID, err)
	}
	return st, nil
}

// notReported: a provider does not look payments up. It is
// payment.ErrUnsupported, said without that error's own words (the books
// check prints it as it is).
type notReported struct{ provider string }

func (e notReported) Error() string { return "provider " + e.provider + " does not report payments" }
func (e notReported) Unwrap() error { return payment.ErrUnsupported }

// compareBooks lists where Admit's record of a payment and the provider's
// report differ: the amount and currency charged, the total refunded, the
// fee (one side without a fee while the other has one is a difference).
func compareBooks(rp model.RecordedPayment, st payment.PaymentState) []BooksMismatch {
	var out []BooksMismatch
	add := func(field string, admit, reported *model.Money) {
		out = append(out, BooksMismatch{RegistrationID: rp.RegistrationID, Provider: rp.Provider, PaymentID: rp.PaymentID,
			Field: field, Admit: admit, Reported: reported})
	}
	reportedCurrency := strings.ToUpper(st.Currency)
	if rp.Paid.Amount != st.Amount || rp.Paid.Currency != reportedCurrency {
		add(BooksCharged, &rp.Paid, &model.Money{Amount: st.Amount, Currency: reportedCurrency})
	}
	if rp.Refunded != st.Refunded {
		add(BooksRefunded, &model.Money{Amount: rp.Refunded, Currency: rp.Paid.Currency},
			&model.Money{Amount: st.Refunded, Currency: reportedCurrency})
	}
	var fee *model.Money
	if st.FeeCurrency != "" {
		fee = &model.Money{Amount: st.Fee, Currency: strings.ToUpper(st.FeeCurrency)}
	}
	if (rp.Fee == nil) != (fee == nil) || (fee != nil && *rp.Fee != *fee) {
		add(BooksFee, rp.Fee, fee)
	}
	return out
}

// ParseSince reads the start of a books check: a date (2026-11-01, from
// midnight UTC) or a time (RFC 3339); "" is every payment.
func ParseSince(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, model.Invalid(map[string]string{"since": "must be a date such as 2026-11-01 or a time such as 2026-11-01T09:00:00Z"})
}
