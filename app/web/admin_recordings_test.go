package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// postMultipart sends the admin UI's upload form: the fields in the order
// given (the browser sends them in the page's order), the file last.
func (a *adminClient) postMultipart(path string, file []byte, fields ...string) (*http.Response, string) {
	a.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		w.WriteField(fields[i], fields[i+1])
	}
	fw, _ := w.CreateFormFile("file", "talk.mp4")
	fw.Write(file)
	w.Close()
	req, _ := http.NewRequest("POST", a.base+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return a.roundTrip(req)
}

// TestAdminUIRecordings: without JavaScript, the event page's recordings
// section uploads a file as a plain multipart form (its CSRF token the
// first field), links an external URL, lists both with title, size and
// date, shows errors next to the form, and deletes after the confirmation
// box is ticked.
func TestAdminUIRecordings(t *testing.T) {
	e := newEnv(t)
	eid := num(e.createEvent(liveEvent(nil))["id"])
	a := newAdminClient(t, e.serve())
	a.login(adminEmail, adminPassword)
	page := fmt.Sprintf("/admin/events/%d", eid)
	csrf := a.csrf(page)
	_, body := a.send("GET", page, nil)
	for _, want := range []string{`id="recordings"`, `enctype="multipart/form-data"`, `data-tus="/admin/events/1/recordings/uploads"`,
		`src="/static/tus.min.js"`, `name="url"`, `name="notify_attendees"`, `name="notify_absentees"`, "No recording yet."} {
		if !strings.Contains(body, want) {
			t.Errorf("event page lacks %s", want)
		}
	}
	post := page + "/recordings"

	// Without the token first: refused, nothing stored.
	if res, _ := a.postMultipart(post, fakeVideo(3000), "title", "Sneaky", "csrf", csrf); res.StatusCode != 403 {
		t.Errorf("token after another field: %d", res.StatusCode)
	}
	if res, _ := a.postMultipart(post, fakeVideo(3000), "csrf", "forged", "title", "Sneaky"); res.StatusCode != 403 {
		t.Errorf("wrong token: %d", res.StatusCode)
	}
	if files := e.recordingFiles(); len(files) != 0 {
		t.Fatalf("a refused form stored %v", files)
	}

	// Not a video: the page again, the error next to the file input.
	res, body := a.postMultipart(post, bytes.Repeat([]byte("text "), 100), "csrf", csrf, "title", "Notes", "notify", "false", "notify", "true")
	if res.StatusCode != 422 || !strings.Contains(body, `id="rec-file-error"`) || !strings.Contains(body, `value="Notes"`) {
		t.Errorf("a text file: %d\n%s", res.StatusCode, body)
	}

	res, _ = a.postMultipart(post, fakeVideo(3<<20), "csrf", csrf, "title", "The replay", "notify", "false", "expires_after_days", "30")
	if res.StatusCode != 303 || !strings.Contains(res.Header.Get("Location"), "done=recording_added") {
		t.Fatalf("upload: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if n := len(e.outbox()); n != 0 {
		t.Errorf("notify=false sent %d mails", n)
	}

	// The external URL form: a bad address is shown next to its input.
	res, body = a.send("POST", post, url.Values{"csrf": {csrf}, "url": {"http://insecure.example.org/v"}, "title": {"Elsewhere"}})
	if res.StatusCode != 422 || !strings.Contains(body, `id="rec-url-error"`) || !strings.Contains(body, `value="http://insecure.example.org/v"`) {
		t.Errorf("a bad url: %d\n%s", res.StatusCode, body)
	}
	res, body = a.send("POST", post, url.Values{"csrf": {csrf}, "url": {"https://video.example.org/v"}, "expires_after_days": {"soon"}})
	if res.StatusCode != 422 || !strings.Contains(body, `id="rec-url-expiry-error"`) || !strings.Contains(body, `value="soon"`) {
		t.Errorf("a bad expiry: %d\n%s", res.StatusCode, body)
	}
	if res, _ := a.send("POST", post, url.Values{"url": {"https://video.example.org/v"}}); res.StatusCode != 403 {
		t.Errorf("the url form without its token: %d", res.StatusCode)
	}
	res, _ = a.send("POST", post, url.Values{"csrf": {csrf}, "url": {"https://video.example.org/v"}, "title": {"Elsewhere"}})
	if res.StatusCode != 303 {
		t.Fatalf("url: %d", res.StatusCode)
	}
	_, body = a.send("GET", page, nil)
	// Attached on 1 November 2026 (the test's clock), kept 30 days.
	for _, want := range []string{"The replay", "3.0 MB", "Elsewhere", "https://video.example.org/v", "1 December 2026", "until deleted"} {
		if !strings.Contains(body, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
	recs := e.listedRecordings(eid)
	if len(recs) != 2 {
		t.Fatalf("listed %v", recs)
	}
	rid := num(recs[0].(map[string]any)["id"])

	// Delete: only with the box ticked.
	del := fmt.Sprintf("%s/recordings/%d/delete", page, rid)
	res, body = a.send("POST", del, url.Values{"csrf": {csrf}})
	if res.StatusCode != 422 || !strings.Contains(body, fmt.Sprintf(`id="confirm-%d-error"`, rid)) {
		t.Errorf("delete without confirming: %d\n%s", res.StatusCode, body)
	}
	if res, _ := a.send("POST", del, url.Values{"csrf": {csrf}, "confirm": {"yes"}}); res.StatusCode != 303 {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	if recs := e.listedRecordings(eid); len(recs) != 1 {
		t.Errorf("after delete: %v", recs)
	}
	if files := e.recordingFiles(); len(files) != 0 {
		t.Errorf("the deleted recording's file stays: %v", files)
	}
}

// TestBrowserRecordingUpload: in Chromium, the organizer chooses a file in
// the event page's upload form; the page sends it through the resumable
// upload (tus-js-client) with the progress bar, then shows it listed. A
// file that is not a video is refused with the server's words beside the
// bar.
func TestBrowserRecordingUpload(t *testing.T) {
	e := newEnv(t)
	eid := num(e.createEvent(liveEvent(nil))["id"])
	base := e.serve()
	ctx := newBrowserFor(t, 2*browserTimeout)
	browserSignIn(t, ctx, base)
	page := fmt.Sprintf("%s/admin/events/%d", base, eid)
	if st := open(t, ctx, page); st != 200 {
		t.Fatalf("event page: %d", st)
	}
	dir := t.TempDir()
	notVideo, video := filepath.Join(dir, "notes.txt"), filepath.Join(dir, "replay.mp4")
	os.WriteFile(notVideo, bytes.Repeat([]byte("not a video "), 1000), 0o644)
	file := fakeVideo(3 << 20)
	os.WriteFile(video, file, 0o644)

	// Every value the progress bar takes is kept in sessionStorage, which
	// outlives the page's change at the end.
	const watch = `(() => {
		const bar = document.getElementById("upload-progress");
		const d = Object.getOwnPropertyDescriptor(HTMLProgressElement.prototype, "value");
		Object.defineProperty(bar, "value", {get() { return d.get.call(this); }, set(v) {
			const seen = JSON.parse(sessionStorage.getItem("seen") || "[]"); seen.push(v);
			sessionStorage.setItem("seen", JSON.stringify(seen)); d.set.call(this, v); }});
		return true;
	})()`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](watch)); err != nil {
		t.Fatal(err)
	}

	// Refused: the server's words next to the bar, nothing listed.
	do(t, ctx, chromedp.SetUploadFiles(chromedp.ID("rec-file"), []string{notVideo}), chromedp.Click(chromedp.ID("upload-submit")))
	status, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const s = document.getElementById("upload-status").textContent;
		return s.startsWith("The upload stopped") ? s : null; })()`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(status, "is not audio or video") {
		t.Errorf("refusal shown as %q", status)
	}
	screenshot(t, ctx, "upload-refused")
	if recs := e.listedRecordings(eid); len(recs) != 0 {
		t.Fatalf("listed %v", recs)
	}

	// A video: uploaded with progress, then the page lists it.
	do(t, ctx, chromedp.SendKeys(chromedp.ID("rec-upload-title"), "Browser replay"), chromedp.SendKeys(chromedp.ID("rec-upload-expiry"), "7"),
		chromedp.SetUploadFiles(chromedp.ID("rec-file"), []string{video}))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("upload-submit"))); err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(loc, "done=recording_added") || !strings.HasSuffix(loc, "#recordings") {
		t.Fatalf("after the upload: %s (the script's address ends in #recordings, the plain form's does not)", loc)
	}
	if s := text(t, ctx, "#recordings tbody th"); !strings.HasPrefix(s, "Browser replay") {
		t.Errorf("listed as %q", s)
	}
	if s := text(t, ctx, "p.notice.ok"); !strings.HasPrefix(s, "Recording added") {
		t.Errorf("notice %q", s)
	}
	seenJSON, err := chromedp.Run(ctx, chromedp.Evaluate[string](`sessionStorage.getItem("seen") || "[]"`))
	if err != nil {
		t.Fatal(err)
	}
	var seen []float64
	json.Unmarshal([]byte(seenJSON), &seen)
	if len(seen) < 2 || seen[len(seen)-1] != 100 {
		t.Errorf("the progress bar went through %v, want it to end at 100", seen)
	}
	screenshot(t, ctx, "uploaded")
	recs := e.listedRecordings(eid)
	if len(recs) != 1 || recs[0].(map[string]any)["sha256"] != sha(file) || recs[0].(map[string]any)["expires_at"] != "2026-11-08T12:00:00Z" {
		t.Fatalf("listed %v", recs)
	}
	if left := e.uploadFiles(); len(left) != 0 {
		t.Errorf("left in the uploads folder: %v", left)
	}
}

// TestAdminUIRecordingViews: the recordings list counts each recording's
// views (a device starting to watch it).
func TestAdminUIRecordingViews(t *testing.T) {
	e, _, token, plain := streamEnv(t)
	a := e.browser("198.51.100.1", "Firefox/140")
	if r := a.get(a.link(token)); r.Status != 206 {
		t.Fatalf("watch: %d", r.Status)
	}
	rid := plain[strings.LastIndexByte(plain, '/')+1:]
	ui := newAdminClient(t, e.serve())
	ui.login(adminEmail, adminPassword)
	_, body := ui.send("GET", "/admin/events/1", nil)
	row := body[strings.Index(body, `id="recording-`+rid+`"`):]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, `data-label="Views">1</td>`) {
		t.Errorf("the recording's row does not count its view:\n%s", row)
	}
}
