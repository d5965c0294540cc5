package main

import (
	"crypto/sha256"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/gofiber/fiber/v2"
)

// joinBaselineCmd is the argument that makes regbench the join measure's
// baseline server instead of the bench (regbench starts itself with it).
const joinBaselineCmd = "join-baseline"

// joinBaseline serves GET /a/{token}/join the plainest way: a fiber
// handler doing one indexed read of the server's registrations table (by
// token_hash, the SHA-256 of the token, as the server keeps it) on a
// read-only pool like the server's (4 connections, query_only), then a 302
// to the room; 404 for an unknown token, 403 for a registration not
// confirmed. No event, no sessions, no time window, no log. It runs until
// SIGTERM.
func joinBaseline(args []string) error {
	fs := flag.NewFlagSet(joinBaselineCmd, flag.ContinueOnError)
	db := fs.String("db", "", "the server's database")
	addr := fs.String("addr", "127.0.0.1:0", "where to listen")
	room := fs.String("room", liveRoom, "where a confirmed registration is sent")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pool, err := sql.Open("sqlite3", "file:"+*db+"?_journal_mode=WAL&_busy_timeout=10000&_query_only=1")
	if err != nil {
		return err
	}
	defer pool.Close()
	pool.SetMaxOpenConns(4)
	pool.SetMaxIdleConns(4)
	byToken, err := pool.Prepare(`SELECT id, event_id, status FROM registrations WHERE token_hash = ?`)
	if err != nil {
		return err
	}
	defer byToken.Close()

	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	app.Get("/a/:token/join", func(c *fiber.Ctx) error {
		h := sha256.Sum256([]byte(c.Params("token")))
		var id, event int64
		var status string
		err := byToken.QueryRowContext(c.UserContext(), h[:]).Scan(&id, &event, &status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return c.SendStatus(fiber.StatusNotFound)
		case err != nil:
			return err
		case status != "confirmed":
			return c.SendStatus(fiber.StatusForbidden)
		}
		return c.Redirect(*room, fiber.StatusFound)
	})
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
		<-sig
		_ = app.Shutdown()
	}()
	if err := app.Listen(*addr); err != nil {
		return fmt.Errorf("listen %s: %w", *addr, err)
	}
	return nil
}
