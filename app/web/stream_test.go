package web

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/admit/admit/app/model"
)

// recordedEvent is a live event with one uploaded recording of size bytes
// and one external; it answers the event id, the file and the two ids.
func (e *env) recordedEvent(size int) (eventID int64, video []byte, fileID, externalID int64) {
	e.t.Helper()
	eventID = num(e.createEvent(liveEvent(nil))["id"])
	video = fakeVideo(size)
	r := e.upload(eventID, video, "title", "The replay", "notify", "false")
	if r.Status != 201 {
		e.t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	fileID = num(r.JSON(e.t)["id"])
	r = e.do("POST", fmt.Sprintf("/api/v1/events/%d/recordings", eventID), `{"url":"https://video.example.org/replay","title":"Elsewhere","notify":false}`, true)
	if r.Status != 201 {
		e.t.Fatalf("external: %d %s", r.Status, r.Body)
	}
	return eventID, video, fileID, num(r.JSON(e.t)["id"])
}

// TestRecordingRange checks Range answers byte for byte against RFC 9110
// (14.1.2, 14.4, 15.3.7, 15.5.17).
func TestRecordingRange(t *testing.T) {
	e := newEnv(t)
	const size = 100_000
	_, video, id, _ := e.recordedEvent(size)
	_, token := e.registerOne("intro-to-go", "Ada", "ada@example.org")
	path := fmt.Sprintf("/a/%s/recordings/%d", token, id)
	total := strconv.Itoa(size)
	for _, tc := range []struct {
		name, rng    string
		status       int
		first, last  int // the bytes expected (206: first..last; 200: all)
		contentRange string
	}{
		{"whole", "", 200, 0, size - 1, ""},
		{"first byte", "bytes=0-0", 206, 0, 0, "bytes 0-0/" + total},
		{"first 500", "bytes=0-499", 206, 0, 499, "bytes 0-499/" + total},
		{"middle", "bytes=500-999", 206, 500, 999, "bytes 500-999/" + total},
		{"open-ended", "bytes=99000-", 206, 99000, size - 1, "bytes 99000-99999/" + total},
		{"suffix", "bytes=-500", 206, size - 500, size - 1, "bytes 99500-99999/" + total},
		{"suffix longer than the file", "bytes=-200000", 206, 0, size - 1, "bytes 0-99999/" + total},
		{"last past the end", "bytes=99990-200000", 206, 99990, size - 1, "bytes 99990-99999/" + total},
		{"last byte", "bytes=99999-99999", 206, 99999, 99999, "bytes 99999-99999/" + total},
		{"unit in capitals", "Bytes=10-19", 206, 10, 19, "bytes 10-19/" + total},
		{"first past the end", "bytes=100000-", 416, 0, -1, "bytes */" + total},
		{"first far past the end", "bytes=200000-300000", 416, 0, -1, "bytes */" + total},
		{"last before first", "bytes=500-100", 416, 0, -1, "bytes */" + total},
		{"zero suffix", "bytes=-0", 416, 0, -1, "bytes */" + total},
		{"not numbers", "bytes=a-b", 416, 0, -1, "bytes */" + total},
		{"negative", "bytes=--5", 416, 0, -1, "bytes */" + total},
		{"no dash", "bytes=5", 416, 0, -1, "bytes */" + total},
		{"other unit", "items=0-5", 200, 0, size - 1, ""},
		{"several ranges", "bytes=0-1,5-6", 200, 0, size - 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			var h []string
			if tc.rng != "" {
				h = []string{"Range", tc.rng}
			}
			r := e.do("GET", path, nil, false, h...)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %.200s", r.Status, tc.status, r.Body)
			}
			if got := r.Header.Get("Content-Range"); got != tc.contentRange {
				t.Errorf("Content-Range %q, want %q", got, tc.contentRange)
			}
			if got := r.Header.Get("Accept-Ranges"); got != "bytes" {
				t.Errorf("Accept-Ranges %q", got)
			}
			if tc.status == 416 {
				return
			}
			want := video[tc.first : tc.last+1]
			if !bytes.Equal(r.Body, want) {
				t.Errorf("body: %d bytes, want bytes %d..%d (%d)", len(r.Body), tc.first, tc.last, len(want))
			}
			if got := r.Header.Get("Content-Length"); got != strconv.Itoa(len(want)) {
				t.Errorf("Content-Length %q, want %d", got, len(want))
			}
			if got := r.Header.Get("Content-Type"); got != "video/mp4" {
				t.Errorf("Content-Type %q", got)
			}
			if r.Header.Get("ETag") == "" || r.Header.Get("Last-Modified") == "" {
				t.Errorf("no ETag or Last-Modified: %v", r.Header)
			}
		})
	}
	e.t = t

	// Validators: the ETag is the file's SHA-256.
	full := e.do("GET", path, nil, false)
	etag, lastMod := full.Header.Get("ETag"), full.Header.Get("Last-Modified")
	if !strings.HasPrefix(etag, `"`) || len(etag) != 66 {
		t.Fatalf("ETag %q", etag)
	}
	e.run(t, []scenario{
		{name: "if-none-match", method: "GET", path: path, headers: []string{"If-None-Match", etag}, status: 304},
		{name: "if-none-match other", method: "GET", path: path, headers: []string{"If-None-Match", `"abc"`}, status: 200},
		{name: "if-modified-since", method: "GET", path: path, headers: []string{"If-Modified-Since", lastMod}, status: 304},
		{name: "if-range same etag", method: "GET", path: path, headers: []string{"Range", "bytes=0-9", "If-Range", etag}, status: 206},
		{name: "if-range other etag", method: "GET", path: path, headers: []string{"Range", "bytes=0-9", "If-Range", `"old"`}, status: 200},
		{name: "if-range same date", method: "GET", path: path, headers: []string{"Range", "bytes=0-9", "If-Range", lastMod}, status: 206},
	})
	e.t = t
	head := e.do("HEAD", path, nil, false, "Range", "bytes=0-9")
	if head.Status != 206 || len(head.Body) != 0 || head.Header.Get("Content-Range") != "bytes 0-9/"+total {
		t.Errorf("HEAD: %d %v %d bytes", head.Status, head.Header, len(head.Body))
	}
}

// TestRecordingAccess is the access matrix of GET /a/{token}/recordings/{id}
// (the same rules as the join link), with the registrant's JSON and page.
func TestRecordingAccess(t *testing.T) {
	e := newEnv(t)
	eid, video, id, ext := e.recordedEvent(5000)
	other := num(e.createEvent(liveEvent(map[string]any{"title": "Other", "slug": "other"}))["id"])
	r := e.upload(other, fakeVideo(100), "notify", "false")
	if r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	otherID := num(r.JSON(t)["id"])
	_ = eid
	for _, tc := range []struct {
		status string
		code   int
		says   string
	}{
		{model.StatusConfirmed, 200, ""},
		{model.StatusPartiallyRefunded, 200, ""},
		{model.StatusPendingPayment, 403, "payment has not been received"},
		{model.StatusPendingApproval, 403, "waiting for the organizer"},
		{model.StatusCancelled, 403, "was cancelled"},
		{model.StatusRejected, 403, "did not accept"},
		{model.StatusRefunded, 403, "was refunded"},
	} {
		t.Run(tc.status, func(t *testing.T) {
			e.t = t
			rid, token := e.registerOne("intro-to-go", tc.status, tc.status+"@example.org")
			e.setStatus(rid, tc.status)
			path := fmt.Sprintf("/a/%s/recordings/%d", token, id)
			r := e.watch("GET", path)
			if r.Status != tc.code {
				t.Fatalf("%s: %d, want %d", tc.status, r.Status, tc.code)
			}
			if tc.code == 200 {
				if !bytes.Equal(r.Body, video) {
					t.Error("not the video")
				}
			} else if !strings.Contains(string(r.Body), tc.says) || !strings.Contains(r.Header.Get("Content-Type"), "text/html") {
				t.Errorf("403 page does not say why (%q):\n%.600s", tc.says, r.Body)
			}
			extPath := fmt.Sprintf("/a/%s/recordings/%d", token, ext)
			r = e.watch("GET", extPath)
			if tc.code == 200 {
				if r.Status != 302 || r.Header.Get("Location") != "https://video.example.org/replay" {
					t.Errorf("external: %d %q", r.Status, r.Header.Get("Location"))
				}
			} else if r.Status != 403 {
				t.Errorf("external for %s: %d", tc.status, r.Status)
			}
			// Another event's recording, a missing one, a bad id: 404.
			for _, p := range []string{fmt.Sprintf("/a/%s/recordings/%d", token, otherID), fmt.Sprintf("/a/%s/recordings/999", token), fmt.Sprintf("/a/%s/recordings/x", token)} {
				if r := e.do("GET", p, nil, false); r.Status != 404 {
					t.Errorf("%s: %d, want 404", p, r.Status)
				}
			}
			// The registrant's JSON and page list the recordings only when
			// they may watch.
			js := string(e.do("GET", "/api/v1/access/"+token, nil, false).Body)
			page := string(e.do("GET", "/a/"+token, nil, false).Body)
			// Their links are signed stream links.
			wantLink := fmt.Sprintf(`{"id":%d,"title":"The replay","url":"http://tickets.test/a/%s/recordings/%d?dev=`, id, token, id)
			if tc.code == 200 {
				if !strings.Contains(js, wantLink) || !strings.Contains(js, `"title":"Elsewhere"`) {
					t.Errorf("json lacks the recordings: %s", js)
				}
				if !strings.Contains(page, `<video controls preload="metadata" playsinline src="`+path+`?dev=`) || !strings.Contains(page, "Elsewhere") {
					t.Errorf("page lacks the player:\n%s", page)
				}
			} else {
				if !strings.Contains(js, `"recordings":[]`) {
					t.Errorf("json lists recordings for %s: %s", tc.status, js)
				}
				if strings.Contains(page, "<video") {
					t.Errorf("page has a player for %s", tc.status)
				}
			}
		})
	}
	e.t = t
	for _, p := range []string{fmt.Sprintf("/a/%s/recordings/%d", strings.Repeat("A", 43), id), fmt.Sprintf("/a/short/recordings/%d", id)} {
		if r := e.do("GET", p, nil, false); r.Status != 404 {
			t.Errorf("unknown token %s: %d", p, r.Status)
		}
	}
	// A cancelled event closes every recording.
	_, token := e.registerOne("intro-to-go", "Late", "late@example.org")
	if r := e.do("POST", fmt.Sprintf("/api/v1/events/%d/cancel", eid), `{"message":"sorry"}`, true); r.Status != 200 {
		t.Fatalf("cancel event: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", fmt.Sprintf("/a/%s/recordings/%d", token, id), nil, false); r.Status != 403 {
		t.Errorf("cancelled event: %d", r.Status)
	}
	// A deleted recording is gone at once.
	_, token2 := e.registerOne("other", "Ada", "ada2@example.org")
	path := fmt.Sprintf("/a/%s/recordings/%d", token2, otherID)
	if r := e.watch("GET", path); r.Status != 200 {
		t.Fatalf("before delete: %d", r.Status)
	}
	if r := e.do("DELETE", fmt.Sprintf("/api/v1/events/%d/recordings/%d", other, otherID), nil, true); r.Status != 204 {
		t.Fatalf("delete: %d", r.Status)
	}
	if r := e.do("GET", path, nil, false); r.Status != 404 {
		t.Errorf("after delete: %d", r.Status)
	}
}

// TestStreamWriteTimeout: a recording's answer may take StreamTimeout to
// send (fasthttp bounds the whole answer), every other answer keeps the
// server's 60 seconds.
func TestStreamWriteTimeout(t *testing.T) {
	e := newEnv(t)
	hook := e.app.Server().HeaderReceived
	if hook == nil {
		t.Fatal("no HeaderReceived")
	}
	for _, tc := range []struct {
		method, uri string
		want        time.Duration
	}{
		{"GET", "/a/" + strings.Repeat("A", 43) + "/recordings/3", StreamTimeout},
		{"HEAD", "/a/" + strings.Repeat("A", 43) + "/recordings/3?x=1", StreamTimeout},
		{"GET", "/a/" + strings.Repeat("A", 43), 0},
		{"GET", "/a/" + strings.Repeat("A", 43) + "/calendar.ics", 0},
		{"POST", "/a/" + strings.Repeat("A", 43) + "/recordings/3", 0},
		{"GET", "/api/v1/events/1/recordings", 0},
	} {
		var h fasthttp.RequestHeader
		h.SetMethod(tc.method)
		h.SetRequestURI(tc.uri)
		if got := hook(&h).WriteTimeout; got != tc.want {
			t.Errorf("%s %s: write timeout %v, want %v", tc.method, tc.uri, got, tc.want)
		}
	}
}
