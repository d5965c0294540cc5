package mail

import (
	"context"
	"errors"
	"mime"
	"net/mail"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/mail/mailtest"
)

func testSMTP(t *testing.T, srv *mailtest.Server, cfg SMTPConfig) *SMTP {
	t.Helper()
	cfg.Host, cfg.Port = srv.Addr()
	if cfg.From == "" {
		cfg.From = "Admit Événements <noreply@admit.test>"
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSNone
	}
	s, err := NewSMTP(cfg)
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	return s
}

func TestSMTPSendReadsLikeAMailClient(t *testing.T) {
	srv := mailtest.NewServer(t)
	s := testSMTP(t, srv, SMTPConfig{})
	ics := []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
	longLine := strings.Repeat("Ünïcödé text that goes on and on. ", 20)
	m := Message{
		To:      "zoe@example.com",
		ToName:  `O'Brien, Zoë "Z" Łukasiewicz`,
		Subject: "Votre accès à « Café crème » — 日本語のセミナー, and a rather long subject line that must be folded",
		Text:    "Bonjour Zoë,\nhttps://admit.example/a/tok?x=1&y=2\n" + longLine,
		HTML:    `<p>Bonjour Zoë,</p><p><a href="https://admit.example/a/tok">accès</a></p>`,
		Attachments: []Attachment{{
			Filename: "calendar.ics", ContentType: "text/calendar; charset=utf-8; method=PUBLISH", Data: ics,
		}},
	}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.WaitFor(t, 1, 5*time.Second)[0]
	if got.ParseError != nil {
		t.Fatalf("parse: %v\n%s", got.ParseError, got.Raw)
	}

	if got.From != "noreply@admit.test" || len(got.To) != 1 || got.To[0] != "zoe@example.com" {
		t.Errorf("envelope from %q to %v", got.From, got.To)
	}
	from, err := got.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Admit Événements" || from[0].Address != "noreply@admit.test" {
		t.Errorf("From = %v, %v", from, err)
	}
	to, err := got.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != m.ToName || to[0].Address != m.To {
		t.Errorf("To = %v, %v", to, err)
	}
	if got.Subject != m.Subject {
		t.Errorf("Subject = %q, want %q", got.Subject, m.Subject)
	}
	if _, err := got.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if got.Header.Get("Message-Id") == "" {
		t.Error("no Message-ID")
	}
	for name, v := range got.Header {
		for _, line := range v {
			for _, r := range line {
				if r > 127 {
					t.Errorf("header %s is not ASCII: %q", name, line)
					break
				}
			}
		}
	}
	if got.Text != m.Text {
		t.Errorf("Text = %q, want %q", got.Text, m.Text)
	}
	if got.HTML != m.HTML {
		t.Errorf("HTML = %q, want %q", got.HTML, m.HTML)
	}
	if len(got.Attachments) != 1 {
		t.Fatalf("attachments: %+v", got.Attachments)
	}
	a := got.Attachments[0]
	if a.Filename != "calendar.ics" || a.ContentType != "text/calendar" || string(a.Data) != string(ics) {
		t.Errorf("attachment = %q %q %q", a.Filename, a.ContentType, a.Data)
	}
	mt, _, _ := mime.ParseMediaType(got.Header.Get("Content-Type"))
	if mt != "multipart/mixed" || !strings.Contains(string(got.Raw), "multipart/alternative") {
		t.Errorf("structure: top %q\n%s", mt, got.Raw)
	}
	for _, line := range strings.Split(string(got.Raw), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line of %d octets", len(line))
		}
	}
}

func TestSMTPSendTextOnlyAndHTMLOnly(t *testing.T) {
	srv := mailtest.NewServer(t)
	s := testSMTP(t, srv, SMTPConfig{From: "noreply@admit.test"})
	ctx := context.Background()
	if err := s.Send(ctx, Message{To: "a@example.com", Subject: "t", Text: "just text"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(ctx, Message{To: "b@example.com", Subject: "h", HTML: "<p>just html</p>"}); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, 2, 5*time.Second)
	// A single part ends with a line break on the wire.
	if strings.TrimSpace(got[0].Text) != "just text" || got[0].HTML != "" {
		t.Errorf("text only: %q %q", got[0].Text, got[0].HTML)
	}
	if strings.TrimSpace(got[1].HTML) != "<p>just html</p>" || got[1].Text != "" {
		t.Errorf("html only: %q %q", got[1].Text, got[1].HTML)
	}
}

func TestSMTPRefusesHeaderInjection(t *testing.T) {
	srv := mailtest.NewServer(t)
	s := testSMTP(t, srv, SMTPConfig{})
	base := Message{To: "a@example.com", ToName: "Ann", Subject: "Hi", Text: "x"}
	tests := map[string]func(*Message){
		"subject":    func(m *Message) { m.Subject = "Hi\r\nBcc: victim@example.com" },
		"subject lf": func(m *Message) { m.Subject = "Hi\nBcc: victim@example.com" },
		"to name":    func(m *Message) { m.ToName = "Ann\r\nBcc: victim@example.com" },
		"to":         func(m *Message) { m.To = "a@example.com\r\nBcc: victim@example.com" },
		"filename": func(m *Message) {
			m.Attachments = []Attachment{{Filename: "a.ics\r\nX-Evil: 1", Data: []byte("x")}}
		},
		"content type": func(m *Message) {
			m.Attachments = []Attachment{{Filename: "a.ics", ContentType: "text/calendar\r\nX-Evil: 1", Data: []byte("x")}}
		},
	}
	for name, change := range tests {
		t.Run(name, func(t *testing.T) {
			m := base
			change(&m)
			err := s.Send(context.Background(), m)
			if !errors.Is(err, ErrHeaderInjection) {
				t.Errorf("err = %v, want ErrHeaderInjection", err)
			}
		})
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages went out", n)
	}
}

func TestSMTPRefusesBadMessages(t *testing.T) {
	srv := mailtest.NewServer(t)
	s := testSMTP(t, srv, SMTPConfig{})
	tests := map[string]Message{
		"no recipient":       {Subject: "x", Text: "x"},
		"bad recipient":      {To: "not an address", Subject: "x", Text: "x"},
		"two recipients":     {To: "a@example.com, b@example.com", Subject: "x", Text: "x"},
		"no body":            {To: "a@example.com", Subject: "x"},
		"nameless file":      {To: "a@example.com", Subject: "x", Text: "x", Attachments: []Attachment{{Data: []byte("x")}}},
		"bad content type":   {To: "a@example.com", Subject: "x", Text: "x", Attachments: []Attachment{{Filename: "a", ContentType: "text/", Data: []byte("x")}}},
		"recipient in quote": {To: `"a@example.com" <`, Subject: "x", Text: "x"},
	}
	for name, m := range tests {
		if err := s.Send(context.Background(), m); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages went out", n)
	}
}

func TestSMTPAuth(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.WithAuth("admit", "s3cret"))
	ok := testSMTP(t, srv, SMTPConfig{Username: "admit", Password: "s3cret"})
	if err := ok.Send(context.Background(), Message{To: "a@example.com", Subject: "x", Text: "x"}); err != nil {
		t.Fatalf("Send with credentials: %v", err)
	}
	if got := srv.WaitFor(t, 1, 5*time.Second)[0]; got.AuthUser != "admit" {
		t.Errorf("AuthUser = %q", got.AuthUser)
	}
	bad := testSMTP(t, srv, SMTPConfig{Username: "admit", Password: "wrong"})
	if err := bad.Send(context.Background(), Message{To: "a@example.com", Subject: "x", Text: "x"}); err == nil {
		t.Error("wrong password: no error")
	}
	anon := testSMTP(t, srv, SMTPConfig{})
	if err := anon.Send(context.Background(), Message{To: "a@example.com", Subject: "x", Text: "x"}); err == nil {
		t.Error("no credentials on a server that requires them: no error")
	}
}

func TestSMTPStartTLSIsRequired(t *testing.T) {
	// The test server has no TLS: "starttls" must refuse to go on in clear.
	srv := mailtest.NewServer(t)
	s := testSMTP(t, srv, SMTPConfig{TLS: TLSStartTLS})
	if err := s.Send(context.Background(), Message{To: "a@example.com", Subject: "x", Text: "x"}); err == nil {
		t.Error("starttls against a server without STARTTLS: no error")
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages went out in clear", n)
	}
}

func TestSMTPServerErrors(t *testing.T) {
	srv := mailtest.NewServer(t)
	s := testSMTP(t, srv, SMTPConfig{})
	srv.FailNext(1)
	m := Message{To: "a@example.com", Subject: "x", Text: "x"}
	if err := s.Send(context.Background(), m); err == nil {
		t.Error("refused by the server: no error")
	}
	if err := s.Send(context.Background(), m); err != nil {
		t.Errorf("second try: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Send(ctx, m); err == nil {
		t.Error("cancelled context: no error")
	}
}

func TestNewSMTPValidates(t *testing.T) {
	tests := map[string]SMTPConfig{
		"no host":      {From: "a@example.com"},
		"bad tls":      {Host: "localhost", From: "a@example.com", TLS: "ssl"},
		"bad from":     {Host: "localhost", From: "Admit"},
		"from newline": {Host: "localhost", From: "a@example.com\r\nBcc: b@example.com"},
		"port":         {Host: "localhost", Port: 70000, From: "a@example.com"},
	}
	for name, cfg := range tests {
		if _, err := NewSMTP(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	s, err := NewSMTP(SMTPConfig{Host: "smtp.example.com", From: "Admit <noreply@localhost>"})
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.Port != 587 || s.cfg.TLS != TLSStartTLS {
		t.Errorf("defaults: port %d tls %q", s.cfg.Port, s.cfg.TLS)
	}
}

// The renderer's output goes through SMTP and comes back intact.
func TestRenderedMailThroughSMTP(t *testing.T) {
	srv := mailtest.NewServer(t)
	s := testSMTP(t, srv, SMTPConfig{})
	r := testRenderer(t)
	d := sampleData()
	subject, text, htm, err := r.Render("access", "ru", d)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), Message{To: "zoe@example.com", ToName: d.Name, Subject: subject, Text: text, HTML: htm}); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, 1, 5*time.Second)[0]
	if got.Subject != subject || got.Text != text || got.HTML != htm {
		t.Errorf("mail changed on the way:\nsubject %q\n%s", got.Subject, got.Text)
	}
	if !strings.Contains(got.Text, d.AccessURL) {
		t.Error("access link lost")
	}
	addr, _ := mail.ParseAddress(got.Header.Get("To"))
	if addr == nil || addr.Name != d.Name {
		t.Errorf("To = %v", got.Header.Get("To"))
	}
}

// The Message-ID is in the domain of smtp.from, not the machine's host name,
// and new for each mail.
func TestSMTPMessageIDInSendersDomain(t *testing.T) {
	srv := mailtest.NewServer(t)
	s := testSMTP(t, srv, SMTPConfig{From: "Events <noreply@Events.Example.org>"})
	for range 2 {
		if err := s.Send(context.Background(), Message{To: "zoe@example.com", Subject: "Hi", Text: "Hello"}); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	msgs := srv.WaitFor(t, 2, 5*time.Second)
	host, _ := os.Hostname()
	seen := map[string]bool{}
	for _, m := range msgs {
		id := m.Header.Get("Message-Id")
		addr, err := mail.ParseAddress(id) // <local@domain> reads as an address
		if err != nil || !strings.HasPrefix(id, "<") || !strings.HasSuffix(addr.Address, "@events.example.org") || len(addr.Address) < 30 {
			t.Errorf("Message-ID %q (%v), want <random@events.example.org>", id, err)
		}
		if host != "" && strings.Contains(id, "@"+host+">") {
			t.Errorf("Message-ID %q names the machine", id)
		}
		if seen[id] {
			t.Errorf("Message-ID %q twice", id)
		}
		seen[id] = true
	}
}
