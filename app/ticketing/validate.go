package ticketing

import (
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// fields collects validation messages by field name.
type fields map[string]string

func (f fields) add(name, format string, args ...any) {
	if _, ok := f[name]; !ok {
		f[name] = fmt.Sprintf(format, args...)
	}
}

// checkLine checks a one-line text: not empty when required, no line breaks
// or control characters (it may end up in a mail header), at most max runes.
func checkLine(f fields, name, v string, required bool, max int) {
	switch {
	case required && strings.TrimSpace(v) == "":
		f.add(name, "is required")
	case !utf8.ValidString(v):
		f.add(name, "is not valid UTF-8")
	case strings.ContainsAny(v, "\r\n"):
		f.add(name, "must be a single line (no line breaks)")
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		f.add(name, "must not contain control characters")
	case utf8.RuneCountInString(v) > max:
		f.add(name, "must be at most %d characters", max)
	}
}

// checkText checks a multi-line text.
func checkText(f fields, name, v string, max int) {
	switch {
	case !utf8.ValidString(v):
		f.add(name, "is not valid UTF-8")
	case strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) >= 0:
		f.add(name, "must not contain control characters")
	case utf8.RuneCountInString(v) > max:
		f.add(name, "must be at most %d characters", max)
	}
}

// checkHTTPURL accepts only absolute http and https URLs (no javascript:,
// data: or relative links on a page a registrant clicks).
func checkHTTPURL(f fields, name, v string) {
	if v == "" {
		return
	}
	u, err := url.Parse(v)
	switch {
	case strings.ContainsAny(v, " \t\r\n") || err != nil:
		f.add(name, "is not a valid URL")
	case u.Scheme != "http" && u.Scheme != "https":
		f.add(name, "must start with https:// or http://")
	case u.Host == "":
		f.add(name, "must include a host name, e.g. https://meet.example.org/room")
	case len(v) > 2000:
		f.add(name, "must be at most 2000 characters")
	}
}

// normalizeEmail checks an address and returns it as given (trimmed) and in
// the form used for comparison (lower case).
func normalizeEmail(f fields, name, v string) (clean, norm string) {
	v = strings.TrimSpace(v)
	if v == "" {
		f.add(name, "is required")
		return "", ""
	}
	if strings.ContainsAny(v, "\r\n") {
		f.add(name, "must be a single line (no line breaks)")
		return "", ""
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || a.Name != "" || len(v) > 254 || !strings.Contains(v[strings.LastIndexByte(v, '@')+1:], ".") && !strings.HasSuffix(v, "@localhost") {
		f.add(name, "is not a valid email address, e.g. ada@example.org")
		return "", ""
	}
	return v, strings.ToLower(v)
}
