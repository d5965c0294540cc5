package ticketing

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/store"
)

// BooksCommand is what `admit reconcile` needs: where the data is and how the
// providers are built and configured.
type BooksCommand struct {
	// DataDir holds admit.db and secret.key (data.dir).
	DataDir string
	// Replicated is data.replicated (the store leaves checkpoints alone).
	Replicated bool
	// Modules and ConfigCredentials give the providers, as for serving.
	Modules           *payment.Modules
	ConfigCredentials map[string]map[string]string
	PublicURL         string
	Log               *slog.Logger
}

// Run is `admit reconcile [--since DATE]`: the books check (CheckBooks) on
// the database, with the providers of the configuration and those saved in
// Admit, while the server runs or not. It prints every mismatch (its
// registration, field, Admit's value and the provider's), every payment that
// could not be checked and why, then a summary line, and returns the exit
// status: 0 when every payment matched, 1 when one did not or could not be
// checked (or on an error, printed on errOut), 2 for bad arguments.
func (b BooksCommand) Run(ctx context.Context, args []string, out, errOut io.Writer) int {
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
	from, err := ParseSince(*since)
	if err != nil {
		fmt.Fprintln(errOut, "admit reconcile: --since must be a date such as 2026-11-01 or a time such as 2026-11-01T09:00:00Z")
		return 2
	}
	rep, err := b.check(ctx, from)
	if err != nil {
		fmt.Fprintln(errOut, "admit reconcile:", err)
		return 1
	}
	WriteBooks(out, rep)
	if !rep.Balanced() {
		return 1
	}
	return 0
}

// check opens the database and the providers as serving does, and compares.
func (b BooksCommand) check(ctx context.Context, since time.Time) (*BooksReport, error) {
	path := filepath.Join(b.DataDir, "admit.db")
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no database at %s (data.dir): %w", path, err)
	}
	db, err := store.Open(ctx, path, store.Options{Replicated: b.Replicated})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	secret, err := LoadSecret(filepath.Join(b.DataDir, "secret.key"))
	if err != nil {
		return nil, err
	}
	svc, err := New(db, Options{Secret: secret, PublicURL: b.PublicURL, Modules: b.Modules, ConfigCredentials: b.ConfigCredentials, Log: b.Log})
	if err != nil {
		return nil, err
	}
	if err := svc.LoadProviders(ctx); err != nil {
		return nil, err
	}
	return svc.CheckBooks(ctx, since)
}

// WriteBooks prints a books report as text: one line per mismatch and per
// payment not checked, then the summary.
func WriteBooks(w io.Writer, r *BooksReport) {
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
