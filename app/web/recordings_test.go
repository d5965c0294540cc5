package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/clocktest"
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/recordings"
	"github.com/admit/admit/app/store"
	"github.com/admit/admit/app/ticketing"
)

// mp4Head is the start of an MP4 file (its ftyp box).
var mp4Head = []byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2")

// fakeVideo is n bytes that sniff as MP4, each byte after the head telling
// its position (so that a wrong range shows).
func fakeVideo(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7 % 251)
	}
	copy(b, mp4Head)
	return b
}

// multipartBody is an upload: the file in field file, then the fields.
func multipartBody(t testing.TB, file []byte, name string, fields ...string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		w.WriteField(fields[i], fields[i+1])
	}
	if file != nil {
		fw, err := w.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

// upload posts a multipart recording.
func (e *env) upload(eventID int64, file []byte, fields ...string) response {
	e.t.Helper()
	body, ct := multipartBody(e.t, file, "talk.mp4", fields...)
	return e.do("POST", fmt.Sprintf("/api/v1/events/%d/recordings", eventID), body, true, "Content-Type", ct)
}

// recordingFiles lists the files in the recordings folder, those being
// written included.
func (e *env) recordingFiles() []string {
	e.t.Helper()
	return dirNames(e.t, e.recordingsDir())
}

// dirNames lists the names in a folder.
func dirNames(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range entries {
		names = append(names, f.Name())
	}
	return names
}

// recordingsDir is the folder of the harness's local storage.
func (e *env) recordingsDir() string {
	e.t.Helper()
	d, ok := e.opts.Recordings.(interface{ Dir() string })
	if !ok {
		e.t.Fatal("the recordings storage is not local")
	}
	return d.Dir()
}

func TestRecordingsAdmin(t *testing.T) {
	e := newEnv(t)
	ev := e.createEvent(liveEvent(nil))
	eid := num(ev["id"])
	base := fmt.Sprintf("/api/v1/events/%d/recordings", eid)
	ada, _ := e.registerOne("intro-to-go", "Ada", "ada@example.org")
	bob, _ := e.registerOne("intro-to-go", "Bob", "bob@example.org")
	video := fakeVideo(300 << 10)
	sum := sha256.Sum256(video)

	r := e.upload(eid, video, "title", "Replay of the first session")
	if r.Status != 201 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	rec := r.JSON(t)
	if rec["title"] != "Replay of the first session" || num(rec["size"]) != int64(len(video)) ||
		rec["content_type"] != "video/mp4" || rec["sha256"] != hex.EncodeToString(sum[:]) || num(rec["id"]) == 0 || rec["created_at"] == nil {
		t.Errorf("recording %v", rec)
	}
	if _, has := rec["url"]; has {
		t.Errorf("an upload has a url: %v", rec)
	}
	for _, id := range []int64{ada, bob} {
		m := e.composed(id, model.MailRecording)
		if !strings.Contains(m.Subject, "Intro to Go") || tokenIn(t, m.Text) == "" {
			t.Errorf("recording mail: %s\n%s", m.Subject, m.Text)
		}
	}

	external := `{"url":"https://video.example.org/replay","title":"On the video site"}`
	silent := `{"url":"https://video.example.org/silent","notify":false}`
	e.run(t, []scenario{
		{name: "external", method: "POST", path: base, body: external, admin: true, status: 201, contains: []string{`"url":"https://video.example.org/replay"`, `"title":"On the video site"`, `"size":0`}},
		{name: "external without notify", method: "POST", path: base, body: silent, admin: true, status: 201, contains: []string{`"title":"Intro to Go"`}},
		{name: "http url", method: "POST", path: base, body: `{"url":"http://video.example.org/x"}`, admin: true, status: 422, contains: []string{`"url":"must start with https://"`}},
		{name: "javascript url", method: "POST", path: base, body: `{"url":"javascript:alert(1)"}`, admin: true, status: 422, contains: []string{`"url"`}},
		{name: "no url", method: "POST", path: base, body: `{"title":"x"}`, admin: true, status: 422, contains: []string{`"file":"is required`}},
		{name: "bad session", method: "POST", path: base, body: `{"url":"https://v.example.org/x","session_id":99999}`, admin: true, status: 422, contains: []string{`"session_id"`}},
		{name: "text body", method: "POST", path: base, body: "hello", admin: true, headers: []string{"Content-Type", "text/plain"}, status: 422, contains: []string{`"unsupported_media_type"`}},
		{name: "no admin", method: "POST", path: base, body: external, status: 401},
		{name: "unknown event", method: "POST", path: "/api/v1/events/9999/recordings", body: external, admin: true, status: 404},
		{name: "list", method: "GET", path: base, admin: true, status: 200, contains: []string{`"items":[`, `"Replay of the first session"`, `"On the video site"`}},
		{name: "list unknown event", method: "GET", path: "/api/v1/events/9999/recordings", admin: true, status: 404},
	})
	e.t = t
	if n := e.mailKinds()[model.MailRecording]; n != 4 {
		t.Errorf("%d recording mails, want 4 (two recordings that notify, two registrants)", n)
	}

	// Refused uploads leave nothing, listed or on disk.
	before := len(e.recordingFiles())
	for _, tc := range []struct {
		name  string
		file  []byte
		field string
		want  int
	}{
		{"not a video", []byte("<html><body>hello</body></html>"), `"file":"is not audio or video`, 422},
		{"empty", []byte{}, `"file":"is empty"`, 422},
		{"no file", nil, `"file":"is required`, 422},
		{"bad session", video, `"session_id"`, 422},
		{"title with a line break", video, `"title"`, 422},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			fields := []string{}
			switch tc.name {
			case "bad session":
				fields = []string{"session_id", "424242"}
			case "title with a line break":
				fields = []string{"title", "a\nb"}
			}
			r := e.upload(eid, tc.file, fields...)
			if r.Status != tc.want || !strings.Contains(string(r.Body), tc.field) {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		})
	}
	e.t = t
	if after := e.recordingFiles(); len(after) != before {
		t.Errorf("refused uploads left files: %v", after)
	}
	list := e.do("GET", base, nil, true).JSON(t)["items"].([]any)
	if len(list) != 3 {
		t.Fatalf("%d recordings listed, want 3", len(list))
	}

	// Delete removes the row and the file.
	id := num(rec["id"])
	e.run(t, []scenario{
		{name: "delete", method: "DELETE", path: fmt.Sprintf("%s/%d", base, id), admin: true, status: 204},
		{name: "delete again", method: "DELETE", path: fmt.Sprintf("%s/%d", base, id), admin: true, status: 404},
		{name: "delete of another event", method: "DELETE", path: fmt.Sprintf("/api/v1/events/9999/recordings/%d", num(list[1].(map[string]any)["id"])), admin: true, status: 404},
		{name: "gone from the list", method: "GET", path: base, admin: true, status: 200, absent: []string{"Replay of the first session"}},
	})
	e.t = t
	if files := e.recordingFiles(); len(files) != before-1 {
		t.Errorf("the deleted recording's file is still there: %v", files)
	}
}

// TestRecordingUploadNotifyOff: "notify" false as a form field sends no mail.
func TestRecordingUploadNotifyOff(t *testing.T) {
	e := newEnv(t)
	eid := num(e.createEvent(liveEvent(nil))["id"])
	e.registerOne("intro-to-go", "Ada", "ada@example.org")
	if r := e.upload(eid, fakeVideo(1000), "notify", "false"); r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if n := e.mailKinds()[model.MailRecording]; n != 0 {
		t.Errorf("%d recording mails with notify false", n)
	}
	if r := e.upload(eid, fakeVideo(1000), "notify", "maybe"); r.Status != 422 || !strings.Contains(string(r.Body), `"notify"`) {
		t.Errorf("notify maybe: %d %s", r.Status, r.Body)
	}
}

// TestRecordingMailGoesToThoseWhoMayWatch: confirmed and partially refunded
// registrations get the mail; pending, cancelled and refunded ones do not.
func TestRecordingMailGoesToThoseWhoMayWatch(t *testing.T) {
	e := newEnv(t)
	eid := num(e.createEvent(liveEvent(nil))["id"])
	regs := map[string]int64{}
	for _, st := range []string{model.StatusConfirmed, model.StatusPartiallyRefunded, model.StatusPendingPayment,
		model.StatusPendingApproval, model.StatusCancelled, model.StatusRejected, model.StatusRefunded} {
		id, _ := e.registerOne("intro-to-go", st, st+"@example.org")
		e.setStatus(id, st)
		regs[st] = id
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/events/%d/recordings", eid), `{"url":"https://v.example.org/r"}`, true); r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	got := map[int64]bool{}
	for _, m := range e.outbox() {
		if m.Kind == model.MailRecording {
			got[*m.RegistrationID] = true
		}
	}
	for st, id := range regs {
		want := st == model.StatusConfirmed || st == model.StatusPartiallyRefunded
		if got[id] != want {
			t.Errorf("%s: mailed %v, want %v", st, got[id], want)
		}
	}
}

// setStatus forces a registration's status (the access matrix).
func (e *env) setStatus(id int64, status string) {
	e.t.Helper()
	if status == model.StatusConfirmed {
		return
	}
	err := e.store.Write(context.Background(), func(tx *store.Tx) error {
		_, err := tx.SetRegistrationStatus(id, model.StatusConfirmed, status)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// TestBodyLimitWithStreaming: bodies are streamed for uploads, yet every
// other route still refuses a body over 1 MB, declared or chunked, and so
// does a JSON attach.
func TestBodyLimitWithStreaming(t *testing.T) {
	e := newEnv(t)
	eid := num(e.createEvent(liveEvent(nil))["id"])
	big := `{"name":"` + strings.Repeat("a", BodyLimit) + `","email":"a@example.org"}`
	server, client := e.serve(), newHTTPClient()
	// chunked sends body with no declared length, in chunks, through a
	// real connection (app.Test sends only declared lengths).
	chunked := func(path, body string) response {
		req, _ := http.NewRequest("POST", server+path, io.MultiReader(strings.NewReader(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.token)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if len(res.TransferEncoding) > 0 {
			t.Fatalf("chunked answer %v", res.TransferEncoding)
		}
		b, _ := io.ReadAll(res.Body)
		return response{Status: res.StatusCode, Body: b}
	}
	for _, tc := range []struct {
		name string
		r    response
	}{
		{"declared", e.do("POST", "/api/v1/public/events/intro-to-go/registrations", big, false)},
		{"chunked", chunked("/api/v1/public/events/intro-to-go/registrations", big)},
		{"admin chunked", chunked("/api/v1/events", big)},
		{"json attach", e.do("POST", fmt.Sprintf("/api/v1/events/%d/recordings", eid), big, true)},
		{"chunked json attach", chunked(fmt.Sprintf("/api/v1/events/%d/recordings", eid), big)},
	} {
		if tc.r.Status != 413 || !strings.Contains(string(tc.r.Body), "body_too_large") {
			t.Errorf("%s: %d %.200s", tc.name, tc.r.Status, tc.r.Body)
		}
	}
	// A small chunked body still works.
	if r := chunked("/api/v1/public/events/intro-to-go/registrations", `{"name":"Chunk","email":"chunk@example.org"}`); r.Status != 201 {
		t.Fatalf("small chunked body: %d %s", r.Status, r.Body)
	}
}

// TestLargeUploadIsStreamed: a 128 MB upload, generated as it is sent
// through a real connection, is stored whole with the right checksum while
// the heap stays far below the file's size (sampled every 8 MB sent).
func TestLargeUploadIsStreamed(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 128 MB")
	}
	e := newEnv(t)
	eid := num(e.createEvent(liveEvent(nil))["id"])
	base := e.serve()
	const size = 128 << 20
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	h := sha256.New()
	var baseline, peak uint64
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	baseline = ms.HeapInuse
	go func() {
		mw.WriteField("title", "Big one")
		fw, err := mw.CreateFormFile("file", "big.mp4")
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		chunk := fakeVideo(1 << 20)
		for sent := 0; sent < size; sent += len(chunk) {
			if sent > 0 {
				chunk[0] = byte(sent >> 20) // every MB differs a little
			}
			h.Write(chunk)
			if _, err := fw.Write(chunk); err != nil {
				pw.CloseWithError(err)
				return
			}
			if sent%(8<<20) == 0 {
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
			chunk[0] = mp4Head[0]
		}
		pw.CloseWithError(mw.Close())
	}()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/events/%d/recordings", base, eid), pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+e.token)
	res, err := newHTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 201 {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	want := hex.EncodeToString(h.Sum(nil))
	if !strings.Contains(string(body), `"sha256":"`+want+`"`) || !strings.Contains(string(body), fmt.Sprintf(`"size":%d`, size)) {
		t.Errorf("answer %s, want sha256 %s", body, want)
	}
	if grew := int64(peak) - int64(baseline); grew > 32<<20 {
		t.Errorf("the heap grew by %d MB during a %d MB upload", grew>>20, size>>20)
	}
	t.Logf("heap in use: %d MB before, at most %d MB during a %d MB upload", baseline>>20, peak>>20, size>>20)
	files, _ := os.ReadDir(e.recordingsDir())
	if len(files) != 1 {
		t.Fatalf("files %v", files)
	}
}

// TestSessionRecording: in a series registered per session, a recording of
// one session is mailed to, listed for and served to that session's
// registrants only; one of the whole event to all.
func TestSessionRecording(t *testing.T) {
	e := newEnv(t)
	ev := e.createEvent(map[string]any{"title": "Course", "kind": "series", "series_registration": "individual", "timezone": "UTC", "capacity": 5,
		"status":   "published",
		"sessions": []map[string]any{{"starts_at": "2026-12-02T18:00:00Z", "duration_minutes": 60}, {"starts_at": "2026-12-09T18:00:00Z", "duration_minutes": 60}}})
	eid := num(ev["id"])
	ss := ev["sessions"].([]any)
	s1, s2 := num(ss[0].(map[string]any)["id"]), num(ss[1].(map[string]any)["id"])
	reg := func(name string, session int64) (int64, string) {
		r := e.do("POST", "/api/v1/public/events/course/registrations", map[string]any{"name": name, "email": name + "@example.org", "session_id": session}, false)
		if r.Status != 201 {
			t.Fatalf("register: %d %s", r.Status, r.Body)
		}
		id := num(r.JSON(t)["registration"].(map[string]any)["id"])
		return id, e.accessToken(id)
	}
	ada, adaToken := reg("ada", s1)
	bob, bobToken := reg("bob", s2)
	r := e.upload(eid, fakeVideo(2000), "session_id", strconv.FormatInt(s1, 10), "title", "Week one")
	if r.Status != 201 || !strings.Contains(string(r.Body), fmt.Sprintf(`"session_id":%d`, s1)) {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	weekOne := num(r.JSON(t)["id"])
	mailed := func(id int64) int {
		n := 0
		for _, m := range e.outbox() {
			if m.Kind == model.MailRecording && *m.RegistrationID == id {
				n++
			}
		}
		return n
	}
	if mailed(ada) != 1 || mailed(bob) != 0 {
		t.Errorf("mails: ada %d, bob %d; want 1 and 0", mailed(ada), mailed(bob))
	}
	if r := e.watch("GET", fmt.Sprintf("/a/%s/recordings/%d", adaToken, weekOne)); r.Status != 200 {
		t.Errorf("ada: %d", r.Status)
	}
	if r := e.do("GET", fmt.Sprintf("/a/%s/recordings/%d", bobToken, weekOne), nil, false); r.Status != 404 {
		t.Errorf("bob, another session's recording: %d", r.Status)
	}
	if js := string(e.do("GET", "/api/v1/access/"+bobToken, nil, false).Body); !strings.Contains(js, `"recordings":[]`) {
		t.Errorf("bob's json lists another session's recording: %s", js)
	}
	// A recording of the whole event goes to both.
	if r := e.do("POST", fmt.Sprintf("/api/v1/events/%d/recordings", eid), `{"url":"https://v.example.org/all","title":"Everything"}`, true); r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if mailed(ada) != 2 || mailed(bob) != 1 {
		t.Errorf("mails after the whole-event recording: ada %d, bob %d; want 2 and 1", mailed(ada), mailed(bob))
	}
	if js := string(e.do("GET", "/api/v1/access/"+bobToken, nil, false).Body); !strings.Contains(js, `"title":"Everything"`) || strings.Contains(js, "Week one") {
		t.Errorf("bob's json: %s", js)
	}
}

// fullStorage is a storage whose disk is full.
type fullStorage struct{ recordings.Storage }

func (fullStorage) Put(_ context.Context, _ string, r io.Reader) (recordings.Object, error) {
	_, _ = io.CopyN(io.Discard, r, 1000)
	return recordings.Object{}, fmt.Errorf("%w: write: no space left on device", recordings.ErrFull)
}

// TestRecordingUploadDiskFull: a full disk answers 507 with a message a
// person can act on, and lists nothing.
func TestRecordingUploadDiskFull(t *testing.T) {
	e := newEnvWith(t, nil, func(o *ticketing.Options, _ *Deps) { o.Recordings = fullStorage{o.Recordings} })
	eid := num(e.createEvent(liveEvent(nil))["id"])
	r := e.upload(eid, fakeVideo(5000))
	if r.Status != 507 || !strings.Contains(string(r.Body), `"code":"insufficient_storage"`) || !strings.Contains(string(r.Body), "no space left") {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if items := e.do("GET", fmt.Sprintf("/api/v1/events/%d/recordings", eid), nil, true).JSON(t)["items"].([]any); len(items) != 0 {
		t.Errorf("listed: %v", items)
	}
}

// TestInterruptedUploadLeavesNothing: a client that goes away in the middle
// of an upload leaves no file (its temporary file is removed) and nothing
// listed.
func TestInterruptedUploadLeavesNothing(t *testing.T) {
	e := newEnv(t)
	eid := num(e.createEvent(liveEvent(nil))["id"])
	base := e.serve()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	head := "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.mp4\"\r\nContent-Type: video/mp4\r\n\r\n"
	fmt.Fprintf(conn, "POST /api/v1/events/%d/recordings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: %d\r\n\r\n%s",
		eid, e.token, 100<<20, head)
	if _, err := conn.Write(fakeVideo(2 << 20)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the upload's temporary file", func() bool { return len(e.recordingFiles()) == 1 })
	if name := e.recordingFiles()[0]; !strings.HasPrefix(name, ".upload-") {
		t.Fatalf("an unfinished upload is stored as %s", name)
	}
	conn.Close()
	waitFor(t, "the temporary file to go", func() bool { return len(e.recordingFiles()) == 0 })
	if items := e.do("GET", fmt.Sprintf("/api/v1/events/%d/recordings", eid), nil, true).JSON(t)["items"].([]any); len(items) != 0 {
		t.Errorf("listed: %v", items)
	}
}

// waitFor polls cond until it holds, with clocktest.Patience.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(clocktest.Patience(t, 30*time.Second))
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited until the test's deadline for %s", what)
		}
		runtime.Gosched()
		time.Sleep(5 * time.Millisecond)
	}
}
