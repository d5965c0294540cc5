// Command admit sells tickets to webinars: one binary with its database,
// pages, mail and scheduler. See README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // IANA zones even on a machine without tzdata

	"github.com/admit/admit/app/config"
	"github.com/admit/admit/app/logging"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/server"
	"github.com/admit/admit/app/store"
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
	server.TuneMemory()
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
	cfg, err := config.Load(*configPath, server.ConfigSections(mods)...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "admit:", err)
		os.Exit(2)
	}
	// From here every line goes through log, in log.format, and so does
	// whatever a library writes with the standard log package; a line
	// logged with a request's or a job run's context carries its id.
	log := logging.Wrap(cfg.Logger(os.Stderr))
	slog.SetDefault(log)
	opts := server.Options{Config: cfg, Log: log, Modules: mods, Version: version, Stderr: os.Stderr}
	switch {
	case len(args) == 2 && args[0] == "backup":
		err = store.Backup(ctx, server.DBPath(cfg), args[1])
	case len(args) >= 1 && args[0] == "reconcile":
		os.Exit(server.Reconcile(ctx, opts, args[1:], os.Stdout, os.Stderr))
	case len(args) == 0 || (len(args) == 1 && args[0] == "serve"):
		err = server.Serve(ctx, opts)
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
