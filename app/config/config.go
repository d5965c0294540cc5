// Package config loads Admit's typed configuration: built-in defaults, then a
// TOML file, then ADMIT_ environment variables (with __ for nesting). It is
// the only package that knows koanf.
package config

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/knadh/koanf/parsers/toml/v2"
	"github.com/knadh/koanf/providers/env"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/providers/structs"
	"github.com/knadh/koanf/v2"
)

// Config is every setting Admit reads (docs/API.md, "Configuration").
type Config struct {
	HTTP      HTTP      `koanf:"http"`
	Data      Data      `koanf:"data"`
	Admin     Admin     `koanf:"admin"`
	SMTP      SMTP      `koanf:"smtp"`
	Payments  Payments  `koanf:"payments"`
	Reminders Reminders `koanf:"reminders"`
	Waitlist  Waitlist  `koanf:"waitlist"`
	Auth      Auth      `koanf:"auth"`
	Limits    Limits    `koanf:"limits"`
	Log       Log       `koanf:"log"`
	Backup    Backup    `koanf:"backup"`
	// Recordings and Webhooks: see their types (docs/API.md,
	// "Configuration").
	Recordings Recordings `koanf:"recordings"`
	Webhooks   Webhooks   `koanf:"webhooks"`
	Metrics    Metrics    `koanf:"metrics"`
	// Providers are the payment providers' sections (the Sections given to
	// Load), by section and key, defaults filled in.
	Providers map[string]map[string]string `koanf:"-"`
}

// Section is a configuration section that a payment provider declares:
// main hands the payment registry's sections to Load, so that config knows
// which exist without naming any provider.
type Section struct {
	Name string
	Keys []SectionKey
}

// SectionKey is one key of a Section.
type SectionKey struct {
	Name    string
	Default string
	// Check says what is wrong with a value that is set, "" when nothing.
	Check func(v string) string
}

// Metrics: GET /metrics answers a scraper that sends this bearer token
// (empty: only an administrator's API token). A token of its own, rather
// than an admin's, because a scraper's configuration holds it in plain
// text for years: it must not expire with auth.token_days, nor be able to
// do anything but read the metrics.
type Metrics struct {
	Token string `koanf:"token"`
}

type HTTP struct {
	Address   string `koanf:"address"`
	PublicURL string `koanf:"public_url"`
	// TrustedProxies are the peers (CIDRs or addresses) whose
	// X-Forwarded-For names the client.
	TrustedProxies []string `koanf:"trusted_proxies"`
	// FrameAncestors are the origins (https://example.com) whose pages may
	// show the registration form in a frame (/e/{slug}?embed=1); none by
	// default.
	FrameAncestors []string `koanf:"frame_ancestors"`
	// Domain turns on automatic HTTPS: Admit itself serves
	// HTTPSAddress with a certificate for Domain from the ACME CA at
	// ACMEDirectory (kept under data.dir/certs), and RedirectAddress sends
	// plain HTTP there (and answers the CA's http-01 challenges). Address is
	// then unused. Empty: plain HTTP on Address, for a reverse proxy.
	Domain          string `koanf:"domain"`
	HTTPSAddress    string `koanf:"https_address"`
	RedirectAddress string `koanf:"redirect_address"`
	ACMEDirectory   string `koanf:"acme_directory"`
	// ACMEEmail is the contact the CA writes to about the certificates.
	ACMEEmail string `koanf:"acme_email"`
	// ACMECARoots is a PEM file of the roots that sign the ACME directory's
	// own HTTPS certificate, for a private or test CA (empty: the system's).
	ACMECARoots string `koanf:"acme_ca_roots"`
}

// LetsEncrypt is the default http.acme_directory.
const LetsEncrypt = "https://acme-v02.api.letsencrypt.org/directory"

type Data struct {
	Dir string `koanf:"dir"`
	// Replicated leaves WAL checkpoints to a replication tool (Litestream):
	// Admit then runs none of its own.
	Replicated bool `koanf:"replicated"`
}

// Backup is the scheduled online backups: none when Dir is empty.
type Backup struct {
	Dir   string `koanf:"dir"`
	Every string `koanf:"every"`
	Keep  int    `koanf:"keep"`
}

type Admin struct {
	Email    string `koanf:"email"`
	Password string `koanf:"password"`
	// IdleMinutes: an admin UI session ends after this many minutes
	// without a request.
	IdleMinutes int `koanf:"idle_minutes"`
}

type SMTP struct {
	Host     string `koanf:"host"`
	Port     int    `koanf:"port"`
	Username string `koanf:"username"`
	Password string `koanf:"password"`
	From     string `koanf:"from"`
	TLS      string `koanf:"tls"`
}

type Payments struct {
	HoldMinutes       int   `koanf:"hold_minutes"`
	ServiceFeePercent int64 `koanf:"service_fee_percent"`
}

// Reminders are sent before each session, at each offset ("24h", "1h"),
// for events that set none of their own.
type Reminders struct {
	Offsets []string `koanf:"offsets"`
}

// Waitlist: a freed seat offered to the first in line is held for them
// offer_hours.
type Waitlist struct {
	OfferHours int `koanf:"offer_hours"`
}

type Auth struct {
	TokenDays int `koanf:"token_days"`
}

// Limits are the per-client limits on public requests.
type Limits struct {
	// PublicPerMinute: public registrations, waiting-list joins, promo-code
	// quotes and the return and cancel pages, per client address (0: off).
	PublicPerMinute int `koanf:"public_per_minute"`
	// HoldsPerClient: unpaid holds per client address per event (0: off).
	HoldsPerClient int `koanf:"holds_per_client"`
}

// Recordings: how many devices or networks may stream one registration's
// recordings at once (a device counts while it fetched within the last 5
// minutes).
type Recordings struct {
	MaxDevices int `koanf:"max_devices"`
}

// Webhooks: whether outgoing webhooks may target private, loopback and
// other internal addresses (false: refused when an endpoint is added and
// again on each connection, after DNS resolution).
type Webhooks struct {
	AllowPrivate bool `koanf:"allow_private"`
}

type Log struct {
	Level  string `koanf:"level"`
	Format string `koanf:"format"`
}

// Default returns the built-in defaults, with which `go run .` serves.
func Default() Config {
	return Config{
		HTTP: HTTP{Address: "127.0.0.1:8080", PublicURL: "http://127.0.0.1:8080",
			TrustedProxies: []string{"127.0.0.0/8", "::1/128"}, FrameAncestors: []string{},
			HTTPSAddress: ":443", RedirectAddress: ":80", ACMEDirectory: LetsEncrypt},
		Data:       Data{Dir: "./data"},
		SMTP:       SMTP{Port: 587, From: "Admit <noreply@localhost>", TLS: "starttls"},
		Payments:   Payments{HoldMinutes: 30},
		Reminders:  Reminders{Offsets: []string{"24h", "1h"}},
		Waitlist:   Waitlist{OfferHours: 24},
		Auth:       Auth{TokenDays: 30},
		Admin:      Admin{IdleMinutes: 60},
		Limits:     Limits{PublicPerMinute: 60, HoldsPerClient: 3},
		Log:        Log{Level: "info", Format: "text"},
		Backup:     Backup{Every: "24h", Keep: 7},
		Recordings: Recordings{MaxDevices: 2},
	}
}

// EnvPrefix starts every environment variable Admit reads.
const EnvPrefix = "ADMIT_"

// Load reads defaults, then path (if not empty), then the ADMIT_ environment,
// and validates the result. An unknown key is an error, so a typo in a file
// or a variable never goes unnoticed. sections are the payment providers'
// (their keys are known, and checked, as the built-in ones).
func Load(path string, sections ...Section) (Config, error) {
	k := koanf.New(".")
	if err := k.Load(structs.Provider(Default(), "koanf"), nil); err != nil {
		return Config{}, fmt.Errorf("config defaults: %w", err)
	}
	for _, sec := range sections {
		for _, key := range sec.Keys {
			if err := k.Set(sec.Name+"."+key.Name, key.Default); err != nil {
				return Config{}, fmt.Errorf("config defaults: %w", err)
			}
		}
	}
	known := map[string]bool{}
	for _, key := range Keys(sections...) {
		known[key] = true
	}
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			return Config{}, fmt.Errorf("config file: %w", err)
		}
		if err := k.Load(file.Provider(path), toml.Parser()); err != nil {
			return Config{}, fmt.Errorf("config file %s: %w", path, err)
		}
	}
	if err := k.Load(env.ProviderWithValue(EnvPrefix, ".", envKey), nil); err != nil {
		return Config{}, fmt.Errorf("config environment: %w", err)
	}
	var unknown []string
	for _, key := range k.Keys() {
		if !known[key] {
			unknown = append(unknown, key)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return Config{}, fmt.Errorf("config: unknown key %s (config.example.toml lists every key)", strings.Join(unknown, ", "))
	}
	var c Config
	if err := k.UnmarshalWithConf("", &c, koanf.UnmarshalConf{Tag: "koanf"}); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	c.Providers = map[string]map[string]string{}
	for _, sec := range sections {
		c.Providers[sec.Name] = map[string]string{}
		for _, key := range sec.Keys {
			full := sec.Name + "." + key.Name
			v := strings.TrimSpace(fmt.Sprint(k.Get(full)))
			if v != "" && key.Check != nil {
				if msg := key.Check(v); msg != "" {
					return Config{}, &FieldError{Key: full, Problem: fmt.Sprintf("%q %s", v, msg)}
				}
			}
			c.Providers[sec.Name][key.Name] = v
		}
	}
	return c, nil
}

// listKeys are the keys that take a list, comma-separated in the
// environment.
var listKeys = map[string]bool{"reminders.offsets": true, "http.trusted_proxies": true, "http.frame_ancestors": true}

// envKey maps ADMIT_SMTP__HOST to smtp.host; a list (reminders.offsets,
// http.trusted_proxies) is comma-separated.
func envKey(name, value string) (string, any) {
	key := strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(name, EnvPrefix)), "__", ".")
	if !listKeys[key] {
		return key, value
	}
	parts := []string{}
	for _, p := range strings.Split(value, ",") {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return key, parts
}

// FieldError names a configuration key and what is wrong with it.
type FieldError struct {
	Key     string
	Problem string
}

func (e *FieldError) Error() string { return "config: " + e.Key + ": " + e.Problem }

// Validate checks every key and names the first one that is wrong.
func (c *Config) Validate() error {
	bad := func(key, format string, args ...any) error {
		return &FieldError{Key: key, Problem: fmt.Sprintf(format, args...)}
	}
	hostPort := func(key, v string) (string, error) {
		_, port, err := net.SplitHostPort(v)
		if err != nil {
			return "", bad(key, "%q is not host:port (%v)", v, err)
		}
		if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
			return "", bad(key, "%q: the port must be a number from 1 to 65535", v)
		}
		return port, nil
	}
	port, err := hostPort("http.address", c.HTTP.Address)
	if err != nil {
		return err
	}
	if err := c.validateHTTPS(hostPort); err != nil {
		return err
	}
	if c.HTTP.PublicURL == Default().HTTP.PublicURL && c.HTTP.Domain != "" {
		// Automatic HTTPS: links name the domain.
		c.HTTP.PublicURL = c.HTTPSOrigin()
	} else if c.HTTP.PublicURL == Default().HTTP.PublicURL && c.HTTP.Address != Default().HTTP.Address {
		// Only the address was set: links follow it.
		host, _, _ := net.SplitHostPort(c.HTTP.Address)
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		c.HTTP.PublicURL = "http://" + net.JoinHostPort(host, port)
	}
	u, err := url.Parse(c.HTTP.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return bad("http.public_url", "%q must be an absolute http(s) URL such as https://tickets.example.org", c.HTTP.PublicURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return bad("http.public_url", "%q must not have a query or fragment", c.HTTP.PublicURL)
	}
	c.HTTP.PublicURL = strings.TrimRight(c.HTTP.PublicURL, "/")
	if strings.TrimSpace(c.Data.Dir) == "" {
		return bad("data.dir", "must not be empty")
	}
	if (c.Admin.Email == "") != (c.Admin.Password == "") {
		return bad("admin.email", "admin.email and admin.password must be set together")
	}
	if c.Admin.Email != "" {
		if _, err := mail.ParseAddress(c.Admin.Email); err != nil {
			return bad("admin.email", "%q is not an email address", c.Admin.Email)
		}
		if len(c.Admin.Password) < 8 {
			return bad("admin.password", "must be at least 8 characters")
		}
	}
	if c.SMTP.Port < 1 || c.SMTP.Port > 65535 {
		return bad("smtp.port", "%d is not a port number", c.SMTP.Port)
	}
	switch c.SMTP.TLS {
	case "starttls", "tls", "none":
	default:
		return bad("smtp.tls", "%q must be starttls, tls or none", c.SMTP.TLS)
	}
	if _, err := mail.ParseAddress(c.SMTP.From); err != nil {
		return bad("smtp.from", "%q is not an address such as \"Admit <noreply@example.org>\"", c.SMTP.From)
	}
	for key, v := range map[string]string{"smtp.host": c.SMTP.Host, "smtp.username": c.SMTP.Username, "smtp.from": c.SMTP.From} {
		if strings.ContainsAny(v, "\r\n") {
			return bad(key, "must not contain line breaks")
		}
	}
	if c.Payments.HoldMinutes < 30 || c.Payments.HoldMinutes > 24*60 {
		return bad("payments.hold_minutes", "%d must be between 30 and 1440 (Stripe Checkout sessions live 30 minutes to 24 hours)", c.Payments.HoldMinutes)
	}
	if c.Payments.ServiceFeePercent < 0 || c.Payments.ServiceFeePercent > 100 {
		return bad("payments.service_fee_percent", "%d must be between 0 and 100", c.Payments.ServiceFeePercent)
	}
	if _, err := c.ReminderOffsets(); err != nil {
		return bad("reminders.offsets", "%v", err)
	}
	if c.Waitlist.OfferHours < 1 || c.Waitlist.OfferHours > 24*14 {
		return bad("waitlist.offer_hours", "%d must be between 1 and 336", c.Waitlist.OfferHours)
	}
	if _, err := c.BackupEvery(); err != nil {
		return bad("backup.every", "%v", err)
	}
	if c.Backup.Keep < 1 || c.Backup.Keep > 1000 {
		return bad("backup.keep", "%d must be between 1 and 1000", c.Backup.Keep)
	}
	if c.Recordings.MaxDevices < 1 || c.Recordings.MaxDevices > 100 {
		return bad("recordings.max_devices", "%d must be between 1 and 100", c.Recordings.MaxDevices)
	}
	if c.Admin.IdleMinutes < 5 || c.Admin.IdleMinutes > 720 {
		return bad("admin.idle_minutes", "%d must be between 5 and 720", c.Admin.IdleMinutes)
	}
	if c.Auth.TokenDays < 1 || c.Auth.TokenDays > 3650 {
		return bad("auth.token_days", "%d must be between 1 and 3650", c.Auth.TokenDays)
	}
	if _, err := c.Proxies(); err != nil {
		return bad("http.trusted_proxies", "%v", err)
	}
	if _, err := c.FrameOrigins(); err != nil {
		return bad("http.frame_ancestors", "%v", err)
	}
	if c.Limits.PublicPerMinute < 0 || c.Limits.PublicPerMinute > 100000 {
		return bad("limits.public_per_minute", "%d must be between 0 (off) and 100000", c.Limits.PublicPerMinute)
	}
	if c.Limits.HoldsPerClient < 0 || c.Limits.HoldsPerClient > 10000 {
		return bad("limits.holds_per_client", "%d must be between 0 (off) and 10000", c.Limits.HoldsPerClient)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return bad("log.level", "%q must be debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		return bad("log.format", "%q must be text or json", c.Log.Format)
	}
	if t := c.Metrics.Token; t != "" && (len(t) < 16 || len(t) > 256 || strings.ContainsFunc(t, func(r rune) bool { return r <= ' ' || r > '~' })) {
		return bad("metrics.token", "must be 16 to 256 printable ASCII characters without spaces (openssl rand -hex 32 makes one)")
	}
	return nil
}

// ReminderOffsets parses reminders.offsets ("24h", "1h", "30m").
func (c *Config) ReminderOffsets() ([]time.Duration, error) {
	var out []time.Duration
	for _, s := range c.Reminders.Offsets {
		d, err := time.ParseDuration(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a duration such as 24h or 30m", s)
		}
		if d <= 0 || d > 30*24*time.Hour {
			return nil, fmt.Errorf("%q must be between 1m and 720h", s)
		}
		out = append(out, d)
	}
	return out, nil
}

// BackupEvery parses backup.every ("24h", "6h", "30m").
func (c *Config) BackupEvery() (time.Duration, error) {
	d, err := time.ParseDuration(c.Backup.Every)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as 24h or 6h", c.Backup.Every)
	}
	if d < time.Minute || d > 30*24*time.Hour {
		return 0, fmt.Errorf("%q must be between 1m and 720h", c.Backup.Every)
	}
	return d, nil
}

// FrameOrigins parses http.frame_ancestors: origins such as
// "https://example.com", "http://localhost:3000" or "https://*.example.com",
// in lower case and without a trailing slash, as a Content-Security-Policy
// frame-ancestors source list takes them.
func (c *Config) FrameOrigins() ([]string, error) {
	out := make([]string, 0, len(c.HTTP.FrameAncestors))
	for _, s := range c.HTTP.FrameAncestors {
		s = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "/"))
		u, err := url.Parse(s)
		host := ""
		if err == nil {
			host = strings.TrimPrefix(u.Hostname(), "*.")
		}
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || host == "" || strings.Contains(host, "*") ||
			u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(s, " ;,'\"") {
			return nil, fmt.Errorf("%q is not an origin such as https://example.com (scheme and host, a port if any, no path)", s)
		}
		out = append(out, s)
	}
	return out, nil
}

// Proxies parses http.trusted_proxies: CIDRs ("10.0.0.0/8") or single
// addresses ("192.0.2.7", taken as /32 or /128).
func (c *Config) Proxies() ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(c.HTTP.TrustedProxies))
	for _, s := range c.HTTP.TrustedProxies {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8 or an address such as 192.0.2.7", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// HoldDuration is payments.hold_minutes as a duration.
func (c *Config) HoldDuration() time.Duration {
	return time.Duration(c.Payments.HoldMinutes) * time.Minute
}

// AdminIdle is admin.idle_minutes as a duration.
func (c *Config) AdminIdle() time.Duration {
	return time.Duration(c.Admin.IdleMinutes) * time.Minute
}

// TokenTTL is auth.token_days as a duration.
func (c *Config) TokenTTL() time.Duration {
	return time.Duration(c.Auth.TokenDays) * 24 * time.Hour
}

// Keys lists every configuration key, the sections' included, for
// documentation tests that compare config.example.toml to the struct.
func Keys(sections ...Section) []string {
	var keys []string
	var walk func(prefix string, t reflect.Type)
	walk = func(prefix string, t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if f.Tag.Get("koanf") == "-" {
				continue
			}
			name := prefix + f.Tag.Get("koanf")
			if f.Type.Kind() == reflect.Struct {
				walk(name+".", f.Type)
				continue
			}
			keys = append(keys, name)
		}
	}
	walk("", reflect.TypeOf(Config{}))
	for _, sec := range sections {
		for _, key := range sec.Keys {
			keys = append(keys, sec.Name+"."+key.Name)
		}
	}
	sort.Strings(keys)
	return keys
}

// Logger is the process's logger at log.level in log.format.
func (c *Config) Logger(w io.Writer) *slog.Logger {
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[c.Log.Level]
	opts := &slog.HandlerOptions{Level: level}
	if c.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
