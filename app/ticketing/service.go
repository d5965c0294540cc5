// Package ticketing is Admit's domain: events, sessions, capacity,
// registrations and access tokens. Every change that must be atomic happens
// in one store transaction, together with the mail it sends.
package ticketing

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/admit/admit/app/logging"
	"github.com/admit/admit/app/mail"
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/recordings"
	"github.com/admit/admit/app/store"
)

// Subjects gives the subject line of a mail kind in a locale; the rest of the
// message is composed when it is delivered.
type Subjects interface {
	Subject(kind, locale string, data map[string]any) string
}

// Service runs the ticketing domain.
type Service struct {
	store  *store.Store
	secret []byte
	// sealer encrypts the provider credentials kept in the database.
	sealer    *sealer
	subjects  Subjects
	renderer  *mail.Renderer
	publicURL string
	hold      time.Duration
	// offer is how long a waiting-list offer holds its seat.
	offer time.Duration
	// holdsPerClient caps the unpaid holds of one client address on one
	// event (0: no cap).
	holdsPerClient int
	// feePercent is payments.service_fee_percent, recorded per registration.
	feePercent int64
	providers  *payment.Registry
	// providerTimeout bounds each call to a provider.
	providerTimeout time.Duration
	// modules are the payment providers this build offers.
	modules *payment.Modules
	// configCreds are providers set in the configuration (they win).
	configCreds map[string]map[string]string
	now         func() time.Time
	// reminders are the offsets of events that set none.
	reminders []time.Duration
	// subjectCache holds translated subject lines (see subject).
	subjectCache sync.Map
	// keys serializes requests that share an Idempotency-Key.
	keys keyLocks
	log  *slog.Logger
	// files keeps the recordings' files.
	files recordings.Storage
	// devices are the devices watching each registration's recordings.
	devices *devices
	// joins are the join-link openings recorded lately (see Attend).
	joins *recentJoins
	// brand caches the branding (nil: not read yet); SetBranding and the
	// logo's changes replace it.
	brand atomic.Pointer[model.Branding]
	// brandMu orders the branding's writes, so the cache ends as the
	// database does.
	brandMu sync.Mutex
	// hooks send the outgoing webhooks (outhooks.go).
	hooks *hooks
	// metrics counts payments and refunds (never nil).
	metrics Metrics
}

// Metrics counts what moves money, for /metrics.
type Metrics interface {
	// Payment: a provider event of kind (paid, failed, expired, refunded)
	// changed a registration.
	Payment(provider, kind string)
	// Refund: a refund sent to provider succeeded, failed (refused or given
	// up) or is retried.
	Refund(provider, outcome string)
	// Registration: a registration reached a status (the store tells each
	// one once its write committed, whatever path made it).
	Registration(outcome string)
}

type noMetrics struct{}

func (noMetrics) Payment(string, string) {}
func (noMetrics) Refund(string, string)  {}
func (noMetrics) Registration(string)    {}

// Options are the Service's dependencies.
type Options struct {
	// Secret keys the access tokens (at least 32 bytes, kept outside the
	// database so that a copy of the database alone opens no access link).
	Secret    []byte
	Subjects  Subjects
	Renderer  *mail.Renderer
	PublicURL string
	Hold      time.Duration
	// Offer is how long a waiting-list offer holds its seat
	// (waitlist.offer_hours; default 24 hours).
	Offer time.Duration
	// HoldsPerClient caps the unpaid holds one client address keeps on one
	// event at once (limits.holds_per_client; 0: no cap).
	HoldsPerClient int
	// ServiceFeePercent is recorded on each paid registration.
	ServiceFeePercent int64
	// Providers are the connected payment providers (nil: none).
	Providers *payment.Registry
	// ProviderTimeout bounds each call to a payment provider (0:
	// payment.DefaultTimeout); past it a registration answers
	// provider_error and its seat is released.
	ProviderTimeout time.Duration
	// Modules are the payment providers this build offers (nil: none);
	// main registers them.
	Modules *payment.Modules
	// ConfigCredentials are the providers' sections of the configuration
	// file and environment, by name.
	ConfigCredentials map[string]map[string]string
	// Reminders are the offsets before each session at which registrants
	// are reminded, for events that set none (reminders.offsets).
	Reminders []time.Duration
	// Recordings keeps the recordings' files (nil: uploads are refused).
	Recordings recordings.Storage
	// MaxDevices is how many devices (or networks) may watch one
	// registration's recordings at a time (recordings.max_devices; 0:
	// DefaultMaxDevices).
	MaxDevices int
	Now        func() time.Time
	Log        *slog.Logger

	// Webhooks configure the outgoing webhooks.
	Webhooks WebhookOptions
	// Metrics counts payments and refunds (nil: nothing counted).
	Metrics Metrics
}

// New creates the service.
func New(st *store.Store, o Options) (*Service, error) {
	if len(o.Secret) < 32 {
		return nil, errors.New("ticketing: the token secret must be at least 32 bytes")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	o.Log = logging.Wrap(o.Log) // lines logged with a request's or a job's context carry its id
	if o.Modules == nil {
		o.Modules = payment.NewModules()
	}
	if o.Providers == nil {
		o.Providers = payment.NewRegistry()
	}
	if o.Hold == 0 {
		o.Hold = 30 * time.Minute
	}
	if o.Metrics == nil {
		o.Metrics = noMetrics{}
	}
	if o.Offer == 0 {
		o.Offer = 24 * time.Hour
	}
	sealer, err := newSealer(o.Secret)
	if err != nil {
		return nil, err
	}
	s := &Service{store: st, secret: o.Secret, sealer: sealer, subjects: o.Subjects, renderer: o.Renderer, publicURL: o.PublicURL, hold: o.Hold, offer: o.Offer, holdsPerClient: o.HoldsPerClient, feePercent: o.ServiceFeePercent, providers: o.Providers, providerTimeout: o.ProviderTimeout, modules: o.Modules, configCreds: o.ConfigCredentials, reminders: o.Reminders, now: o.Now, log: o.Log, files: o.Recordings,
		devices: newDevices(o.MaxDevices), joins: newRecentJoins(), hooks: newHooks(o.Webhooks), metrics: o.Metrics}
	if st != nil { // nil: only the token helpers are used (bench/regbench)
		st.OnChange(s.queueHooks)
		st.OnOutcome(o.Metrics.Registration)
	}
	return s, nil
}

// PublicURL is the base of every link Admit sends.
func (s *Service) PublicURL() string { return s.publicURL }

const nonceSize = 16

// newToken draws a random nonce and derives the access token from it. The
// database keeps the nonce and the token's hash: the token itself can be
// derived again only with the secret, to re-send a lost access email.
func (s *Service) newToken() (nonce []byte, token string, hash []byte, err error) {
	nonce = make([]byte, nonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return nil, "", nil, fmt.Errorf("ticketing: random: %w", err)
	}
	token = s.tokenFor(nonce)
	return nonce, token, HashToken(token), nil
}

// tokenFor derives the access token of a registration from its nonce.
func (s *Service) tokenFor(nonce []byte) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("admit-access-v1:"))
	m.Write(nonce)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// HashToken is what the database stores of a token.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// AccessURL is the registrant's personal link.
func (s *Service) AccessURL(nonce []byte) string {
	return s.publicURL + "/a/" + s.tokenFor(nonce)
}
