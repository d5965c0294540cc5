package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/valyala/fasthttp"
)

// joinAim is the join redirects' admit / baseline ratio the issue asks for.
const joinAim = 0.6

// joinOutcome is what the join measure found.
type joinOutcome struct {
	Web, Base result
	Tokens    int // distinct access links asked for, round robin
	Rounds    int
	Problems  []string
}

// startJoinBaseline starts regbench itself as the join baseline on the
// server's database (see joinBaseline).
func startJoinBaseline(ctx context.Context, dir, db string) (*child, string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, "", err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	cmd := exec.Command(self, joinBaselineCmd, "-db", db, "-addr", addr, "-room", liveRoom)
	c, err := startChild("the join baseline", cmd, filepath.Join(dir, "join-baseline.log"))
	if err != nil {
		return nil, "", err
	}
	base := "http://" + addr
	client := keepAliveClient(1)
	defer client.CloseIdleConnections()
	if err := waitHealthy(ctx, client, base, c.exited); err != nil {
		c.stop()
		return nil, "", fmt.Errorf("the join baseline: %w\n%s", err, tailFile(filepath.Join(dir, "join-baseline.log"), 2000))
	}
	return c, base, nil
}

// runJoin measures GET /a/{token}/join on admit and on the baseline, in
// turns, each for o.phaseTime a turn at o.c concurrent keep-alive
// connections, every request with the next of the live registrations'
// tokens. Each answer must be a 302 to the room.
func runJoin(ctx context.Context, dir string, l *live, o options) (joinOutcome, error) {
	out := joinOutcome{Tokens: len(l.tokens), Rounds: o.rounds}
	base, baseURL, err := startJoinBaseline(ctx, dir, l.srv.dbPath())
	if err != nil {
		return out, err
	}
	defer base.stop()
	phase := func(name, url string, proc *child) func(context.Context) (result, error) {
		return func(ctx context.Context) (result, error) {
			client := fastClient(hostOf(url), o.c)
			defer client.CloseIdleConnections()
			reqs := make([]*fasthttp.Request, o.c)
			resps := make([]*fasthttp.Response, o.c)
			for w := range reqs {
				reqs[w], resps[w] = fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
				defer fasthttp.ReleaseRequest(reqs[w])
				defer fasthttp.ReleaseResponse(resps[w])
			}
			cpu := proc.cpuMeter()
			res, err := measure(ctx, name, 0, o.c, o.phaseTime, func(w int, i int64) error {
				req, resp := reqs[w], resps[w]
				req.SetRequestURI(url + "/a/" + l.tokens[int(i)%len(l.tokens)] + "/join")
				if err := client.Do(req, resp); err != nil {
					return err
				}
				if resp.StatusCode() != fasthttp.StatusFound || string(resp.Header.Peek(fasthttp.HeaderLocation)) != liveRoom {
					return statusErr(name+" join", resp)
				}
				return nil
			})
			res.CPU = cpu()
			return res, err
		}
	}
	res, err := rounds(ctx, o.rounds,
		phase("admit", l.srv.base, l.srv.child),
		phase("baseline", baseURL, base))
	if err != nil {
		return out, err
	}
	out.Web, out.Base = res[0], res[1]
	if err := base.stop(); err != nil {
		out.Problems = append(out.Problems, "stopping the join baseline: "+err.Error())
	}
	return out, nil
}
