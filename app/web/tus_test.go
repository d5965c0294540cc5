package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/recordings"
	"github.com/admit/admit/app/ticketing"
)

// tusClient speaks the tus protocol (1.0.0) to a served Admit.
type tusClient struct {
	t       *testing.T
	base    string
	c       *http.Client
	headers map[string]string
}

func (e *env) tusClient(base string) *tusClient {
	return &tusClient{t: e.t, base: base, c: newHTTPClient(), headers: map[string]string{"Authorization": "Bearer " + e.token}}
}

func tusMetadata(meta map[string]string) string {
	var parts []string
	for k, v := range meta {
		parts = append(parts, k+" "+base64.StdEncoding.EncodeToString([]byte(v)))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func (tc *tusClient) do(method, path string, body []byte, headers ...string) (*http.Response, []byte) {
	tc.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, _ := http.NewRequest(method, tc.base+path, rd)
	req.Header.Set("Tus-Resumable", "1.0.0")
	for k, v := range tc.headers {
		req.Header.Set(k, v)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := tc.c.Do(req)
	if err != nil {
		tc.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// create starts an upload of size bytes and answers its address.
func (tc *tusClient) create(eventID int64, size int, meta map[string]string) string {
	tc.t.Helper()
	res, b := tc.do("POST", fmt.Sprintf("/api/v1/events/%d/recordings/uploads", eventID), nil,
		"Upload-Length", strconv.Itoa(size), "Upload-Metadata", tusMetadata(meta))
	loc := res.Header.Get("Location")
	if res.StatusCode != 201 || !strings.HasPrefix(loc, fmt.Sprintf("/api/v1/events/%d/recordings/uploads/", eventID)) {
		tc.t.Fatalf("create: %d %q %s", res.StatusCode, loc, b)
	}
	return loc
}

func (tc *tusClient) patch(loc string, offset int, chunk []byte) (*http.Response, []byte) {
	tc.t.Helper()
	return tc.do("PATCH", loc, chunk, "Upload-Offset", strconv.Itoa(offset), "Content-Type", "application/offset+octet-stream")
}

// offset asks how much of the upload arrived.
func (tc *tusClient) offset(loc string) int {
	tc.t.Helper()
	res, b := tc.do("HEAD", loc, nil)
	n, err := strconv.Atoi(res.Header.Get("Upload-Offset"))
	if res.StatusCode != 200 || err != nil {
		tc.t.Fatalf("HEAD %s: %d %v %s", loc, res.StatusCode, res.Header, b)
	}
	return n
}

// send uploads file from offset in chunks of n bytes and answers the last
// answer.
func (tc *tusClient) send(loc string, file []byte, from, n int) (*http.Response, []byte) {
	tc.t.Helper()
	var res *http.Response
	var body []byte
	for off := from; off < len(file); off += n {
		res, body = tc.patch(loc, off, file[off:min(off+n, len(file))])
		if res.StatusCode >= 300 {
			return res, body
		}
		if got := res.Header.Get("Upload-Offset"); got != strconv.Itoa(min(off+n, len(file))) {
			tc.t.Fatalf("offset after a chunk at %d: %s", off, got)
		}
	}
	return res, body
}

func (e *env) uploadsDir() string { return e.deps.Uploads.Dir() }

func (e *env) uploadFiles() []string {
	e.t.Helper()
	return dirNames(e.t, e.uploadsDir())
}

func (e *env) listedRecordings(eventID int64) []any {
	e.t.Helper()
	return e.do("GET", fmt.Sprintf("/api/v1/events/%d/recordings", eventID), nil, true).JSON(e.t)["items"].([]any)
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// TestTusUpload: a file sent in chunks through the tus protocol is, once
// whole, checked, stored and listed with its title from the metadata, its
// size and checksum; the recording mail goes out as for a multipart upload,
// and nothing is left in the uploads folder.
func TestTusUpload(t *testing.T) {
	e := newEnv(t)
	eid := num(e.createEvent(liveEvent(nil))["id"])
	r := e.do("POST", "/api/v1/public/events/intro-to-go/registrations", map[string]any{"name": "Ada", "email": "ada@example.org"}, false)
	if r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	tc := e.tusClient(e.serve())
	file := fakeVideo(3<<20 + 12345)
	loc := tc.create(eid, len(file), map[string]string{"title": "Replay", "filename": "replay.mp4", "expires_after_days": "7"})
	if items := e.listedRecordings(eid); len(items) != 0 {
		t.Fatalf("listed before any byte: %v", items)
	}
	res, body := tc.send(loc, file, 0, 1<<20)
	if res.StatusCode != 200 || res.Header.Get("Admit-Recording-Id") == "" {
		t.Fatalf("last chunk: %d %v %s", res.StatusCode, res.Header, body)
	}
	var rec map[string]any
	if err := json.Unmarshal(body, &rec); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if rec["title"] != "Replay" || num(rec["size"]) != int64(len(file)) || rec["sha256"] != sha(file) || rec["content_type"] != "video/mp4" ||
		rec["expires_at"] != e.clock.Now().Add(7*24*time.Hour).UTC().Format(time.RFC3339) {
		t.Errorf("recording %v", rec)
	}
	items := e.listedRecordings(eid)
	if len(items) != 1 || num(items[0].(map[string]any)["id"]) != num(rec["id"]) {
		t.Fatalf("listed %v", items)
	}
	stored := e.recordingFiles()
	if len(stored) != 1 {
		t.Fatalf("stored files %v", stored)
	}
	got, _ := os.ReadFile(filepath.Join(e.recordingsDir(), stored[0]))
	if !bytes.Equal(got, file) {
		t.Error("stored bytes differ from the sent ones")
	}
	if left := e.uploadFiles(); len(left) != 0 {
		t.Errorf("left in the uploads folder: %v", left)
	}
	if n := len(e.outbox()); n != 2 { // confirmation, then the recording
		t.Errorf("%d mails, want the confirmation and the recording", n)
	}
	// The upload is over: it is not found any more.
	if res, _ := tc.do("HEAD", loc, nil); res.StatusCode != 404 {
		t.Errorf("HEAD after the end: %d", res.StatusCode)
	}
}

// TestTusResume: an upload cut in the middle of a PATCH resumes where the
// bytes stopped (HEAD gives the offset, PATCH continues) and ends with the
// same bytes and checksum; while it is unfinished it is never listed.
func TestTusResume(t *testing.T) {
	e := newEnv(t)
	eid := num(e.createEvent(liveEvent(nil))["id"])
	base := e.serve()
	tc := e.tusClient(base)
	file := fakeVideo(4 << 20)
	loc := tc.create(eid, len(file), map[string]string{"filename": "cut.mp4"})

	// A PATCH that announces the whole file but sends 1.5 MB, then the
	// connection drops.
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "PATCH %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: %d\r\n\r\n",
		loc, e.token, len(file))
	half := 3 << 19
	if _, err := conn.Write(file[:half]); err != nil {
		t.Fatal(err)
	}
	id := loc[strings.LastIndexByte(loc, '/')+1:]
	waitFor(t, "the bytes sent to reach the upload", func() bool {
		fi, err := os.Stat(filepath.Join(e.uploadsDir(), id))
		return err == nil && fi.Size() == int64(half)
	})
	conn.Close()
	if items := e.listedRecordings(eid); len(items) != 0 {
		t.Fatalf("a half upload is listed: %v", items)
	}
	if files := e.recordingFiles(); len(files) != 0 {
		t.Fatalf("a half upload is in the recordings folder: %v", files)
	}
	off := tc.offset(loc)
	if off != half {
		t.Fatalf("offset after the cut: %d, want %d", off, half)
	}
	// A PATCH from a wrong offset is refused in the API's words.
	if res, b := tc.patch(loc, 0, file[:10]); res.StatusCode != 409 || !strings.Contains(string(b), `"code":"mismatched_offset"`) {
		t.Errorf("PATCH at a wrong offset: %d %s", res.StatusCode, b)
	}
	res, body := tc.send(loc, file, off, 1<<20)
	if res.StatusCode != 200 {
		t.Fatalf("resumed: %d %s", res.StatusCode, body)
	}
	if !strings.Contains(string(body), `"sha256":"`+sha(file)+`"`) || !strings.Contains(string(body), `"title":"cut"`) {
		t.Errorf("recording %s", body)
	}
	stored := e.recordingFiles()
	if len(stored) != 1 {
		t.Fatalf("stored %v", stored)
	}
	if got, _ := os.ReadFile(filepath.Join(e.recordingsDir(), stored[0])); sha(got) != sha(file) {
		t.Error("stored bytes differ")
	}
}

// TestTusRefusals: the upload's options are checked before any byte, an
// upload belongs to its event, a file that is not a video is refused at
// its end (and removed), and every tus route needs the admin's token.
func TestTusRefusals(t *testing.T) {
	e := newEnv(t)
	eid := num(e.createEvent(liveEvent(nil))["id"])
	other := num(e.createEvent(liveEvent(map[string]any{"title": "Other"}))["id"])
	tc := e.tusClient(e.serve())
	path := fmt.Sprintf("/api/v1/events/%d/recordings/uploads", eid)
	for _, tc2 := range []struct {
		name, meta, want string
		status           int
	}{
		{"session of no event", tusMetadata(map[string]string{"session_id": "999"}), `"session_id"`, 422},
		{"bad session id", tusMetadata(map[string]string{"session_id": "x"}), `"session_id"`, 422},
		{"bad notify", tusMetadata(map[string]string{"notify": "maybe"}), `"notify"`, 422},
		{"long title", tusMetadata(map[string]string{"title": strings.Repeat("t", 300)}), `"title"`, 422},
		{"bad expiry", tusMetadata(map[string]string{"expires_after_days": "soon"}), `"expires_after_days"`, 422},
		{"zero days", tusMetadata(map[string]string{"expires_after_days": "0"}), `"expires_after_days"`, 422},
	} {
		res, b := tc.do("POST", path, nil, "Upload-Length", "100", "Upload-Metadata", tc2.meta)
		if res.StatusCode != tc2.status || !strings.Contains(string(b), tc2.want) || !strings.Contains(string(b), `"error"`) {
			t.Errorf("%s: %d %s", tc2.name, res.StatusCode, b)
		}
	}
	if res, b := tc.do("POST", "/api/v1/events/9999/recordings/uploads", nil, "Upload-Length", "100"); res.StatusCode != 404 {
		t.Errorf("unknown event: %d %s", res.StatusCode, b)
	}
	// Only PATCH bodies may be large: a creation carrying more than 1 MB
	// (creation-with-upload) is refused like any other body.
	big := fakeVideo(BodyLimit + 1)
	if res, b := tc.do("POST", path, big, "Upload-Length", strconv.Itoa(len(big)), "Content-Type", "application/offset+octet-stream"); res.StatusCode != 413 {
		t.Errorf("creation with a large body: %d %s", res.StatusCode, b)
	}
	if left := e.uploadFiles(); len(left) != 0 {
		t.Errorf("refused creations left %v", left)
	}

	loc := tc.create(eid, 1000, nil)
	elsewhere := strings.Replace(loc, fmt.Sprintf("/events/%d/", eid), fmt.Sprintf("/events/%d/", other), 1)
	if res, _ := tc.do("HEAD", elsewhere, nil); res.StatusCode != 404 {
		t.Errorf("HEAD under another event: %d", res.StatusCode)
	}
	if res, _ := tc.patch(elsewhere, 0, []byte("x")); res.StatusCode != 404 {
		t.Errorf("PATCH under another event: %d", res.StatusCode)
	}
	noAuth := &tusClient{t: t, base: tc.base, c: tc.c}
	for _, m := range []string{"HEAD", "PATCH", "DELETE"} {
		if res, _ := noAuth.do(m, loc, nil); res.StatusCode != 401 {
			t.Errorf("%s without a token: %d", m, res.StatusCode)
		}
	}
	if res, _ := noAuth.do("POST", path, nil, "Upload-Length", "10"); res.StatusCode != 401 {
		t.Errorf("POST without a token: %d", res.StatusCode)
	}

	// Not a video: refused when whole, and gone.
	text := bytes.Repeat([]byte("plain text "), 100)[:1000]
	res, b := tc.send(loc, text, 0, 400)
	if res.StatusCode != 422 || !strings.Contains(string(b), `"file"`) {
		t.Errorf("a text file: %d %s", res.StatusCode, b)
	}
	if left := e.uploadFiles(); len(left) != 0 {
		t.Errorf("a refused file left %v", left)
	}
	if items := e.listedRecordings(eid); len(items) != 0 {
		t.Errorf("listed %v", items)
	}

	// Given up: DELETE removes it.
	loc = tc.create(eid, 1000, nil)
	tc.patch(loc, 0, fakeVideo(500))
	if res, b := tc.do("DELETE", loc, nil); res.StatusCode != 204 {
		t.Errorf("DELETE: %d %s", res.StatusCode, b)
	}
	if left := e.uploadFiles(); len(left) != 0 {
		t.Errorf("a deleted upload left %v", left)
	}
}

// TestTusAbandonedUploadsCleaned: an upload left unfinished for a day (by
// the injected clock) is removed by the cleanup; one still moving stays.
func TestTusAbandonedUploadsCleaned(t *testing.T) {
	e := newEnv(t)
	eid := num(e.createEvent(liveEvent(nil))["id"])
	tc := e.tusClient(e.serve())
	old := tc.create(eid, 2000, nil)
	tc.patch(old, 0, fakeVideo(1000))
	e.clock.Add(20 * time.Hour)
	fresh := tc.create(eid, 2000, nil)
	tc.patch(fresh, 0, fakeVideo(1000))
	e.clock.Add(5 * time.Hour)
	n, err := e.deps.Uploads.Clean(context.Background(), e.clock.Now().Add(-24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("cleaned %d %v, want 1", n, err)
	}
	if res, _ := tc.do("HEAD", old, nil); res.StatusCode != 404 {
		t.Errorf("the abandoned upload: %d", res.StatusCode)
	}
	if off := tc.offset(fresh); off != 1000 {
		t.Errorf("the recent upload's offset: %d", off)
	}
}

// TestTusAdminSession: the admin UI's resumable upload uses the session
// cookie and the CSRF token in X-CSRF-Token; without the token it is 403.
func TestTusAdminSession(t *testing.T) {
	e := newEnv(t)
	eid := num(e.createEvent(liveEvent(nil))["id"])
	base := e.serve()
	a := newAdminClient(t, base)
	a.login(adminEmail, adminPassword)
	csrf := a.csrf(fmt.Sprintf("/admin/events/%d", eid))
	tc := &tusClient{t: t, base: base, c: a.c, headers: map[string]string{}}
	path := fmt.Sprintf("/admin/events/%d/recordings/uploads", eid)
	if res, _ := tc.do("POST", path, nil, "Upload-Length", "3000"); res.StatusCode != 403 {
		t.Fatalf("without the CSRF token: %d", res.StatusCode)
	}
	tc.headers["X-CSRF-Token"] = csrf
	res, b := tc.do("POST", path, nil, "Upload-Length", "3000", "Upload-Metadata", tusMetadata(map[string]string{"filename": "ui.mp4"}))
	loc := res.Header.Get("Location")
	if res.StatusCode != 201 || !strings.HasPrefix(loc, path+"/") {
		t.Fatalf("create: %d %q %s", res.StatusCode, loc, b)
	}
	delete(tc.headers, "X-CSRF-Token")
	if res, _ := tc.patch(loc, 0, fakeVideo(3000)); res.StatusCode != 403 {
		t.Errorf("PATCH without the CSRF token: %d", res.StatusCode)
	}
	tc.headers["X-CSRF-Token"] = csrf
	if res, b := tc.patch(loc, 0, fakeVideo(3000)); res.StatusCode != 200 || !strings.Contains(string(b), `"title":"ui"`) {
		t.Errorf("PATCH: %d %s", res.StatusCode, b)
	}
}

// TestTusDiskFull: when the disk is full at the end of an upload the last
// PATCH answers 507 and the upload stays whole; once there is room, a HEAD
// (what a tus client sends to resume) attaches it.
func TestTusDiskFull(t *testing.T) {
	var local recordings.Storage
	e := newEnvWith(t, nil, func(o *ticketing.Options, _ *Deps) { local, o.Recordings = o.Recordings, fullStorage{o.Recordings} })
	eid := num(e.createEvent(liveEvent(nil))["id"])
	tc := e.tusClient(e.serve())
	file := fakeVideo(5000)
	loc := tc.create(eid, len(file), map[string]string{"title": "Later"})
	res, b := tc.patch(loc, 0, file)
	if res.StatusCode != 507 || !strings.Contains(string(b), `"code":"insufficient_storage"`) {
		t.Fatalf("full disk: %d %s", res.StatusCode, b)
	}
	if items := e.listedRecordings(eid); len(items) != 0 {
		t.Fatalf("listed: %v", items)
	}
	e.opts.Recordings = local // room again
	if err := e.restart(e.opts.Secret); err != nil {
		t.Fatal(err)
	}
	tc = e.tusClient(e.serve())
	res, b = tc.do("HEAD", loc, nil)
	if res.StatusCode != 200 || res.Header.Get("Upload-Offset") != strconv.Itoa(len(file)) || res.Header.Get("Admit-Recording-Id") == "" {
		t.Fatalf("HEAD once there is room: %d %v %s", res.StatusCode, res.Header, b)
	}
	items := e.listedRecordings(eid)
	if len(items) != 1 || items[0].(map[string]any)["sha256"] != sha(file) || items[0].(map[string]any)["title"] != "Later" {
		t.Fatalf("listed %v", items)
	}
	if left := e.uploadFiles(); len(left) != 0 {
		t.Errorf("left in the uploads folder: %v", left)
	}
}

// TestTusProblem: tusd's own errors get the API's body; a full disk while
// bytes are written is 507 in words a person can act on, and other server
// errors do not show their cause.
func TestTusProblem(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct {
		status     int
		text       string
		wantStatus int
		wantCode   string
		wantMsg    string
	}{
		{409, "ERR_MISMATCHED_OFFSET: mismatched offset", 409, "mismatched_offset", "Mismatched offset."},
		{500, "ERR_INTERNAL_SERVER_ERROR: write /data/uploads/abc: no space left on device", 507, "insufficient_storage", "There is no space left"},
		{500, "ERR_INTERNAL_SERVER_ERROR: open /data/uploads/abc.info: permission denied", 500, "internal", "Something went wrong"},
	} {
		status, body := tusProblem(context.Background(), log, tc.status, tc.text)
		if status != tc.wantStatus || body.Code != tc.wantCode || !strings.HasPrefix(body.Message, tc.wantMsg) || strings.Contains(body.Message, "/data/") {
			t.Errorf("%q: %d %+v", tc.text, status, body)
		}
	}
}
