package web

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/admit/admit/app/ticketing"
)

// wavTone is a real, playable WAV file: seconds of a 440 Hz tone, 8 kHz
// mono 16-bit PCM.
func wavTone(seconds int) []byte {
	const rate = 8000
	n := rate * seconds
	var b bytes.Buffer
	w := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	w(uint32(36 + 2*n))
	b.WriteString("WAVEfmt ")
	w(uint32(16))
	w(uint16(1)) // PCM
	w(uint16(1)) // mono
	w(uint32(rate))
	w(uint32(rate * 2))
	w(uint16(2))
	w(uint16(16))
	b.WriteString("data")
	w(uint32(2 * n))
	for i := 0; i < n; i++ {
		w(int16(8000 * math.Sin(2*math.Pi*440*float64(i)/rate)))
	}
	return b.Bytes()
}

// TestBrowserRecordingPlays: the registrant's page shows the recording in a
// <video> player that Chromium loads through the access link (its metadata,
// its length) and seeks in with Range requests.
func TestBrowserRecordingPlays(t *testing.T) {
	e := newEnv(t)
	eid := num(e.createEvent(liveEvent(nil))["id"])
	body, ct := multipartBody(t, wavTone(4), "replay.wav", "title", "Replay: Intro to Go")
	if r := e.do("POST", fmt.Sprintf("/api/v1/events/%d/recordings", eid), body, true, "Content-Type", ct); r.Status != 201 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	} else if !strings.Contains(string(r.Body), `"content_type":"audio/wav"`) {
		t.Fatalf("upload: %s", r.Body)
	}
	_, token := e.registerOne("intro-to-go", "Ada Lovelace", "ada@example.org")
	base := e.serve()
	ctx := newBrowser(t)
	if st := open(t, ctx, base+"/a/"+token); st != 200 {
		t.Fatalf("access page: %d", st)
	}
	if s := text(t, ctx, "section.recordings figcaption"); s != "Replay: Intro to Go" {
		t.Fatalf("caption %q", s)
	}
	// Wait for the player to have the file's metadata (or an error).
	const state = `new Promise(done => {
		const v = document.querySelector("section.recordings video");
		const report = () => done(JSON.stringify({ready: v.readyState, duration: v.duration, error: v.error ? v.error.code : 0}));
		if (v.readyState >= 1 || v.error) { report(); return; }
		v.addEventListener("loadedmetadata", report, {once: true});
		v.addEventListener("error", report, {once: true});
		v.load();
	})`
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](state, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, `"error":0`) || !strings.Contains(got, `"duration":4`) {
		t.Fatalf("the player did not load the recording: %s", got)
	}
	// Seek near the end: the player asks for the bytes it needs.
	const seek = `new Promise(done => {
		const v = document.querySelector("section.recordings video");
		v.addEventListener("seeked", () => done(JSON.stringify({time: v.currentTime, error: v.error ? v.error.code : 0})), {once: true});
		v.currentTime = 3.5;
	})`
	got, err = chromedp.Run(ctx, chromedp.Evaluate[string](seek, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, `"time":3.5`) || !strings.Contains(got, `"error":0`) {
		t.Fatalf("seek: %s", got)
	}
	screenshot(t, ctx, "player")

	// The player's link was bound to the browser's device cookie, and its
	// playback is one view, with the browser's address and user agent.
	current, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("section.recordings video").currentSrc`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(current, "/recordings/") || !strings.Contains(current, "?dev=c") {
		t.Errorf("player link %q is not bound to the device cookie", current)
	}
	r := e.do("GET", "/api/v1/registrations/1/views", nil, true).JSON(t)["items"].([]any)
	if len(r) != 1 || r[0].(map[string]any)["client_ip"] != "127.0.0.1" || !strings.Contains(r[0].(map[string]any)["user_agent"].(string), "Chrome") {
		t.Errorf("views: %v", r)
	}

	// Long after, the link has closed: when the player asks for the file
	// again (with a query Chromium has not cached), it is refused, asks for
	// a fresh link and loads again.
	e.clock.Add(ticketing.StreamLinkTTL + ticketing.DeviceIdle)
	const reload = `new Promise(done => {
		const v = document.querySelector("section.recordings video");
		const old = v.currentSrc, again = old + "&again=1";
		let refused = false;
		v.addEventListener("error", () => { refused = true; });
		v.addEventListener("loadedmetadata", () => {
			if (v.currentSrc !== old && v.currentSrc !== again) done(JSON.stringify({refused: refused, renewed: true, duration: v.duration}));
		});
		v.src = again;
	})`
	if got, err = chromedp.Run(ctx, chromedp.Evaluate[string](reload, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, `"refused":true`) || !strings.Contains(got, `"renewed":true`) || !strings.Contains(got, `"duration":4`) {
		t.Errorf("expired link in the player: %s", got)
	}
}
