// Command admit sells tickets to webinars: one binary with its database,
// pages, mail and scheduler. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
	_ "time/tzdata" // IANA zones even on a machine without tzdata

	"github.com/admit/admit/app/auth"
	"github.com/admit/admit/app/autotls"
	"github.com/admit/admit/app/config"
	"github.com/admit/admit/app/i18n"
	"github.com/admit/admit/app/jobs"
	"github.com/admit/admit/app/mail"
	"github.com/admit/admit/app/metrics"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/recordings"
	"github.com/admit/admit/app/store"
	"github.com/admit/admit/app/ticketing"
	"github.com/admit/admit/app/web"
	"github.com/admit/admit/assets"
	"github.com/admit/admit/plugins/banktransfer"
	"github.com/admit/admit/plugins/paypal"
	"github.com/admit/admit/plugins/stripe"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// providers are the payment providers this binary offers, one line each:
// adding one is a folder under plugins/ and a line here.
func providers() *payment.Modules {
	m := payment.NewModules()
	m.Register(stripe.Module())
	m.Register(paypal.Module())
	m.Register(banktransfer.Module())
	return m
}

func main() {
	// First of all, so that a signal during start-up also stops cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	flags := flag.NewFlagSet("admit", flag.ExitOnError)
	configPath := flags.String("config", "", "TOML configuration file (see config.example.toml)")
	flags.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: admit [--config FILE] [serve | backup FILE | reconcile [--since DATE] | version]\n")
		flags.PrintDefaults()
	}
	_ = flags.Parse(os.Args[1:])
	args := flags.Args()
	if len(args) > 0 && args[0] == "version" {
		fmt.Println("admit", version)
		return
	}
	if !store.CGO {
		fmt.Fprintln(os.Stderr, "admit: this binary was built with CGO_ENABLED=0, but its SQLite driver (go-sqlite3) needs cgo: rebuild with CGO_ENABLED=1 and a C compiler (apt-get install gcc)")
		os.Exit(2)
	}
	mods := providers()
	cfg, err := config.Load(*configPath, configSections(mods)...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "admit:", err)
		os.Exit(2)
	}
	// From here every line goes through log, in log.format, and so does
	// whatever a library writes with the standard log package.
	log := cfg.Logger(os.Stderr)
	slog.SetDefault(log)
	dbPath := filepath.Join(cfg.Data.Dir, "admit.db")
	switch {
	case len(args) == 2 && args[0] == "backup":
		err = store.Backup(ctx, dbPath, args[1])
	case len(args) >= 1 && args[0] == "reconcile":
		os.Exit(ticketing.BooksCommand{DataDir: cfg.Data.Dir, Replicated: cfg.Data.Replicated, Modules: mods,
			ConfigCredentials: cfg.Providers, PublicURL: cfg.HTTP.PublicURL, Log: log}.Run(ctx, args[1:], os.Stdout, os.Stderr))
	case len(args) == 0 || (len(args) == 1 && args[0] == "serve"):
		err = serve(ctx, cfg, log, mods, dbPath)
	default:
		flags.Usage()
		os.Exit(2)
	}
	if err != nil {
		if cfg.Log.Format == "json" {
			log.Error("admit stopped", "err", err)
		} else {
			fmt.Fprintln(os.Stderr, "admit:", err)
		}
		os.Exit(1)
	}
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger, mods *payment.Modules, dbPath string) (err error) {
	defer func() { // a signal during start-up is a clean stop too
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			err = nil
		}
	}()
	// Listen first: a bad or busy address fails before anything is created.
	ln, err := listen(cfg, log)
	if err != nil {
		return err
	}
	defer ln.Close()

	files, err := recordings.NewLocal(filepath.Join(cfg.Data.Dir, "recordings"))
	if err != nil {
		return err
	}
	uploads, err := recordings.NewUploads(filepath.Join(cfg.Data.Dir, "uploads"))
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, dbPath, store.Options{Replicated: cfg.Data.Replicated})
	if err != nil {
		return err
	}
	defer db.Close()
	secret, err := ticketing.LoadSecret(filepath.Join(cfg.Data.Dir, "secret.key"))
	if err != nil {
		return err
	}
	sub := func(dir string) fs.FS { f, _ := fs.Sub(assets.FS, dir); return f }
	tr, err := i18n.New(sub("i18n"))
	if err != nil {
		return err
	}
	renderer, err := mail.NewRenderer(sub("email"), tr)
	if err != nil {
		return err
	}
	counts := metrics.New(db)
	admins := auth.New(db, auth.Options{TokenTTL: cfg.TokenTTL(), SessionIdle: cfg.AdminIdle()})
	email, password, err := admins.Bootstrap(ctx, cfg.Admin.Email, cfg.Admin.Password)
	if err != nil {
		return err
	}
	if password != "" && cfg.Log.Format == "json" {
		log.Warn("first administrator created: the password is shown once", "email", email, "password", password,
			"sign_in", cfg.HTTP.PublicURL+"/admin/login")
	} else if password != "" {
		fmt.Fprintf(os.Stderr, "\nadmit: first administrator created: %s  password: %s\n(shown once: sign in at %s/admin/login, or exchange it for an API token with POST %s/api/v1/auth/token)\n\n", email, password, cfg.HTTP.PublicURL, cfg.HTTP.PublicURL)
	}
	offsets, _ := cfg.ReminderOffsets() // checked by config.Load
	tickets, err := ticketing.New(db, ticketing.Options{Secret: secret, Subjects: ticketing.I18nSubjects{Bundle: tr},
		Renderer: renderer, PublicURL: cfg.HTTP.PublicURL, Hold: cfg.HoldDuration(), Offer: time.Duration(cfg.Waitlist.OfferHours) * time.Hour,
		HoldsPerClient: cfg.Limits.HoldsPerClient, ServiceFeePercent: cfg.Payments.ServiceFeePercent,
		Modules: mods, ConfigCredentials: cfg.Providers, Reminders: offsets, Recordings: files,
		MaxDevices: cfg.Recordings.MaxDevices, Log: log, Metrics: counts,
		Webhooks: ticketing.WebhookOptions{AllowPrivate: cfg.Webhooks.AllowPrivate, Views: web.HookViews{PublicURL: cfg.HTTP.PublicURL}}})
	if err != nil {
		return err
	}
	if err := tickets.LoadProviders(ctx); err != nil {
		return err
	}
	var sender mail.Sender
	if cfg.SMTP.Host != "" {
		smtp, err := mail.NewSMTP(mail.SMTPConfig{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, Username: cfg.SMTP.Username,
			Password: cfg.SMTP.Password, From: cfg.SMTP.From, TLS: cfg.SMTP.TLS})
		if err != nil {
			return err
		}
		sender = smtp
	} else {
		log.Warn("no smtp.host: mail stays in the outbox (GET /api/v1/outbox) until one is set")
	}
	dispatcher := mail.NewDispatcher(db, tickets, sender, log, nil)
	dispatcher.Observe(counts.Mail)

	sched := jobs.New(jobs.Options{Log: log, Observe: counts.Job})
	for _, j := range []jobs.Job{
		jobs.Outbox(dispatcher.Run, tickets.ReportMailFailures),
		jobs.Holds(tickets.ExpireHolds),
		jobs.OfflinePayments(tickets.ExpireOfflinePayments),
		jobs.Reminders(tickets.SendDueReminders),
		jobs.Waitlist(tickets.OfferSeats),
		jobs.Tiers(tickets.ReportEndedTiers),
		jobs.Authorizations(tickets.CheckAuthorizations),
		jobs.RecordingsExpiry(tickets.ExpireRecordings),
		jobs.Refunds(tickets.SendDueRefunds),
		jobs.Reconcile(tickets.Reconcile),
		jobs.Webhooks(tickets.DeliverWebhooks),
		jobs.ProviderFees(tickets.LookUpFees),
		jobs.Cleanup(tickets.ForgetIdempotency, time.Now),
		jobs.Uploads(uploads.Clean, time.Now),
	} {
		if err := sched.Add(j); err != nil {
			return err
		}
	}
	if err := addHousekeeping(sched, cfg, db, dbPath); err != nil {
		return err
	}
	proxies, err := cfg.Proxies()
	if err != nil {
		return err
	}
	frames, err := cfg.FrameOrigins()
	if err != nil {
		return err
	}
	app, err := web.New(web.Deps{Tickets: tickets, Auth: admins, Outbox: db, DB: db, Jobs: sched,
		SMTP: web.SMTPStatus{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, TLS: cfg.SMTP.TLS, From: cfg.SMTP.From, Username: cfg.SMTP.Username != ""}, I18n: tr, Pages: sub("public"), Admin: sub("admin"), Log: log,
		TrustedProxies: proxies, FrameAncestors: frames, Uploads: uploads, SendMail: dispatcher.Run, Metrics: counts, MetricsToken: cfg.Metrics.Token, Limits: web.Limits{PublicPerMinute: cfg.Limits.PublicPerMinute, PromoFailuresPerHour: web.PromoFailuresPerHour}})
	if err != nil {
		return err
	}
	sched.Start()
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(ln) }()
	log.Info("admit serving", "address", ln.Addr().String(), "public_url", cfg.HTTP.PublicURL, "data", cfg.Data.Dir, "version", version)
	select {
	case err = <-errc:
	case <-ctx.Done():
		log.Info("shutting down")
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if serr := app.ShutdownWithContext(shutdown); serr != nil && err == nil {
		err = serr
	}
	sched.Stop(shutdown)
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// listen opens http.address, or with http.domain the automatic HTTPS
// listeners.
func listen(cfg config.Config, log *slog.Logger) (net.Listener, error) {
	if cfg.HTTP.Domain != "" {
		return autotls.Listen(autotls.Options{Domain: cfg.HTTP.Domain, Origin: cfg.HTTPSOrigin(),
			HTTPSAddress: cfg.HTTP.HTTPSAddress, RedirectAddress: cfg.HTTP.RedirectAddress,
			Directory: cfg.HTTP.ACMEDirectory, Email: cfg.HTTP.ACMEEmail, RootsFile: cfg.HTTP.ACMECARoots,
			CacheDir: filepath.Join(cfg.Data.Dir, "certs"), Log: log})
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Address)
	if err != nil {
		return nil, fmt.Errorf("http.address: %w", err)
	}
	return ln, nil
}

// addHousekeeping schedules the WAL checkpoint (unless a replication tool
// does it: data.replicated) and the backups (when backup.dir is set).
func addHousekeeping(sched *jobs.Scheduler, cfg config.Config, db *store.Store, dbPath string) error {
	if !cfg.Data.Replicated {
		if err := sched.Add(jobs.Checkpoint(db.Checkpoint)); err != nil {
			return err
		}
	}
	if cfg.Backup.Dir == "" {
		return nil
	}
	every, _ := cfg.BackupEvery() // checked by config.Load
	return sched.Add(jobs.Backup(jobs.Backups{Dir: cfg.Backup.Dir, Every: every, Keep: cfg.Backup.Keep, Now: time.Now,
		Copy:  func(ctx context.Context, dest string) error { return store.Backup(ctx, dbPath, dest) },
		Check: store.CheckFile}))
}

// configSections are the payment providers' sections of the configuration:
// their keys, defaults and checks, from the registry.
func configSections(mods *payment.Modules) []config.Section {
	var out []config.Section
	for _, m := range mods.All() {
		sec := config.Section{Name: m.Name}
		for _, s := range m.Settings {
			sec.Keys = append(sec.Keys, config.SectionKey{Name: s.Key, Default: s.Default, Check: s.CheckConfig})
		}
		out = append(out, sec)
	}
	return out
}
