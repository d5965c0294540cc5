package mailtest

import (
	"net"
	"net/smtp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseBase64AndNestedParts(t *testing.T) {
	raw := strings.ReplaceAll(`From: =?utf-8?q?Caf=C3=A9?= <a@example.com>
To: b@example.com
Subject: =?utf-8?b?0J/RgNC40LLQtdGC?=
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=outer

--outer
Content-Type: multipart/alternative; boundary=inner

--inner
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

0J/RgNC40LLQtdGCLA0K0LzQuNGAIQ==
--inner
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

<p>caf=C3=A9 &amp; a very long line that is soft-wrapped by quoted-printab=
le</p>
--inner--

--outer
Content-Type: application/pdf
Content-Disposition: attachment; filename="=?utf-8?q?r=C3=A9sum=C3=A9.pdf?="
Content-Transfer-Encoding: base64

JVBERi0=
--outer--
`, "\n", "\r\n")
	got := Parse([]byte(raw))
	if got.ParseError != nil {
		t.Fatal(got.ParseError)
	}
	if got.Subject != "Привет" {
		t.Errorf("Subject = %q", got.Subject)
	}
	if got.Text != "Привет,\nмир!" {
		t.Errorf("Text = %q", got.Text)
	}
	if got.HTML != "<p>café &amp; a very long line that is soft-wrapped by quoted-printable</p>" {
		t.Errorf("HTML = %q", got.HTML)
	}
	if len(got.Attachments) != 1 || got.Attachments[0].Filename != "résumé.pdf" || string(got.Attachments[0].Data) != "%PDF-" {
		t.Errorf("Attachments = %+v", got.Attachments)
	}
}

func TestServerWithStdlibClient(t *testing.T) {
	srv := NewServer(t)
	host, port := srv.Addr()
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	msg := "From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nhello\r\n"
	if err := smtp.SendMail(addr, nil, "a@example.com", []string{"b@example.com", "c@example.com"}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, 1, 5*time.Second)
	if got[0].From != "a@example.com" || len(got[0].To) != 2 || got[0].Subject != "hi" || got[0].Text != "hello\n" {
		t.Errorf("got %+v", got[0])
	}
	srv.Reset()
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages after Reset", n)
	}
}

func TestWaitUntil(t *testing.T) {
	srv := NewServer(t)
	host, port := srv.Addr()
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	if _, ok := srv.WaitUntil(time.Millisecond, func(msgs []Received) bool { return len(msgs) > 0 }); ok {
		t.Fatal("a condition on an empty mailbox held")
	}
	done := make(chan []Received)
	go func() {
		msgs, _ := srv.WaitUntil(time.Minute, func(msgs []Received) bool {
			return len(msgs) > 0 && msgs[len(msgs)-1].Subject == "second"
		})
		done <- msgs
	}()
	for _, subject := range []string{"first", "second"} {
		msg := "From: a@example.com\r\nTo: b@example.com\r\nSubject: " + subject + "\r\n\r\nhello\r\n"
		if err := smtp.SendMail(addr, nil, "a@example.com", []string{"b@example.com"}, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	if msgs := <-done; len(msgs) != 2 || msgs[0].Subject != "first" {
		t.Fatalf("got %+v", msgs)
	}
}
