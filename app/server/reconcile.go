package server

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// Reconcile is `admit reconcile [--since DATE]`: the books check
// (ticketing.CheckBooks) on the data directory's database, with the
// providers of the configuration and those saved in Admit, opened as
// serving opens them, while the server runs or not. It prints on out every
// mismatch (its registration, field, Admit's value and the provider's),
// every payment that could not be checked and why, then a summary line,
// and returns the exit status: 0 when every payment matched, 1 when one did
// not or could not be checked (or on an error, printed on errOut), 2 for
// bad arguments.
func Reconcile(ctx context.Context, o Options, args []string, out, errOut io.Writer) int {
	flags := flag.NewFlagSet("reconcile", flag.ContinueOnError)
	flags.SetOutput(errOut)
	since := flags.String("since", "", "compare the payments recorded from this date (2026-11-01, UTC) or time (RFC 3339); all when empty")
	flags.Usage = func() {
		fmt.Fprintln(errOut, "usage: admit [--config FILE] reconcile [--since DATE]")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if flags.NArg() > 0 {
		flags.Usage()
		return 2
	}
	from, err := ticketing.ParseSince(*since)
	if err != nil {
		fmt.Fprintln(errOut, "admit reconcile: --since must be a date such as 2026-11-01 or a time such as 2026-11-01T09:00:00Z")
		return 2
	}
	rep, err := checkBooks(ctx, o, from)
	if err != nil {
		fmt.Fprintln(errOut, "admit reconcile:", err)
		return 1
	}
	writeBooks(out, rep)
	if !rep.Balanced() {
		return 1
	}
	return 0
}

// checkBooks opens the data directory and the providers as serving does
// (but never creates a database), and compares.
func checkBooks(ctx context.Context, o Options, since time.Time) (*ticketing.BooksReport, error) {
	path := DBPath(o.Config)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no database at %s (data.dir): %w", path, err)
	}
	db, secret, err := openData(ctx, o.Config)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	tickets, err := newDomain(ctx, o, db, secret, ticketing.Options{})
	if err != nil {
		return nil, err
	}
	return tickets.CheckBooks(ctx, since)
}

// writeBooks prints a books report as text: one line per mismatch and per
// payment not checked, then the summary.
func writeBooks(w io.Writer, r *ticketing.BooksReport) {
	for _, m := range r.Mismatches {
		fmt.Fprintf(w, "registration %d (%s payment %s): %s: Admit %s, %s %s\n", m.RegistrationID, m.Provider, m.PaymentID,
			m.Field, booksMoney(m.Admit), m.Provider, booksMoney(m.Reported))
	}
	for _, u := range r.Unchecked {
		fmt.Fprintf(w, "registration %d (%s payment %s): not checked: %s\n", u.RegistrationID, u.Provider, u.PaymentID, u.Reason)
	}
	fmt.Fprintf(w, "checked %d, matched %d, mismatches %d, not checked %d\n", r.Checked, r.Matched, len(r.Mismatches), len(r.Unchecked))
}

// booksMoney writes an amount in minor units with its currency ("1999 EUR"),
// as the API gives it; "none" for no amount.
func booksMoney(m *model.Money) string {
	if m == nil {
		return "none"
	}
	return fmt.Sprintf("%d %s", m.Amount, m.Currency)
}
