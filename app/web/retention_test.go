package web

import (
	"fmt"
	"testing"
	"time"

	"github.com/admit/admit/app/jobs"
)

// TestRecordingExpiry: expires_after_days on upload (multipart and JSON)
// and PATCH; an expired recording answers 410 with a page that says why,
// at once, and the recordings_expiry job (on the fake clock) removes its
// file, keeping its row so that the registrant's page says it is no longer
// available. Storage used is counted per event.
func TestRecordingExpiry(t *testing.T) {
	e := newEnv(t)
	sched := jobs.New(jobs.Options{Log: e.deps.Log, Now: e.clock.Now})
	if err := sched.Add(jobs.RecordingsExpiry(e.tickets.ExpireRecordings)); err != nil {
		t.Fatal(err)
	}
	eid := num(e.createEvent(liveEvent(nil))["id"])
	base := fmt.Sprintf("/api/v1/events/%d/recordings", eid)
	_, token := e.registerOne("intro-to-go", "Ada", "ada@example.org")
	start := e.clock.Now()

	r := e.upload(eid, fakeVideo(3000), "title", "Short-lived", "expires_after_days", "2", "notify", "false")
	if r.Status != 201 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	rec := r.JSON(t)
	id := num(rec["id"])
	if want := start.Add(48 * time.Hour).UTC().Format(time.RFC3339); rec["expires_at"] != want {
		t.Errorf("expires_at %v, want %s", rec["expires_at"], want)
	}
	keep := e.uploadQuietly(eid, 5000) // kept until deleted
	if files := e.recordingFiles(); len(files) != 2 {
		t.Fatalf("files %v", files)
	}
	e.run(t, []scenario{
		{name: "json with expiry", method: "POST", path: base, body: `{"url":"https://video.example.org/x","expires_after_days":30,"notify":false}`, admin: true, status: 201,
			contains: []string{`"expires_at":"` + start.Add(30*24*time.Hour).UTC().Format(time.RFC3339) + `"`}},
		{name: "json zero days", method: "POST", path: base, body: `{"url":"https://video.example.org/x","expires_after_days":0}`, admin: true, status: 422, contains: []string{`"expires_after_days":"must be a number of days from 1 to 3650`}},
		{name: "json not a number", method: "POST", path: base, body: `{"url":"https://video.example.org/x","expires_after_days":"soon"}`, admin: true, status: 422, contains: []string{`"expires_after_days":"must be a whole number`}},
		{name: "multipart not a number", method: "POST", path: base, body: mustMultipart(t, "expires_after_days", "x"), admin: true, headers: []string{"Content-Type", multipartType}, status: 422, contains: []string{`"expires_after_days":"must be a whole number of days"`}},
		{name: "kept has no expiry", method: "GET", path: base, admin: true, status: 200, contains: []string{fmt.Sprintf(`"id":%d,`, keep), `"expires_at":null`, `"storage_bytes":8000`}},
		{name: "patch", method: "PATCH", path: fmt.Sprintf("%s/%d", base, id), body: `{"title":"Gone tomorrow","expires_after_days":1}`, admin: true, status: 200,
			contains: []string{`"title":"Gone tomorrow"`, `"expires_at":"` + start.Add(24*time.Hour).UTC().Format(time.RFC3339) + `"`}},
		{name: "patch bad days", method: "PATCH", path: fmt.Sprintf("%s/%d", base, id), body: `{"expires_after_days":5000}`, admin: true, status: 422, contains: []string{`"expires_after_days"`}},
		{name: "patch empty title", method: "PATCH", path: fmt.Sprintf("%s/%d", base, id), body: `{"title":" "}`, admin: true, status: 422, contains: []string{`"title"`}},
		{name: "patch unknown", method: "PATCH", path: fmt.Sprintf("%s/999", base), body: `{"title":"x"}`, admin: true, status: 404},
		{name: "patch needs admin", method: "PATCH", path: fmt.Sprintf("%s/%d", base, id), body: `{"title":"x"}`, status: 401},
		{name: "event storage", method: "GET", path: fmt.Sprintf("/api/v1/events/%d", eid), admin: true, status: 200, contains: []string{`"recordings_bytes":8000`}},
	})
	e.t = t
	path := fmt.Sprintf("/a/%s/recordings/%d", token, id)
	if r := e.watch("GET", path); r.Status != 200 {
		t.Fatalf("before expiry: %d", r.Status)
	}

	// A day later: refused at once, before the job runs.
	e.clock.Add(24*time.Hour + time.Minute)
	e.run(t, []scenario{
		{name: "expired stream", method: "GET", path: path, status: 410, contains: []string{"This recording is no longer available"}, answer: []string{"Content-Type", "text/html; charset=utf-8"}},
		{name: "expired stream json", method: "GET", path: path, headers: []string{"Accept", "application/json"}, status: 410, contains: []string{`"code":"recording_expired"`}},
		{name: "expired stream in spanish", method: "GET", path: path + "?lang=es", status: 410, contains: []string{"Esta grabación ya no está disponible"}},
		{name: "access page", method: "GET", path: "/a/" + token, status: 200, contains: []string{"Gone tomorrow — No longer available", "<video"}},
		{name: "access json", method: "GET", path: "/api/v1/access/" + token, status: 200, absent: []string{"Gone tomorrow"}, contains: []string{"The replay"}},
	})
	e.t = t
	if files := e.recordingFiles(); len(files) != 2 {
		t.Fatalf("the file went before the job ran: %v", files)
	}

	sched.RunDue()
	if st := sched.Statuses(); len(st) != 1 || st[0].Name != "recordings_expiry" || st[0].Outcome != jobs.OutcomeOK {
		t.Fatalf("job status %+v", st)
	}
	if files := e.recordingFiles(); len(files) != 1 {
		t.Fatalf("after the job: %v", files)
	}
	e.run(t, []scenario{
		{name: "still 410", method: "GET", path: path, status: 410, contains: []string{"no longer available"}},
		{name: "listed as removed", method: "GET", path: base, admin: true, status: 200, contains: []string{`"removed_at":"`, `"storage_bytes":5000`}},
		{name: "event storage after", method: "GET", path: fmt.Sprintf("/api/v1/events/%d", eid), admin: true, status: 200, contains: []string{`"recordings_bytes":5000`}},
		{name: "patch removed", method: "PATCH", path: fmt.Sprintf("%s/%d", base, id), body: `{"expires_after_days":null}`, admin: true, status: 409},
		{name: "delete removed", method: "DELETE", path: fmt.Sprintf("%s/%d", base, id), admin: true, status: 204},
		{name: "deleted: unknown", method: "GET", path: path, status: 404},
	})
	e.t = t
	// A second run finds nothing to do; the kept recording stays.
	e.clock.Add(time.Hour)
	sched.RunDue()
	if files := e.recordingFiles(); len(files) != 1 {
		t.Fatalf("the kept recording went: %v", files)
	}
}

// TestReplayEndsWhenItsRecordingExpires: an over event sells its replay only
// while a recording can be watched.
func TestReplayEndsWhenItsRecordingExpires(t *testing.T) {
	e := newEnv(t)
	eid := num(e.createEvent(liveEvent(map[string]any{"sessions": pastSession(e.clock.Now())}))["id"])
	e.uploadQuietly(eid, 1000, "expires_after_days", "1")
	e.registerOne("intro-to-go", "Ada", "ada@example.org")
	e.clock.Add(25 * time.Hour)
	e.run(t, []scenario{
		{name: "closed again", method: "POST", path: "/api/v1/public/events/intro-to-go/registrations", body: `{"name":"Bob","email":"bob@example.org"}`, status: 410},
		{name: "page closed", method: "GET", path: "/e/intro-to-go", status: 200, contains: []string{"Registration is closed"}},
	})
}

const multipartType = "multipart/form-data; boundary=retention"

// mustMultipart is a multipart body of one text field (no file).
func mustMultipart(t *testing.T, name, value string) []byte {
	t.Helper()
	return []byte("--retention\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n--retention--\r\n")
}
