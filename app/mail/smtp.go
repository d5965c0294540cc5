// Package mail composes and delivers Admit's emails: the templates rendered in
// the registrant's language, the .ics calendar, the SMTP sender and the
// dispatcher that drains the outbox with retries.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	netmail "net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one email ready to send.
type Message struct {
	To, ToName, Subject, Text, HTML string
	Attachments                     []Attachment
	// FromName is the sender's display name (empty: smtp.from's own);
	// the address is always smtp.from's.
	FromName string
	// ReplyTo is where replies go (empty: no Reply-To).
	ReplyTo string
	// Inline are images the HTML shows as cid:ContentID
	// (multipart/related).
	Inline []Inline
	// ID, when set, is the left part of the Message-ID (letters and digits):
	// the Dispatcher gives every sending of one queued mail the same, so
	// that a copy the SMTP server took before a crash kept Admit from
	// recording it, and the one sent again after, are one message to the
	// recipient's mail client. Empty: a new random one.
	ID string
}

// Inline is an image inside a Message, shown by the HTML part.
type Inline struct {
	ContentID, Filename, ContentType string
	Data                             []byte
}

// Attachment is a file attached to a Message.
type Attachment struct {
	Filename, ContentType string
	Data                  []byte
}

// ErrRefused marks a permanent refusal by the SMTP server (a 5xx answer,
// such as an unknown recipient): trying again would not help.
var ErrRefused = errors.New("mail: refused for good by the SMTP server")

// ErrHeaderInjection is returned for a header value that holds a line break.
var ErrHeaderInjection = errors.New("mail: line break in a header value")

// TLS modes of SMTPConfig.TLS.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS, which is required
	TLSImplicit = "tls"      // TLS from the first byte (usually port 465)
	TLSNone     = "none"     // no encryption at all (a local relay, tests)
)

// SMTPConfig is the outgoing mail server.
type SMTPConfig struct {
	Host     string
	Port     int // 0: 587
	Username string
	Password string
	From     string // "Admit <noreply@example.com>"
	TLS      string // TLSStartTLS (default when empty), TLSImplicit or TLSNone
}

// SMTP sends messages through one SMTP server, one connection per message.
// It is safe for concurrent use.
type SMTP struct {
	cfg     SMTPConfig
	from    *netmail.Address
	timeout time.Duration
}

// NewSMTP checks cfg and returns a sender. It does not connect.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if strings.TrimSpace(cfg.Host) == "" {
		return nil, errors.New("mail: smtp host is empty")
	}
	if cfg.Port == 0 {
		cfg.Port = 587
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("mail: smtp port %d is out of range", cfg.Port)
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = TLSStartTLS
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return nil, fmt.Errorf("mail: smtp tls %q: want %q, %q or %q", cfg.TLS, TLSStartTLS, TLSImplicit, TLSNone)
	}
	for name, v := range map[string]string{"host": cfg.Host, "username": cfg.Username, "password": cfg.Password, "from": cfg.From} {
		if strings.ContainsAny(v, "\r\n") {
			return nil, fmt.Errorf("mail: smtp %s: %w", name, ErrHeaderInjection)
		}
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("mail: smtp from %q: %w", cfg.From, err)
	}
	return &SMTP{cfg: cfg, from: from, timeout: 30 * time.Second}, nil
}

// Send delivers m. Addresses and headers go through go-mail, which encodes
// non-ASCII names and subjects; a line break in any of them is refused. A
// permanent refusal by the server (5xx) wraps ErrRefused. A
// message with both Text and HTML is multipart/alternative.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := s.build(m)
	if err != nil {
		return err
	}
	client, err := s.client()
	if err != nil {
		return err
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		var se *gomail.SendError
		if errors.As(err, &se) && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
			return fmt.Errorf("mail: send to %s via %s:%d: %w: %w", m.To, s.cfg.Host, s.cfg.Port, ErrRefused, err)
		}
		return fmt.Errorf("mail: send to %s via %s:%d: %w", m.To, s.cfg.Host, s.cfg.Port, err)
	}
	return nil
}

func (s *SMTP) client() (*gomail.Client, error) {
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(s.timeout)}
	switch s.cfg.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
		if s.cfg.TLS == TLSNone {
			// go-mail's discovery never sends a password in clear; with no
			// TLS configured on purpose (a local relay), allow PLAIN/LOGIN.
			opts = append(opts, gomail.WithOpportunisticSMTPAuth(
				gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1, gomail.SMTPAuthCramMD5,
				gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc))
		} else {
			opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover))
		}
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mail: smtp client: %w", err)
	}
	return c, nil
}

// build turns m into a go-mail message.
func (s *SMTP) build(m Message) (*gomail.Msg, error) {
	if err := checkHeaders(m); err != nil {
		return nil, err
	}
	to, err := netmail.ParseAddress(m.To)
	if err != nil {
		return nil, fmt.Errorf("mail: recipient %q: %w", m.To, err)
	}
	if to.Name != "" && m.ToName == "" {
		m.ToName = to.Name
	}
	if m.Text == "" && m.HTML == "" {
		return nil, errors.New("mail: message has no body")
	}

	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	from := s.from
	if m.FromName != "" {
		from = &netmail.Address{Name: m.FromName, Address: s.from.Address}
	}
	msg.FromMailAddress(from)
	if m.ReplyTo != "" {
		rt, err := netmail.ParseAddress(m.ReplyTo)
		if err != nil {
			return nil, fmt.Errorf("mail: reply-to %q: %w", m.ReplyTo, err)
		}
		msg.ReplyToMailAddress(rt)
	}
	msg.ToMailAddress(&netmail.Address{Name: m.ToName, Address: to.Address})
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageIDWithValue(s.messageID(m.ID))
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")

	switch {
	case m.Text != "" && m.HTML != "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	case m.HTML != "":
		msg.SetBodyString(gomail.TypeTextHTML, m.HTML)
	default:
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	}
	if m.HTML != "" {
		for _, in := range m.Inline {
			err := msg.EmbedReader(in.Filename, bytes.NewReader(in.Data), gomail.WithFileContentType(gomail.ContentType(in.ContentType)),
				gomail.WithFileContentID("<"+in.ContentID+">"))
			if err != nil {
				return nil, fmt.Errorf("mail: inline %q: %w", in.Filename, err)
			}
		}
	}
	for _, a := range m.Attachments {
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		err := msg.AttachReader(a.Filename, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(ct)))
		if err != nil {
			return nil, fmt.Errorf("mail: attach %q: %w", a.Filename, err)
		}
	}
	return msg, nil
}

// messageID is a Message-ID (without the angle brackets) in the domain of
// smtp.from, never the machine's host name: "<id>@example.com", with id
// (Message.ID) or, when it is empty or not only letters and digits, a new
// random one.
func (s *SMTP) messageID(id string) string {
	domain := s.from.Address[strings.LastIndexByte(s.from.Address, '@')+1:]
	if domain == "" || strings.ContainsAny(domain, "<>[] ") {
		domain = "admit.invalid"
	}
	if id == "" || strings.IndexFunc(id, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}) >= 0 {
		b := make([]byte, 16)
		_, _ = rand.Read(b) // crypto/rand.Read does not fail
		id = hex.EncodeToString(b)
	}
	return id + "@" + strings.ToLower(domain)
}

// checkHeaders refuses a line break in any value that ends up in a header,
// and attachment metadata that is not what it claims to be. Input
// validation should have caught these long before.
func checkHeaders(m Message) error {
	fields := []struct{ name, v string }{{"To", m.To}, {"To name", m.ToName}, {"Subject", m.Subject}, {"From name", m.FromName}, {"Reply-To", m.ReplyTo}}
	for _, in := range m.Inline {
		fields = append(fields,
			struct{ name, v string }{"inline filename", in.Filename},
			struct{ name, v string }{"inline content type", in.ContentType},
			struct{ name, v string }{"inline content id", in.ContentID})
	}
	for _, a := range m.Attachments {
		fields = append(fields,
			struct{ name, v string }{"attachment filename", a.Filename},
			struct{ name, v string }{"attachment content type", a.ContentType})
	}
	for _, f := range fields {
		if strings.ContainsAny(f.v, "\r\n") {
			return fmt.Errorf("%w: %s %q", ErrHeaderInjection, f.name, f.v)
		}
	}
	for _, a := range m.Attachments {
		if a.Filename == "" {
			return errors.New("mail: attachment without a file name")
		}
		if a.ContentType != "" {
			if _, _, err := mime.ParseMediaType(a.ContentType); err != nil {
				return fmt.Errorf("mail: attachment %q content type %q: %w", a.Filename, a.ContentType, err)
			}
		}
	}
	return nil
}
