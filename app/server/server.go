// Package server wires Admit's packages into the running service: it
// opens the data directory, builds the domain, mail, jobs and web app,
// serves until its context ends, then shuts down gracefully. main.go
// parses the command line and hands it the configuration.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/admit/admit/app/auth"
	"github.com/admit/admit/app/autotls"
	"github.com/admit/admit/app/config"
	"github.com/admit/admit/app/i18n"
	"github.com/admit/admit/app/mail"
	"github.com/admit/admit/app/metrics"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/recordings"
	"github.com/admit/admit/app/store"
	"github.com/admit/admit/app/ticketing"
	"github.com/admit/admit/app/web"
	"github.com/admit/admit/assets"
)

// Options is what Serve runs with.
type Options struct {
	Config  config.Config
	Log     *slog.Logger
	Modules *payment.Modules // the payment providers on offer
	Version string
	Stderr  io.Writer // where, with log.format text, the first administrator's password is shown
}

// DBPath is the database file in the data directory.
func DBPath(cfg config.Config) string { return filepath.Join(cfg.Data.Dir, "admit.db") }

// openData opens the data directory as every command that runs the domain
// does: the database (DBPath, created on first start) and the access
// tokens' key beside it (secret.key, made on first start).
func openData(ctx context.Context, cfg config.Config) (*store.Store, []byte, error) {
	db, err := store.Open(ctx, DBPath(cfg), store.Options{Replicated: cfg.Data.Replicated})
	if err != nil {
		return nil, nil, err
	}
	secret, err := LoadSecret(filepath.Join(cfg.Data.Dir, "secret.key"))
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, secret, nil
}

// newDomain builds the domain on db as every command does: with the key
// secret, the public URL, the log, and the payment providers of the
// configuration and those saved in Admit, connected. opts holds the rest
// (what serving needs: mail, holds, metrics…); a command that only reads
// leaves it empty.
func newDomain(ctx context.Context, o Options, db *store.Store, secret []byte, opts ticketing.Options) (*ticketing.Service, error) {
	opts.Secret, opts.PublicURL, opts.Log = secret, o.Config.HTTP.PublicURL, o.Log
	opts.Modules, opts.ConfigCredentials = o.Modules, o.Config.Providers
	tickets, err := ticketing.New(db, opts)
	if err != nil {
		return nil, err
	}
	if err := tickets.LoadProviders(ctx); err != nil {
		return nil, err
	}
	return tickets, nil
}

// ConfigSections are the payment providers' sections of the configuration:
// their keys, defaults and checks, from the registry.
func ConfigSections(mods *payment.Modules) []config.Section {
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

// Serve runs the service until ctx ends (a clean stop, even during
// start-up) or serving fails.
func Serve(ctx context.Context, o Options) (err error) {
	defer func() { // a signal during start-up is a clean stop too
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			err = nil
		}
	}()
	cfg, log := o.Config, o.Log
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
	db, secret, err := openData(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
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
	if err := bootstrapAdmin(ctx, o, admins); err != nil {
		return err
	}
	offsets, _ := cfg.ReminderOffsets() // checked by config.Load
	tickets, err := newDomain(ctx, o, db, secret, ticketing.Options{Subjects: ticketing.I18nSubjects{Bundle: tr},
		Renderer: renderer, Hold: cfg.HoldDuration(), Offer: time.Duration(cfg.Waitlist.OfferHours) * time.Hour,
		HoldsPerClient: cfg.Limits.HoldsPerClient, ServiceFeePercent: cfg.Payments.ServiceFeePercent,
		Reminders: offsets, Recordings: files, MaxDevices: cfg.Recordings.MaxDevices, Metrics: counts,
		Webhooks: ticketing.WebhookOptions{AllowPrivate: cfg.Webhooks.AllowPrivate, Views: web.HookViews{PublicURL: cfg.HTTP.PublicURL}}})
	if err != nil {
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

	sched, err := schedule(cfg, log, counts, db, tickets, dispatcher, uploads)
	if err != nil {
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
	conns := trackUnused(ln)
	go func() { errc <- app.Listener(conns) }()
	log.Info("admit serving", "address", ln.Addr().String(), "public_url", cfg.HTTP.PublicURL, "data", cfg.Data.Dir, "version", o.Version)
	select {
	case err = <-errc:
	case <-ctx.Done():
		log.Info("shutting down")
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conns.closeUnused()
	if serr := app.ShutdownWithContext(shutdown); serr != nil && err == nil {
		err = serr
	}
	sched.Stop(shutdown)
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// bootstrapAdmin creates the first administrator from admin.email (and
// admin.password) on an empty database, and shows a generated password
// once.
func bootstrapAdmin(ctx context.Context, o Options, admins *auth.Service) error {
	cfg := o.Config
	email, password, err := admins.Bootstrap(ctx, cfg.Admin.Email, cfg.Admin.Password)
	if err != nil || password == "" {
		return err
	}
	if cfg.Log.Format == "json" {
		o.Log.Warn("first administrator created: the password is shown once", "email", email, "password", password,
			"sign_in", cfg.HTTP.PublicURL+"/admin/login")
	} else {
		fmt.Fprintf(o.Stderr, "\nadmit: first administrator created: %s  password: %s\n(shown once: sign in at %s/admin/login, or exchange it for an API token with POST %s/api/v1/auth/token)\n\n", email, password, cfg.HTTP.PublicURL, cfg.HTTP.PublicURL)
	}
	return nil
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
