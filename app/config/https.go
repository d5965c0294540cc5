package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strings"
)

// validateHTTPS checks the automatic HTTPS keys (http.domain and the keys
// that go with it); hostPort checks a host:port key and returns its port.
func (c *Config) validateHTTPS(hostPort func(key, v string) (string, error)) error {
	h := &c.HTTP
	h.Domain = strings.ToLower(strings.TrimSpace(h.Domain))
	if h.Domain != "" {
		if msg := checkHostName(h.Domain); msg != "" {
			return &FieldError{Key: "http.domain", Problem: fmt.Sprintf("%q %s", h.Domain, msg)}
		}
	}
	if _, err := hostPort("http.https_address", h.HTTPSAddress); err != nil {
		return err
	}
	if _, err := hostPort("http.redirect_address", h.RedirectAddress); err != nil {
		return err
	}
	if u, err := url.Parse(h.ACMEDirectory); err != nil || u.Scheme != "https" || u.Host == "" {
		return &FieldError{Key: "http.acme_directory", Problem: fmt.Sprintf("%q must be an https URL such as %s", h.ACMEDirectory, LetsEncrypt)}
	}
	if h.ACMEEmail != "" {
		if a, err := mail.ParseAddress(h.ACMEEmail); err != nil || a.Name != "" {
			return &FieldError{Key: "http.acme_email", Problem: fmt.Sprintf("%q is not an email address such as ops@example.org", h.ACMEEmail)}
		}
	}
	return nil
}

// HTTPSOrigin is https://http.domain, with the port of http.https_address
// when it is not 443.
func (c *Config) HTTPSOrigin() string {
	_, port, _ := net.SplitHostPort(c.HTTP.HTTPSAddress)
	if port == "443" || port == "" {
		return "https://" + c.HTTP.Domain
	}
	return "https://" + net.JoinHostPort(c.HTTP.Domain, port)
}

// checkHostName says what keeps s from being a DNS host name a public CA
// issues a certificate for ("" when nothing does).
func checkHostName(s string) string {
	const want = "is not a host name such as tickets.example.org"
	if net.ParseIP(s) != nil {
		return "is an IP address: " + want[7:] + " is needed (a CA certifies names, not addresses)"
	}
	if len(s) > 253 || !strings.Contains(s, ".") {
		return want
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return want
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return want
			}
		}
	}
	return ""
}
