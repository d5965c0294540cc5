package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/admit/admit/app/server"
	"github.com/admit/admit/app/ticketing"
)

// The live event of the join and recording measures: its one session
// began a minute before the run and lasts long past it, so every join
// link leads to the room.
const (
	liveRoom    = "https://room.example.org/bench"
	liveMinutes = 240
)

// live is the server, event and registrations the join and recording
// measures share.
type live struct {
	srv    *admit
	event  event
	tokens []string // the confirmed registrations' access tokens
	setup  result   // the free registrations made for them
}

// setupLive starts admit in dir with a live event and regs confirmed free
// registrations made through the public API, and reads their access
// tokens: the server stores only a token's hash, so regbench derives each
// from its registration's nonce with the server's key (data/secret.key),
// as the server does for the access email.
func setupLive(ctx context.Context, bin, dir string, o options, regs int) (*live, error) {
	srv, err := startAdmit(ctx, bin, dir, o,
		// One stream per registration here, but all from 127.0.0.1.
		"ADMIT_RECORDINGS__MAX_DEVICES=100")
	if err != nil {
		return nil, err
	}
	l := &live{srv: srv}
	start := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
	if l.event, err = srv.createEvent(ctx, 0, map[string]any{
		"title": "Live", "join_url": liveRoom,
		"sessions": []map[string]any{{"starts_at": start.Format(time.RFC3339), "duration_minutes": liveMinutes}},
	}); err != nil {
		srv.stop()
		return nil, err
	}
	regURL := srv.base + "/api/v1/public/events/" + l.event.Slug + "/registrations"
	if l.setup, err = measure(ctx, "setup", regs, o.c, o.duration, func(_ int, i int64) error {
		var out map[string]any
		return postJSON(ctx, srv.client, "POST", regURL, "", map[string]string{
			"name": fmt.Sprintf("Live %d", i), "email": fmt.Sprintf("live-%d@example.org", i)}, &out)
	}); err != nil {
		srv.stop()
		return nil, err
	}
	if l.setup.Done == 0 {
		srv.stop()
		return nil, fmt.Errorf("no registration made for the live event: %s", l.setup.FirstErr)
	}
	if l.tokens, err = accessTokens(ctx, srv, l.event.ID); err != nil {
		srv.stop()
		return nil, err
	}
	return l, nil
}

// accessTokens derives the access tokens of an event's confirmed
// registrations, in id order.
func accessTokens(ctx context.Context, srv *admit, eventID int64) ([]string, error) {
	secret, err := server.LoadSecret(filepath.Join(srv.dataDir, "secret.key"))
	if err != nil {
		return nil, err
	}
	// Only AccessURL is used: no store is needed.
	svc, err := ticketing.New(nil, ticketing.Options{Secret: secret})
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite3", "file:"+srv.dbPath()+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT token_nonce FROM registrations WHERE event_id = ? AND status = 'confirmed' ORDER BY id`, eventID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var nonce []byte
		if err := rows.Scan(&nonce); err != nil {
			return nil, err
		}
		out = append(out, strings.TrimPrefix(svc.AccessURL(nonce), "/a/"))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("event %d has no confirmed registration", eventID)
	}
	return out, nil
}

// fastClient is the load generator of the join and recording measures:
// fasthttp's client (the HTTP library under fiber), at most conns kept-alive
// connections to addr, no redirects followed on its own. On this kind of
// machine it got more out of nginx than wrk did (1 MB ranges, 100
// connections: 230 MB/s against wrk's 155 MB/s, same minute), and it can
// give every request its own token and offset.
func fastClient(addr string, conns int) *fasthttp.HostClient {
	return &fasthttp.HostClient{
		Addr:     addr,
		MaxConns: conns,
		// 64 KB reads: with the default 4 KB a 1 MB range costs the client
		// 256 reads, and the client, not the server, sets the pace.
		ReadBufferSize:                64 << 10,
		MaxIdleConnDuration:           time.Minute,
		ReadTimeout:                   30 * time.Second,
		WriteTimeout:                  30 * time.Second,
		NoDefaultUserAgentHeader:      true,
		DisableHeaderNamesNormalizing: true,
		MaxConnWaitTimeout:            30 * time.Second,
	}
}

// hostOf is base's host:port.
func hostOf(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return strings.TrimPrefix(base, "http://")
	}
	return u.Host
}

// rounds runs the phases one after the other, rounds times (A B A B …):
// on a machine whose load moves, each side gets its share of the quiet
// and the busy moments. It returns each phase's results added up.
func rounds(ctx context.Context, n int, phases ...func(context.Context) (result, error)) ([]result, error) {
	sum := make([]result, len(phases))
	for r := 0; r < n; r++ {
		for i, p := range phases {
			res, err := p(ctx)
			if err != nil {
				return sum, err
			}
			sum[i] = addResults(sum[i], res)
		}
	}
	return sum, nil
}

// addResults adds phase b to a: counts, times and latencies.
func addResults(a, b result) result {
	if a.Name == "" {
		return b
	}
	a.Done += b.Done
	a.Errors += b.Errors
	a.N += b.N
	a.Elapsed += b.Elapsed
	a.Bytes += b.Bytes
	a.lat = append(append(make([]time.Duration, 0, len(a.lat)+len(b.lat)), a.lat...), b.lat...)
	slices.Sort(a.lat)
	a.percentiles()
	a.CPU = cpuUse{Server: a.CPU.Server + b.CPU.Server, Client: a.CPU.Client + b.CPU.Client, OK: a.CPU.OK && b.CPU.OK}
	if a.FirstErr == "" {
		a.FirstErr = b.FirstErr
	}
	return a
}

// statusErr describes an unexpected answer.
func statusErr(what string, resp *fasthttp.Response) error {
	body := resp.Body()
	if len(body) > 200 {
		body = body[:200]
	}
	return fmt.Errorf("%s: status %d (%s): %s", what, resp.StatusCode(), http.StatusText(resp.StatusCode()), strings.TrimSpace(string(body)))
}
