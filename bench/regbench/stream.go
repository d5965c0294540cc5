package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/valyala/fasthttp"
)

// streamAim is the recording bytes/s admit / nginx ratio the issue asks for.
const streamAim = 0.8

// mp4Head starts the recording: an MP4 "ftyp" box, which is what the
// server's upload checks the content by; random bytes follow.
var mp4Head = []byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2")

// streamOutcome is what the recording measure found.
type streamOutcome struct {
	Web, Nginx result
	Size       int64 // the recording's bytes
	Chunk      int64 // bytes a Range request asks for
	Streams    int   // concurrent streams, each its own registration and connection
	Rounds     int
	NginxVer   string // nginx -v
	Redirects  int    // streams whose access link answered with a redirect (followed)
	Upload     result // the upload, not measured beyond its time
	Problems   []string
}

// writeRecording writes size bytes of a recording to path: the MP4 head,
// then pseudo-random bytes (nothing compresses or repeats).
func writeRecording(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.NewChaCha8([32]byte{'a', 'd', 'm', 'i', 't'})
	if _, err := w.Write(mp4Head); err == nil {
		_, err = io.CopyN(w, rng, size-int64(len(mp4Head)))
	}
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// uploadRecording attaches the file at path to the event through the
// admin API (multipart, field file, streamed from disk; no follow-up
// mail) and returns the recording's id.
func uploadRecording(ctx context.Context, srv *admit, eventID int64, path string) (int64, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := func() error {
			if err := mw.WriteField("title", "Bench recording"); err != nil {
				return err
			}
			if err := mw.WriteField("notify", "false"); err != nil {
				return err
			}
			part, err := mw.CreateFormFile("file", "bench.mp4")
			if err != nil {
				return err
			}
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			if _, err := io.Copy(part, f); err != nil {
				return err
			}
			return mw.Close()
		}()
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequestWithContext(ctx, "POST", fmt.Sprintf("%s/api/v1/events/%d/recordings", srv.base, eventID), pr)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+srv.token)
	client := &http.Client{Transport: &http.Transport{Proxy: nil}} // no timeout: as long as the upload takes
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return 0, fmt.Errorf("upload: status %d: %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	var rec struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(b, &rec); err != nil || rec.ID == 0 {
		return 0, fmt.Errorf("upload: no recording id in %s", bytes.TrimSpace(b))
	}
	return rec.ID, nil
}

// storedFile finds the file of size bytes the server keeps under
// data/recordings: nginx serves that very file.
func storedFile(dataDir string, size int64) (string, error) {
	var found string
	err := filepath.WalkDir(filepath.Join(dataDir, "recordings"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || found != "" {
			return err
		}
		if fi, err := d.Info(); err == nil && fi.Mode().IsRegular() && fi.Size() == size {
			found = p
		}
		return nil
	})
	if err == nil && found == "" {
		err = fmt.Errorf("no file of %d bytes under %s", size, filepath.Join(dataDir, "recordings"))
	}
	return found, err
}

// stream is one player: its own registration's access link (for nginx,
// the file's URL), the address it ended up at after redirects, and the
// cookies it was given.
type stream struct {
	start    string // the access link's path
	url      string // where the ranges are asked for now ("" until resolved)
	cookies  map[string]string
	verified bool
}

// get asks for bytes [off, off+n) of the stream, following redirects
// (to at most 5 addresses on the same host) from the access link the
// first time, and again from it when the address it ended at stops
// answering with the range. It returns whether it followed a redirect.
func (s *stream) get(client *fasthttp.HostClient, req *fasthttp.Request, resp *fasthttp.Response, off, n int64) (bool, error) {
	redirected := false
	for attempt := 0; attempt < 2; attempt++ {
		if s.url == "" {
			s.url = s.start
		}
		for hop := 0; hop < 6; hop++ {
			req.Reset()
			req.SetRequestURI("http://" + client.Addr + s.url)
			req.Header.Set(fasthttp.HeaderRange, fmt.Sprintf("bytes=%d-%d", off, off+n-1))
			for k, v := range s.cookies {
				req.Header.SetCookie(k, v)
			}
			if err := client.Do(req, resp); err != nil {
				return redirected, err
			}
			resp.Header.VisitAllCookie(func(k, v []byte) {
				c := fasthttp.AcquireCookie()
				defer fasthttp.ReleaseCookie(c)
				if c.ParseBytes(v) == nil {
					if s.cookies == nil {
						s.cookies = map[string]string{}
					}
					s.cookies[string(k)] = string(c.Value())
				}
			})
			code := resp.StatusCode()
			if code < 300 || code > 399 || code == fasthttp.StatusNotModified {
				break
			}
			loc, err := url.Parse(string(resp.Header.Peek(fasthttp.HeaderLocation)))
			if err != nil {
				return redirected, fmt.Errorf("redirect to a bad address: %w", err)
			}
			if loc.Host != "" && loc.Host != client.Addr {
				return redirected, fmt.Errorf("redirect to another host (%s): not measured", loc.Host)
			}
			cur, _ := url.Parse(s.url)
			s.url = cur.ResolveReference(loc).RequestURI()
			redirected = true
		}
		if resp.StatusCode() == fasthttp.StatusPartialContent {
			if int64(len(resp.Body())) != n {
				return redirected, fmt.Errorf("asked for %d bytes at %d, got %d", n, off, len(resp.Body()))
			}
			return redirected, nil
		}
		if s.url == s.start {
			break
		}
		s.url = "" // a short-lived address may have expired: from the access link again
	}
	return redirected, statusErr("range request", resp)
}

// runStreams measures Range requests of o.chunk bytes at random offsets
// of the recording from o.streams concurrent streams, each its own
// keep-alive connection (and, on admit, its own registration's access
// link), on admit and on nginx serving the same file, in turns of
// o.phaseTime. The first range of every stream in every turn is compared
// with the file's bytes.
func runStreams(ctx context.Context, dir string, l *live, o options) (streamOutcome, error) {
	out := streamOutcome{Size: o.streamMB << 20, Chunk: o.chunkKB << 10, Streams: o.streams, Rounds: o.rounds}
	if len(l.tokens) < o.streams {
		return out, fmt.Errorf("%d streams need as many registrations, the live event has %d", o.streams, len(l.tokens))
	}
	bin, err := nginxBinary()
	if err != nil {
		return out, err
	}
	out.NginxVer = nginxVersion(bin)
	src := filepath.Join(dir, "bench.mp4")
	if err := writeRecording(src, out.Size); err != nil {
		return out, err
	}
	var rid int64
	if out.Upload, err = measure(ctx, "upload", 1, 1, o.duration, func(int, int64) error {
		rid, err = uploadRecording(ctx, l.srv, l.event.ID, src)
		return err
	}); err != nil || out.Upload.Done != 1 {
		return out, fmt.Errorf("upload of the recording: %v%s", err, out.Upload.FirstErr)
	}
	path, err := storedFile(l.srv.dataDir, out.Size)
	if err != nil {
		return out, err
	}
	_ = os.Remove(src) // the server's copy is the one both serve
	file, err := os.Open(path)
	if err != nil {
		return out, err
	}
	defer file.Close()
	ngx, ngxBase, err := startNginx(ctx, bin, filepath.Join(dir, "nginx"), filepath.Dir(path))
	if err != nil {
		return out, err
	}
	defer ngx.stop()

	var redirected atomic.Int64
	phase := func(name, base string, proc *child, link func(w int) string) func(context.Context) (result, error) {
		return func(ctx context.Context) (result, error) {
			client := fastClient(hostOf(base), o.streams)
			defer client.CloseIdleConnections()
			streams := make([]stream, o.streams)
			reqs := make([]*fasthttp.Request, o.streams)
			resps := make([]*fasthttp.Response, o.streams)
			for w := range streams {
				streams[w].start = link(w)
				reqs[w], resps[w] = fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
				defer fasthttp.ReleaseRequest(reqs[w])
				defer fasthttp.ReleaseResponse(resps[w])
			}
			var got atomic.Int64
			cpu := proc.cpuMeter()
			res, err := measure(ctx, name, 0, o.streams, o.phaseTime, func(w int, _ int64) error {
				s := &streams[w]
				off := rand.Int64N(out.Size - out.Chunk + 1)
				red, err := s.get(client, reqs[w], resps[w], off, out.Chunk)
				if err != nil {
					return fmt.Errorf("%s stream %d: %w", name, w, err)
				}
				if red && !s.verified && name == "admit" {
					redirected.Add(1)
				}
				if !s.verified {
					want := make([]byte, out.Chunk)
					if _, err := file.ReadAt(want, off); err != nil {
						return err
					}
					if !bytes.Equal(want, resps[w].Body()) {
						return fmt.Errorf("%s stream %d: the bytes at %d are not the file's", name, w, off)
					}
					s.verified = true
				}
				got.Add(int64(len(resps[w].Body())))
				return nil
			})
			res.CPU = cpu()
			res.Bytes = got.Load()
			return res, err
		}
	}
	rid10 := fmt.Sprint(rid)
	res, err := rounds(ctx, o.rounds,
		phase("admit", l.srv.base, l.srv.child, func(w int) string { return "/a/" + l.tokens[w] + "/recordings/" + rid10 }),
		phase("nginx", ngxBase, ngx, func(int) string { return "/" + filepath.Base(path) }))
	if err != nil {
		return out, err
	}
	out.Web, out.Nginx = res[0], res[1]
	out.Redirects = int(redirected.Load()) / max(o.rounds, 1)
	if err := ngx.stop(); err != nil && !isSignalExit(err) {
		out.Problems = append(out.Problems, "stopping nginx: "+err.Error())
	}
	return out, nil
}

// isSignalExit: the process ended because of the signal it was sent.
func isSignalExit(err error) bool {
	var ee interface{ ExitCode() int }
	return errors.As(err, &ee) && (ee.ExitCode() == -1 || strings.Contains(err.Error(), "signal"))
}
