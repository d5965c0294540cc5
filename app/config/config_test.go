package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func writeTOML(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaults(t *testing.T) {
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Address != "127.0.0.1:8080" || c.Data.Dir != "./data" || c.SMTP.Port != 587 || c.SMTP.TLS != "starttls" ||
		c.Payments.HoldMinutes != 30 || c.Waitlist.OfferHours != 24 || !slices.Equal(c.Reminders.Offsets, []string{"24h", "1h"}) ||
		c.SMTP.From != "Admit <noreply@localhost>" ||
		c.Auth.TokenDays != 30 || c.Admin.IdleMinutes != 60 || !slices.Equal(c.HTTP.TrustedProxies, []string{"127.0.0.0/8", "::1/128"}) || c.Limits.PublicPerMinute != 60 || c.Limits.HoldsPerClient != 3 {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestPrecedence(t *testing.T) {
	p := writeTOML(t, "[http]\naddress = \"127.0.0.1:9000\"\npublic_url = \"https://tickets.example.org/\"\n[smtp]\nhost = \"mail.example.org\"\n")
	t.Setenv("ADMIT_HTTP__ADDRESS", "127.0.0.1:9100")
	t.Setenv("ADMIT_REMINDERS__OFFSETS", "48h, 30m")
	t.Setenv("ADMIT_PAYMENTS__HOLD_MINUTES", "45")
	t.Setenv("ADMIT_HTTP__TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7,fd00::/8")
	t.Setenv("ADMIT_LIMITS__PUBLIC_PER_MINUTE", "0")
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Address != "127.0.0.1:9100" {
		t.Errorf("environment should win: %s", c.HTTP.Address)
	}
	if c.HTTP.PublicURL != "https://tickets.example.org" {
		t.Errorf("public_url = %s (trailing slash kept?)", c.HTTP.PublicURL)
	}
	if c.SMTP.Host != "mail.example.org" {
		t.Errorf("file value lost: %q", c.SMTP.Host)
	}
	if !slices.Equal(c.Reminders.Offsets, []string{"48h", "30m"}) || c.Payments.HoldMinutes != 45 {
		t.Errorf("env lists and numbers: %v %d", c.Reminders.Offsets, c.Payments.HoldMinutes)
	}
	if !slices.Equal(c.HTTP.TrustedProxies, []string{"10.0.0.0/8", "192.0.2.7", "fd00::/8"}) || c.Limits.PublicPerMinute != 0 {
		t.Errorf("env trusted proxies and a limit switched off: %v %d", c.HTTP.TrustedProxies, c.Limits.PublicPerMinute)
	}
	proxies, err := c.Proxies()
	if err != nil || len(proxies) != 3 || proxies[1].String() != "192.0.2.7/32" {
		t.Errorf("proxies %v, %v", proxies, err)
	}
}

func TestValidateNamesTheKey(t *testing.T) {
	cases := []struct{ env, value, key string }{
		{"ADMIT_HTTP__ADDRESS", "nonsense", "http.address"},
		{"ADMIT_HTTP__PUBLIC_URL", "ftp://x", "http.public_url"},
		{"ADMIT_SMTP__TLS", "maybe", "smtp.tls"},
		{"ADMIT_SMTP__PORT", "70000", "smtp.port"},
		{"ADMIT_SMTP__FROM", "not an address", "smtp.from"},
		{"ADMIT_PAYMENTS__HOLD_MINUTES", "5", "payments.hold_minutes"},
		{"ADMIT_PAYMENTS__SERVICE_FEE_PERCENT", "150", "payments.service_fee_percent"},
		{"ADMIT_REMINDERS__OFFSETS", "tomorrow", "reminders.offsets"},
		{"ADMIT_WAITLIST__OFFER_HOURS", "0", "waitlist.offer_hours"},
		{"ADMIT_ADMIN__EMAIL", "admin@example.org", "admin.email"},
		{"ADMIT_LOG__LEVEL", "loud", "log.level"},
		{"ADMIT_ADMIN__IDLE_MINUTES", "4", "admin.idle_minutes"},
		{"ADMIT_ADMIN__IDLE_MINUTES", "721", "admin.idle_minutes"},
		{"ADMIT_AUTH__TOKEN_DAYS", "0", "auth.token_days"},
		{"ADMIT_AUTH__TOKEN_DAYS", "3651", "auth.token_days"},
		{"ADMIT_BACKUP__EVERY", "daily", "backup.every"},
		{"ADMIT_BACKUP__EVERY", "10s", "backup.every"},
		{"ADMIT_BACKUP__KEEP", "0", "backup.keep"},
		{"ADMIT_RECORDINGS__MAX_DEVICES", "0", "recordings.max_devices"},
		{"ADMIT_HTTP__TRUSTED_PROXIES", "10.0.0.0/8,localhost", "http.trusted_proxies"},
		{"ADMIT_HTTP__TRUSTED_PROXIES", "10.0.0.0/33", "http.trusted_proxies"},
		{"ADMIT_HTTP__FRAME_ANCESTORS", "example.com", "http.frame_ancestors"},
		{"ADMIT_HTTP__FRAME_ANCESTORS", "https://example.com/page", "http.frame_ancestors"},
		{"ADMIT_HTTP__FRAME_ANCESTORS", "javascript:alert(1)", "http.frame_ancestors"},
		{"ADMIT_HTTP__FRAME_ANCESTORS", "https://example.com;script-src *", "http.frame_ancestors"},
		{"ADMIT_HTTP__FRAME_ANCESTORS", "https://*", "http.frame_ancestors"},
		{"ADMIT_LIMITS__PUBLIC_PER_MINUTE", "-1", "limits.public_per_minute"},
		{"ADMIT_LIMITS__HOLDS_PER_CLIENT", "-3", "limits.holds_per_client"},
		{"ADMIT_LOG__FORMAT", "xml", "log.format"},
		{"ADMIT_METRICS__TOKEN", "short", "metrics.token"},
		{"ADMIT_METRICS__TOKEN", "with a space in it, long enough", "metrics.token"},
		{"ADMIT_HTTP__DOMAIN", "203.0.113.7", "http.domain"},
		{"ADMIT_HTTP__DOMAIN", "localhost", "http.domain"},
		{"ADMIT_HTTP__DOMAIN", "tickets.example.org:443", "http.domain"},
		{"ADMIT_HTTP__DOMAIN", "https://tickets.example.org", "http.domain"},
		{"ADMIT_HTTP__DOMAIN", "tickets..example.org", "http.domain"},
		{"ADMIT_HTTP__DOMAIN", "-tickets.example.org", "http.domain"},
		{"ADMIT_HTTP__DOMAIN", "tick ets.example.org", "http.domain"},
		{"ADMIT_HTTP__DOMAIN", "*.example.org", "http.domain"},
		{"ADMIT_HTTP__HTTPS_ADDRESS", "443", "http.https_address"},
		{"ADMIT_HTTP__REDIRECT_ADDRESS", ":0", "http.redirect_address"},
		{"ADMIT_HTTP__ACME_DIRECTORY", "http://acme.example.org/directory", "http.acme_directory"},
		{"ADMIT_HTTP__ACME_EMAIL", "not an address", "http.acme_email"},
	}
	for _, c := range cases {
		t.Run(c.key+"="+c.value, func(t *testing.T) {
			t.Setenv(c.env, c.value)
			_, err := Load("")
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Key != c.key {
				t.Fatalf("err = %v, want a FieldError on %s", err, c.key)
			}
		})
	}
}

// TestFrameAncestors: origins are kept as a frame-ancestors list takes
// them; none by default.
func TestFrameAncestors(t *testing.T) {
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := c.FrameOrigins(); len(got) != 0 {
		t.Fatalf("default: %v", got)
	}
	t.Setenv("ADMIT_HTTP__FRAME_ANCESTORS", "https://Example.com/, http://localhost:3000,https://*.example.org")
	if c, err = Load(""); err != nil {
		t.Fatal(err)
	}
	got, _ := c.FrameOrigins()
	if strings.Join(got, " ") != "https://example.com http://localhost:3000 https://*.example.org" {
		t.Fatalf("origins: %v", got)
	}
}

func TestUnknownKeys(t *testing.T) {
	p := writeTOML(t, "[smtp]\nhots = \"x\"\n")
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "smtp.hots") {
		t.Fatalf("err = %v", err)
	}
	t.Setenv("ADMIT_HTTP__ADRESS", "x")
	if _, err := Load(""); err == nil || !strings.Contains(err.Error(), "http.adress") {
		t.Fatalf("err = %v", err)
	}
}

func TestMissingFile(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "nope.toml")); err == nil {
		t.Fatal("a missing file must be an error")
	}
	if _, err := Load(writeTOML(t, "[http\naddress=")); err == nil {
		t.Fatal("a broken file must be an error")
	}
}

// demo is a payment provider's section as the registry describes it.
var demo = Section{Name: "demo", Keys: []SectionKey{
	{Name: "token"},
	{Name: "mode", Default: "test", Check: func(v string) string {
		if v != "test" && v != "live" {
			return "must be test or live"
		}
		return ""
	}},
}}

// TestSections: a provider's section is known, defaulted, checked and read
// from the file and the environment like the built-in ones; its unknown
// keys are refused; without the section its keys are unknown.
func TestSections(t *testing.T) {
	c, err := Load("", demo)
	if err != nil {
		t.Fatal(err)
	}
	if c.Providers["demo"]["mode"] != "test" || c.Providers["demo"]["token"] != "" {
		t.Fatalf("defaults: %v", c.Providers)
	}
	p := writeTOML(t, "[demo]\ntoken = \"abc\"\n")
	t.Setenv("ADMIT_DEMO__MODE", "live")
	if c, err = Load(p, demo); err != nil || c.Providers["demo"]["token"] != "abc" || c.Providers["demo"]["mode"] != "live" {
		t.Fatalf("file and environment: %v %v", c.Providers, err)
	}
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "demo.token") {
		t.Fatalf("without the section: %v", err)
	}
	t.Setenv("ADMIT_DEMO__MODE", "prod")
	var fe *FieldError
	if _, err := Load("", demo); !errors.As(err, &fe) || fe.Key != "demo.mode" || !strings.Contains(err.Error(), "must be test or live") {
		t.Fatalf("a value its check refuses: %v", err)
	}
	t.Setenv("ADMIT_DEMO__MODE", "test")
	t.Setenv("ADMIT_DEMO__TOKNE", "x")
	if _, err := Load("", demo); err == nil || !strings.Contains(err.Error(), "demo.tokne") {
		t.Fatalf("a misspelt key: %v", err)
	}
	if keys := Keys(demo); !slices.Contains(keys, "demo.mode") || !slices.Contains(keys, "demo.token") || slices.Contains(Keys(), "demo.mode") {
		t.Fatalf("keys: %v", keys)
	}
}

func TestHousekeepingKeys(t *testing.T) {
	t.Setenv("ADMIT_DATA__REPLICATED", "true")
	t.Setenv("ADMIT_BACKUP__DIR", "/var/backups/admit")
	t.Setenv("ADMIT_BACKUP__EVERY", "6h")
	t.Setenv("ADMIT_BACKUP__KEEP", "3")
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	every, err := c.BackupEvery()
	if !c.Data.Replicated || c.Backup.Dir != "/var/backups/admit" || every != 6*time.Hour || err != nil || c.Backup.Keep != 3 {
		t.Fatalf("%+v %+v %v", c.Data, c.Backup, every)
	}
}

// Every documented key loads, also those not used yet, so a configuration
// written from the documentation never stops the start.
func TestKeysNotUsedYetLoad(t *testing.T) {
	t.Setenv("ADMIT_RECORDINGS__MAX_DEVICES", "3")
	t.Setenv("ADMIT_WEBHOOKS__ALLOW_PRIVATE", "true")
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if c.Recordings.MaxDevices != 3 || !c.Webhooks.AllowPrivate {
		t.Fatalf("%+v %+v", c.Recordings, c.Webhooks)
	}
}
