package web

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

// gzipBomb is a registration whose name is n bytes of "a", gzip-compressed:
// about a thousandth of n on the wire.
func gzipBomb(t testing.TB, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write([]byte(`{"name":"`))
	chunk := bytes.Repeat([]byte("a"), 1<<20)
	for written := 0; written < n; written += len(chunk) {
		zw.Write(chunk)
	}
	zw.Write([]byte(`","email":"bomb@example.org"}`))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestCompressedBodyIsNeverInflated: a small gzip body that would inflate to
// 64 MB, posted without authentication to registration, login, a webhook of
// a connected provider and the registration form, is refused before anything
// inflates it: the heap allocated during the four requests stays far below
// one inflated body.
func TestCompressedBodyIsNeverInflated(t *testing.T) {
	e, _ := fakeEnv(t)
	e.createEvent(liveEvent(nil))
	const inflated = 64 << 20
	bomb := gzipBomb(t, inflated)
	if len(bomb) >= BodyLimit {
		t.Fatalf("the bomb is %d bytes, not below the body limit", len(bomb))
	}
	paths := []string{
		"/api/v1/public/events/intro-to-go/registrations",
		"/api/v1/auth/token",
		"/webhooks/stripe",
		"/e/intro-to-go",
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	answers := make([]response, len(paths))
	for i, p := range paths {
		answers[i] = e.do("POST", p, bomb, false, "Content-Encoding", "gzip")
	}
	runtime.ReadMemStats(&after)
	for i, r := range answers {
		if r.Status != 415 {
			t.Errorf("POST %s with a gzip body: %d, want 415\n%.300s", paths[i], r.Status, r.Body)
		}
		if strings.HasPrefix(paths[i], "/api/") && !strings.Contains(string(r.Body), `"code":"unsupported_media_type"`) {
			t.Errorf("POST %s: body lacks the error code: %.300s", paths[i], r.Body)
		}
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Fatalf("the requests allocated %d MB: a body was inflated", grew>>20)
	}
	if n, err := e.store.Outbox(e.t.Context(), "", 10); err != nil || len(n) != 0 {
		t.Fatalf("something was registered: %d mails, %v", len(n), err)
	}
}

// TestEveryRouteRefusesContentEncoding: every route that takes a body, the
// webhooks and the admin API included, refuses a Content-Encoding other than
// identity before authentication and before its handler.
func TestEveryRouteRefusesContentEncoding(t *testing.T) {
	e, _ := fakeEnv(t)
	e.createEvent(liveEvent(nil))
	small := gzipBomb(t, 1<<10)
	checked := 0
	for _, rt := range e.app.GetRoutes(true) {
		switch rt.Method {
		case "POST", "PUT", "PATCH", "DELETE":
		default:
			continue
		}
		path := strings.NewReplacer(":slug", "intro-to-go", ":provider", "stripe", ":token", "x", ":id", "1",
			":tier", "1", ":promo", "1").Replace(rt.Path)
		for _, coding := range []string{"gzip", "br", "deflate", "GZIP", "identity, gzip", "x-gzip"} {
			r := e.do(rt.Method, path, small, true, "Content-Encoding", coding)
			if r.Status != 415 {
				t.Errorf("%s %s with Content-Encoding %q: %d, want 415\n%.300s", rt.Method, path, coding, r.Status, r.Body)
			}
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("only %d routes take a body? the route table was not read", checked)
	}
	// identity is no compression at all.
	r := e.do("POST", "/api/v1/public/events/intro-to-go/registrations", map[string]any{"name": "Ada", "email": "ada@example.org"}, false,
		"Content-Encoding", "identity")
	if r.Status != 201 {
		t.Fatalf("Content-Encoding identity: %d %s", r.Status, r.Body)
	}
}

// A body declared just over the limit gets its 413: the client, still
// sending, reads the answer rather than a connection reset. Before, the
// server answered and closed on the unread bytes, and whether the client saw
// the 413 or a reset depended on which came first (TestTusRefusals failed
// now and then on it).
func TestBodyJustOverTheLimitIsAnswered(t *testing.T) {
	e := newEnv(t)
	addr := strings.TrimPrefix(e.serve(), "http://")
	body := bytes.Repeat([]byte("x"), BodyLimit+1)
	for i := range 5 {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		head := fmt.Sprintf("POST /api/v1/events HTTP/1.1\r\nHost: admit.test\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", e.token, len(body))
		if _, err := conn.Write([]byte(head)); err != nil {
			t.Fatal(err)
		}
		// The body in small writes, as a slow client sends it: the server
		// has long decided by the time the last one leaves.
		for b := body; len(b) > 0; {
			k := min(len(b), 64<<10)
			if _, err := conn.Write(b[:k]); err != nil {
				t.Fatalf("try %d: writing the body: %v", i, err)
			}
			b = b[k:]
		}
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("try %d: reading the answer: %v", i, err)
		}
		b, _ := io.ReadAll(res.Body)
		conn.Close()
		if res.StatusCode != 413 || !strings.Contains(string(b), "body_too_large") {
			t.Fatalf("try %d: %d %s", i, res.StatusCode, b)
		}
	}
}
