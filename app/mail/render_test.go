package mail

import (
	"errors"
	"html"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/admit/admit/app/i18n"
	"github.com/admit/admit/app/model"
)

func testBundle(t testing.TB) *i18n.Bundle {
	t.Helper()
	b, err := i18n.New(os.DirFS("../../assets/i18n"))
	if err != nil {
		t.Fatalf("i18n.New: %v", err)
	}
	return b
}

func testRenderer(t testing.TB) *Renderer {
	t.Helper()
	r, err := NewRenderer(os.DirFS("../../assets/email"), testBundle(t))
	if err != nil {
		t.Fatalf("NewRenderer: %v", err)
	}
	return r
}

// modelKinds are the kinds the outbox knows; each must have a template.
var modelKinds = []string{
	model.MailAccess, model.MailResend, model.MailPending, model.MailCancelled,
	model.MailRejected, model.MailEventChanged, model.MailEventCancel,
	model.MailRefunded, model.MailLateRefund, model.MailSessionRemoved,
	model.MailPaymentFailed, model.MailPaymentMismatch, model.MailOutboxFailed, model.MailTierEnded,
	model.MailInvitation, model.MailTokenRotated, model.MailPaymentDue, model.MailPaymentExpired,
	model.MailAuthLapsing, model.MailCaptureFailed, model.MailAuthLapsed, model.MailPayAgain, model.MailLateAuthorization,
}

// messageID finds a message id left untranslated.
var messageID = regexp.MustCompile(`(^|[^a-z])(mail|date)\.[a-z]`)

func sampleData() MailData {
	return MailData{
		Name:             "Zoë O'Brien",
		EventTitle:       "Go & SQLite <deep dive>",
		EventDescription: "Two hours.\nBring questions.",
		Timezone:         "Europe/Paris",
		AccessURL:        "https://admit.example/a/tok123",
		CalendarURL:      "https://admit.example/a/tok123/calendar.ics",
		Message:          "We moved the second session.",
		Status:           model.StatusConfirmed,
		Sessions: []MailSession{
			{StartsAt: time.Date(2026, 1, 5, 17, 0, 0, 0, time.UTC), DurationMinutes: 90},
			{StartsAt: time.Date(2026, 7, 1, 16, 0, 0, 0, time.UTC), DurationMinutes: 60},
		},
		ExpiresAt: time.Date(2026, 1, 4, 17, 0, 0, 0, time.UTC),
		Amount:    "19.99\u00a0EUR",
		EventURL:  "https://admit.example/e/go-sqlite",
		Count:     2,
		Item:      "Early bird",
		Role:      model.UserOrganizer,
	}
}

// organizerKinds are the mails to the organizers: no registrant to greet.
var organizerKinds = map[string]bool{model.MailOutboxFailed: true, model.MailTierEnded: true, model.MailTest: true,
	model.MailAuthLapsing: true, model.MailCaptureFailed: true}

// TestRenderEveryKindInEveryLocale renders the templates built into the
// binary: start-up only parses them.
func TestRenderEveryKindInEveryLocale(t *testing.T) {
	r := testRenderer(t)
	tr := testBundle(t)
	if err := r.check(); err != nil {
		t.Fatalf("check: %v", err)
	}
	for _, kind := range modelKinds {
		if !contains(r.Kinds(), kind) {
			t.Errorf("no template for model kind %q", kind)
		}
	}
	for _, kind := range r.Kinds() {
		for _, locale := range tr.Locales() {
			t.Run(kind+"/"+locale, func(t *testing.T) {
				d := sampleData()
				subject, text, htm, err := r.Render(kind, locale, d)
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				if subject == "" || messageID.MatchString(subject) || strings.ContainsAny(subject, "\r\n") {
					t.Errorf("subject %q", subject)
				}
				if !strings.Contains(subject, d.EventTitle) {
					t.Errorf("subject %q lacks the event title", subject)
				}
				for _, body := range []string{text, htm} {
					if strings.Contains(body, "<no value>") || messageID.MatchString(body) {
						t.Errorf("untranslated or missing value in:\n%s", body)
					}
				}
				if !strings.Contains(htm, `<html lang="`+locale+`">`) {
					t.Errorf("html lacks lang=%q", locale)
				}
				// The greeting names the registrant, escaped in HTML only
				// (mails to the organizers greet no one).
				switch {
				case kind == model.MailOutboxFailed:
					if !strings.Contains(text, d.Message) || !strings.Contains(htm, d.Message) {
						t.Errorf("%s: the message is missing", kind)
					}
				case kind == model.MailTierEnded:
					for _, want := range []string{d.Item, d.Amount, "2"} {
						if !strings.Contains(text, want) || !strings.Contains(htm, want) {
							t.Errorf("%s: %q missing:\n%s", kind, want, text)
						}
					}
				case kind == model.MailAuthLapsing || kind == model.MailCaptureFailed:
					for _, want := range []string{d.Item, d.Amount, d.Message} {
						if !strings.Contains(text, want) {
							t.Errorf("%s: %q missing:\n%s", kind, want, text)
						}
					}
				case kind == model.MailTest:
					// greets no one, says nothing but that it arrived
				case !strings.Contains(text, d.Name):
					t.Errorf("text lacks the name:\n%s", text)
				}
				if !organizerKinds[kind] && !strings.Contains(htm, html.EscapeString(d.Name)) && !strings.Contains(htm, "Zoë O&#39;Brien") {
					t.Errorf("html lacks the name")
				}
				if !strings.Contains(text, d.EventTitle) || !strings.Contains(htm, "Go &amp; SQLite &lt;deep dive&gt;") {
					t.Errorf("event title missing or unescaped")
				}
				switch kind {
				case model.MailAccess, model.MailResend, model.MailEventChanged, "reminder":
					for _, want := range []string{d.AccessURL, d.CalendarURL} {
						if !strings.Contains(text, want) || !strings.Contains(htm, `href="`+want+`"`) {
							t.Errorf("%s: link %s missing", kind, want)
						}
					}
					// Times in the event's zone, in the locale's words.
					when := tr.FormatSession(locale, d.Sessions[0].StartsAt, 90, d.Timezone)
					if !strings.Contains(text, when) || !strings.Contains(htm, html.EscapeString(when)) {
						t.Errorf("%s: session %q missing:\n%s", kind, when, text)
					}
					if !strings.Contains(text, "18:00") || !strings.Contains(text, "("+tr.ZoneName(locale, "Europe/Paris")+")") {
						t.Errorf("%s: local time missing:\n%s", kind, text)
					}
					if cancel := tr.T(locale, "mail.cancel.hint", nil); !strings.Contains(text, cancel) {
						t.Errorf("%s: cancel instruction missing", kind)
					}
				case model.MailEventCancel, model.MailRejected:
					if !strings.Contains(text, d.Message) || !strings.Contains(htm, d.Message) {
						t.Errorf("%s: organizer's message missing", kind)
					}
				case model.MailRefunded:
					if !strings.Contains(subject, d.Amount) || !strings.Contains(text, d.Amount) || !strings.Contains(htm, d.Amount) {
						t.Errorf("refunded: amount missing")
					}
					if !strings.Contains(text, d.AccessURL) || !strings.Contains(htm, `href="`+d.AccessURL+`"`) {
						t.Errorf("refunded: access link missing")
					}
				case model.MailSessionRemoved:
					// The removed session, what is refunded, where to choose another.
					when := tr.FormatSession(locale, d.Sessions[0].StartsAt, 90, d.Timezone)
					for _, want := range []string{when, d.Amount, d.EventURL} {
						if !strings.Contains(text, want) || !strings.Contains(htm, html.EscapeString(want)) {
							t.Errorf("session_removed: %q missing:\n%s", want, text)
						}
					}
					if strings.Contains(text, d.AccessURL) {
						t.Errorf("session_removed: shows an access link")
					}
				case model.MailLateRefund, model.MailPaymentMismatch:
					if !strings.Contains(text, d.Amount) || !strings.Contains(htm, d.Amount) {
						t.Errorf("%s: amount missing", kind)
					}
				}
				switch kind {
				case model.MailLateRefund, model.MailPaymentFailed, model.MailPaymentMismatch:
					// No ticket: no access link, but the event page.
					if strings.Contains(text, d.AccessURL) || strings.Contains(htm, d.AccessURL) {
						t.Errorf("%s: shows an access link", kind)
					}
					if !strings.Contains(text, d.EventURL) || !strings.Contains(htm, `href="`+d.EventURL+`"`) {
						t.Errorf("%s: event link missing", kind)
					}
				}
				if kind == model.MailEventChanged && !strings.Contains(text, d.Message) {
					t.Errorf("event_changed: organizer's message missing")
				}
			})
		}
	}
}

func TestRenderEscapesHTML(t *testing.T) {
	r := testRenderer(t)
	d := sampleData()
	d.Name = `<script>alert("x")</script>`
	d.Item = d.Name // the tier's name, in mails to the organizers
	d.Message = `<img src=x onerror=alert(1)>`
	d.EventDescription = `<a href="javascript:alert(1)">x</a>`
	for _, kind := range r.Kinds() {
		subject, text, htm, err := r.Render(kind, "en", d)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"<script>", "<img", `href="javascript:`} {
			if strings.Contains(htm, bad) {
				t.Errorf("%s: html contains %q", kind, bad)
			}
		}
		if kind == model.MailTest {
			continue // shows nothing typed by anyone
		}
		if kind == model.MailOutboxFailed {
			if !strings.Contains(htm, "&lt;img") || !strings.Contains(text, d.Message) {
				t.Errorf("%s: message missing or not escaped", kind)
			}
			continue
		}
		if !strings.Contains(htm, "&lt;script&gt;") {
			t.Errorf("%s: escaped name missing", kind)
		}
		// The text part is text: shown as typed.
		if !strings.Contains(text, d.Name) {
			t.Errorf("%s: text lacks the name", kind)
		}
		_ = subject
	}
	// A javascript: access link never becomes a live link.
	d.AccessURL = "javascript:alert(1)"
	_, _, htm, err := r.Render(model.MailAccess, "en", d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(htm, `href="javascript:`) {
		t.Error("javascript: URL rendered as a link")
	}
}

func TestRenderSubjectIsOneLine(t *testing.T) {
	r := testRenderer(t)
	d := sampleData()
	d.EventTitle = "Line one\r\nBcc: victim@example.com"
	subject, _, _, err := r.Render(model.MailAccess, "fr", d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(subject, "\r\n") {
		t.Errorf("subject %q has a line break", subject)
	}
	if want := "Votre accès à Line one Bcc: victim@example.com"; subject != want {
		t.Errorf("subject = %q, want %q", subject, want)
	}
}

func TestRenderLocaleFallbackAndErrors(t *testing.T) {
	r := testRenderer(t)
	d := sampleData()
	subject, _, htm, err := r.Render(model.MailAccess, "pt-BR", &d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(subject, "Your access to") || !strings.Contains(htm, `lang="en"`) {
		t.Errorf("unsupported locale: subject %q", subject)
	}
	subject, _, _, err = r.Render(model.MailAccess, "de-AT", d)
	if err != nil || !strings.HasPrefix(subject, "Ihr Zugang") {
		t.Errorf("regional locale: %q, %v", subject, err)
	}
	if _, _, _, err := r.Render("nope", "en", d); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("unknown kind: err = %v", err)
	}
	if _, _, _, err := r.Render(model.MailAccess, "en", map[string]string{}); err == nil {
		t.Error("wrong data type: no error")
	}
	if _, _, _, err := r.Render(model.MailAccess, "en", (*MailData)(nil)); err == nil {
		t.Error("nil data: no error")
	}
}

func TestRenderKeepsLineBreaks(t *testing.T) {
	r := testRenderer(t)
	d := sampleData()
	d.Message = "Line <one>\r\nLine two"
	_, text, htm, err := r.Render(model.MailEventChanged, "en", d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(htm, "Line &lt;one&gt;<br>Line two") {
		t.Errorf("html message:\n%s", htm)
	}
	if !strings.Contains(text, "Line <one>\r\nLine two") && !strings.Contains(text, "Line <one>\nLine two") {
		t.Errorf("text message:\n%s", text)
	}
	_, _, htm, _ = r.Render(model.MailAccess, "en", d)
	if !strings.Contains(htm, "Two hours.<br>Bring questions.") {
		t.Errorf("html description:\n%s", htm)
	}
}

func TestRenderOptionalParts(t *testing.T) {
	r := testRenderer(t)
	d := MailData{Name: "Ann", EventTitle: "On demand", Timezone: "UTC"}
	_, text, htm, err := r.Render(model.MailAccess, "en", d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "No live session is scheduled") {
		t.Errorf("no sessions: missing explanation:\n%s", text)
	}
	for _, absent := range []string{"calendar", "copy this address", "Message from the organizer"} {
		if strings.Contains(text, absent) || strings.Contains(htm, absent) {
			t.Errorf("%q shown without data", absent)
		}
	}
}

// TestRenderRefundedByStatus: a full refund says the ticket no longer gives
// access, a partial one that it still does; any other status says neither.
// The access button is there in every case.
func TestRenderRefundedByStatus(t *testing.T) {
	r := testRenderer(t)
	tr := testBundle(t)
	for _, locale := range tr.Locales() {
		full := tr.T(locale, "mail.refunded.full", nil)
		partial := tr.T(locale, "mail.refunded.partial", nil)
		personal := tr.T(locale, "mail.link.personal", nil)
		for status, want := range map[string]string{
			model.StatusRefunded:          full,
			model.StatusPartiallyRefunded: partial,
			model.StatusCancelled:         "",
		} {
			d := sampleData()
			d.Status = status
			_, text, htm, err := r.Render(model.MailRefunded, locale, d)
			if err != nil {
				t.Fatal(err)
			}
			for _, msg := range []string{full, partial} {
				if shown := strings.Contains(text, msg); shown != (msg == want) {
					t.Errorf("%s/%s: %q shown = %v:\n%s", locale, status, msg, shown, text)
				}
				if shown := strings.Contains(htm, html.EscapeString(msg)); shown != (msg == want) {
					t.Errorf("%s/%s: %q shown in html = %v", locale, status, msg, shown)
				}
			}
			if !strings.Contains(text, d.AccessURL) || !strings.Contains(htm, `href="`+d.AccessURL+`"`) {
				t.Errorf("%s/%s: access link missing", locale, status)
			}
			// "It is your ticket" only while it still is one.
			if shown := strings.Contains(text, personal); shown != (status == model.StatusPartiallyRefunded) {
				t.Errorf("%s/%s: personal-link note shown = %v", locale, status, shown)
			}
		}
	}
}

func TestRenderLateRefundWithoutEventURL(t *testing.T) {
	r := testRenderer(t)
	d := sampleData()
	d.EventURL = ""
	_, text, htm, err := r.Render(model.MailLateRefund, "en", d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text, "event page") || strings.Contains(htm, "event page") {
		t.Errorf("event link shown without EventURL:\n%s", text)
	}
	if !strings.Contains(text, "The full amount, 19.99\u00a0EUR, has therefore been refunded") {
		t.Errorf("amount sentence missing:\n%s", text)
	}
}

// TestBrokenTemplatesFail: a template that does not parse, or a kind
// without its other version or its subject, fails NewRenderer; one that
// parses but cannot execute fails check.
func TestBrokenTemplatesFail(t *testing.T) {
	tr := testBundle(t)
	layoutHTML, _ := os.ReadFile("../../assets/email/layout.html")
	layoutText, _ := os.ReadFile("../../assets/email/layout.txt")
	good := func() fstest.MapFS {
		return fstest.MapFS{
			"layout.html": {Data: layoutHTML},
			"layout.txt":  {Data: layoutText},
			"access.html": {Data: []byte(`{{define "content"}}{{template "greeting" .}}{{end}}`)},
			"access.txt":  {Data: []byte(`{{define "content"}}{{template "greeting" .}}{{end}}`)},
		}
	}
	load := func(f fstest.MapFS) error {
		r, err := NewRenderer(f, tr)
		if err == nil {
			err = r.check()
		}
		return err
	}
	if err := load(good()); err != nil {
		t.Fatalf("good templates: %v", err)
	}
	tests := map[string]func(fstest.MapFS){
		"syntax": func(f fstest.MapFS) {
			f["access.html"] = &fstest.MapFile{Data: []byte(`{{define "content"}}{{if}}{{end}}`)}
		},
		"unknown function": func(f fstest.MapFS) {
			f["access.txt"] = &fstest.MapFile{Data: []byte(`{{define "content"}}{{nope}}{{end}}`)}
		},
		"unknown field": func(f fstest.MapFS) {
			f["access.html"] = &fstest.MapFile{Data: []byte(`{{define "content"}}{{.Nope}}{{end}}`)}
		},
		"no text version":   func(f fstest.MapFS) { delete(f, "access.txt") },
		"no html version":   func(f fstest.MapFS) { f["pending.txt"] = &fstest.MapFile{Data: []byte(`{{define "content"}}x{{end}}`)} },
		"no subject":        func(f fstest.MapFS) { f["other.html"], f["other.txt"] = f["access.html"], f["access.txt"] },
		"no layout":         func(f fstest.MapFS) { delete(f, "layout.html") },
		"no content define": func(f fstest.MapFS) { f["access.html"] = &fstest.MapFile{Data: []byte(`hello`)} },
	}
	for name, breakIt := range tests {
		t.Run(name, func(t *testing.T) {
			f := good()
			breakIt(f)
			if err := load(f); err == nil {
				t.Error("the templates loaded, want an error")
			}
		})
	}
}

func TestRenderConcurrently(t *testing.T) {
	r := testRenderer(t)
	done := make(chan error)
	for i := 0; i < 8; i++ {
		go func() {
			var err error
			for _, kind := range r.Kinds() {
				if _, _, _, e := r.Render(kind, "ru", sampleData()); e != nil {
					err = e
				}
			}
			done <- err
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestRenderShow prints one mail of each kind with -v, to read them.
func TestRenderShow(t *testing.T) {
	if !testing.Verbose() {
		t.Skip("run with -v to print the mails")
	}
	r := testRenderer(t)
	for _, kind := range r.Kinds() {
		for _, l := range []string{"en", "ru"} {
			s, text, _, err := r.Render(kind, l, sampleData())
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("==== %s/%s\nSubject: %s\n\n%s", kind, l, s, text)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
