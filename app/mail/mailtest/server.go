// Package mailtest runs a real SMTP server inside a test and hands back what
// it received, parsed as a mail client would: headers decoded, text and HTML
// parts and attachments separated and their transfer encodings undone. Tests
// in other packages use it to read access links from real mail.
//
//	srv := mailtest.NewServer(t)
//	host, port := srv.Addr() // SMTP with TLS "none"
//	... send ...
//	msgs := srv.WaitFor(t, 1, 5*time.Second)
//	link := msgs[0].Text
package mailtest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/admit/admit/app/clocktest"
)

// Received is one message as the server got it.
type Received struct {
	From        string   // envelope sender (MAIL FROM)
	To          []string // envelope recipients (RCPT TO)
	Raw         []byte   // the message as transmitted
	Header      mail.Header
	Subject     string // decoded Subject header
	Text, HTML  string // decoded bodies of the text/plain and text/html parts, with \n line ends
	Attachments []Attachment
	AuthUser    string // the user name the client authenticated as, if any
	ParseError  error  // set when the message could not be parsed as MIME
}

// Attachment is a decoded attachment of a Received message, or an inline
// part (an image the HTML shows as cid:ContentID).
type Attachment struct {
	Filename, ContentType string
	Data                  []byte
	// ContentID is the part's Content-ID without its angle brackets;
	// Inline, its Content-Disposition is inline.
	ContentID string
	Inline    bool
	// Related: the part is inside a multipart/related (with the HTML).
	Related bool
}

// Server is an in-process SMTP server listening on 127.0.0.1.
type Server struct {
	srv  *smtp.Server
	host string
	port int

	username, password string

	mu       sync.Mutex
	msgs     []Received
	changed  chan struct{} // closed when msgs grows, then replaced
	failNext int
	refused  map[string]bool // recipients answered 550
	taken    func(Received)  // OnMessage's
	l        net.Listener    // the running server's
}

// Option configures a Server.
type Option func(*Server)

// WithAuth makes the server require AUTH PLAIN with these credentials.
func WithAuth(username, password string) Option {
	return func(s *Server) { s.username, s.password = username, password }
}

// NewServer starts a server on 127.0.0.1 on a free port; it stops when the
// test ends. It speaks plain SMTP (no TLS): configure the sender with TLS
// "none".
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{changed: make(chan struct{})}
	for _, o := range opts {
		o(s)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	addr := l.Addr().(*net.TCPAddr)
	s.host, s.port = addr.IP.String(), addr.Port
	s.serve(l)
	t.Cleanup(s.Stop)
	return s
}

// serve starts a server on l.
func (s *Server) serve(l net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{s: s}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.MaxMessageBytes = 32 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	s.mu.Lock()
	s.srv, s.l = srv, l
	s.mu.Unlock()
	go func() { _ = srv.Serve(l) }()
}

// Stop shuts the server down, as an SMTP server that is down: connections
// are refused until Start.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, l := s.srv, s.l
	s.srv, s.l = nil, nil
	s.mu.Unlock()
	if srv != nil {
		// The listener too: Serve may not have taken it yet, and then
		// Close would not know it.
		_ = l.Close()
		_ = srv.Close()
	}
}

// Start listens again, on the same address, after Stop.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	running := s.srv != nil
	s.mu.Unlock()
	if running {
		return
	}
	l, err := net.Listen("tcp", net.JoinHostPort(s.host, strconv.Itoa(s.port)))
	if err != nil {
		t.Fatalf("mailtest: listen again: %v", err)
	}
	s.serve(l)
}

// Refuse makes the server refuse a recipient for good (550 at RCPT TO).
func (s *Server) Refuse(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refused == nil {
		s.refused = map[string]bool{}
	}
	s.refused[strings.ToLower(addr)] = true
}

// Accept takes back Refuse: the recipient is accepted again.
func (s *Server) Accept(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.refused, strings.ToLower(addr))
}

// Addr is where the server listens.
func (s *Server) Addr() (host string, port int) { return s.host, s.port }

// Messages returns what was received so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// Reset forgets the messages received so far.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = nil
}

// OnMessage has f called with each message the server takes, once it is in
// the mailbox and before the server answers 250: a test can stop the
// sender there, which then does not know the message arrived (the
// duplicate SMTP cannot rule out). f runs on the connection's goroutine;
// nil removes it.
func (s *Server) OnMessage(f func(Received)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.taken = f
}

// FailNext makes the server refuse the next n messages with a temporary
// error (451), to exercise retries.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// WaitFor waits until at least n messages have arrived and returns them all.
// It waits at least timeout, and on a test binary with a deadline (go test
// -timeout) until shortly before that deadline: a loaded machine delivers
// late, not never, and the failure still names what was missing.
func (s *Server) WaitFor(t testing.TB, n int, timeout time.Duration) []Received {
	t.Helper()
	timeout = clocktest.Patience(t, timeout)
	msgs, ok := s.WaitUntil(timeout, func(msgs []Received) bool { return len(msgs) >= n })
	if !ok {
		t.Fatalf("mailtest: %d message(s) after %s, want %d", len(msgs), timeout, n)
	}
	return msgs
}

// WaitUntil waits until cond holds of the messages received so far (oldest
// first) and returns them with true; after timeout it returns them with
// false. cond is asked at once and again each time a message arrives, never
// on a timer; it gets its own copy. WaitUntil does not fail the test: it
// may run on any goroutine.
func (s *Server) WaitUntil(timeout time.Duration, cond func([]Received) bool) ([]Received, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		msgs, changed := append([]Received(nil), s.msgs...), s.changed
		s.mu.Unlock()
		if cond(msgs) {
			return msgs, true
		}
		select {
		case <-changed:
		case <-deadline.C:
			return msgs, false
		}
	}
}

func (s *Server) add(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, r)
	close(s.changed)
	s.changed = make(chan struct{})
}

// session is one SMTP connection.
type session struct {
	s        *Server
	authUser string
	from     string
	to       []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || ss.s.username == "" {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != ss.s.username || password != ss.s.password {
			return smtp.ErrAuthFailed
		}
		ss.authUser = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.username != "" && ss.authUser == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	refused := ss.s.refused[strings.ToLower(to)]
	ss.s.mu.Unlock()
	if refused {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailtest: no such user"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	fail := ss.s.failNext > 0
	if fail {
		ss.s.failNext--
	}
	ss.s.mu.Unlock()
	if fail {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "mailtest: try again later"}
	}
	rec := Parse(raw)
	rec.From, rec.To, rec.AuthUser = ss.from, append([]string(nil), ss.to...), ss.authUser
	ss.s.add(rec)
	ss.s.mu.Lock()
	taken := ss.s.taken
	ss.s.mu.Unlock()
	if taken != nil {
		taken(rec)
	}
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// Parse reads a raw message the way a mail client does. Errors are kept in
// Received.ParseError, with whatever could be read.
func Parse(raw []byte) Received {
	rec := Received{Raw: raw}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		rec.ParseError = err
		return rec
	}
	rec.Header = msg.Header
	dec := new(mime.WordDecoder)
	if rec.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		rec.ParseError = fmt.Errorf("subject: %w", err)
	}
	if err := walk(&rec, partHeader(msg.Header), false, msg.Body); err != nil && rec.ParseError == nil {
		rec.ParseError = err
	}
	return rec
}

// partHeader is what walk reads of a part's header.
type partHeader map[string][]string

func (h partHeader) get(k string) string {
	if v := h[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func walk(rec *Received, h partHeader, related bool, body io.Reader) error {
	contentType, encoding, disposition := h.get("Content-Type"), h.get("Content-Transfer-Encoding"), h.get("Content-Disposition")
	if contentType == "" {
		contentType = "text/plain; charset=utf-8"
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", mt, err)
			}
			if err := walk(rec, partHeader(p.Header), related || mt == "multipart/related", p); err != nil {
				return err
			}
		}
	}
	data, err := io.ReadAll(decode(encoding, body))
	if err != nil {
		return fmt.Errorf("%s body (%s): %w", mt, encoding, err)
	}
	if cs := strings.ToLower(params["charset"]); cs != "" && cs != "utf-8" && cs != "us-ascii" {
		return fmt.Errorf("%s: unexpected charset %q", mt, cs)
	}

	disp, dparams, _ := mime.ParseMediaType(disposition)
	filename := dparams["filename"]
	if filename == "" {
		filename = params["name"]
	}
	if filename != "" {
		if d, err := new(mime.WordDecoder).DecodeHeader(filename); err == nil {
			filename = d
		}
	}
	cid := strings.Trim(strings.TrimSpace(h.get("Content-Id")), "<>")
	switch {
	case disp == "attachment" || filename != "" || cid != "":
		rec.Attachments = append(rec.Attachments, Attachment{Filename: filename, ContentType: mt, Data: data,
			ContentID: cid, Inline: disp == "inline", Related: related})
	case mt == "text/html" && rec.HTML == "":
		rec.HTML = strings.ReplaceAll(string(data), "\r\n", "\n")
	case mt == "text/plain" && rec.Text == "":
		rec.Text = strings.ReplaceAll(string(data), "\r\n", "\n")
	default:
		rec.Attachments = append(rec.Attachments, Attachment{ContentType: mt, Data: data})
	}
	return nil
}

func decode(encoding string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r)
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}
