// Package web is Admit's HTTP surface: the fiber app, one route table, one
// error handler, the JSON API and the server-rendered pages.
package web

import (
	"context"
	"io/fs"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/tus/tusd/v2/pkg/handler"
	"github.com/valyala/fasthttp"

	"github.com/admit/admit/app/auth"
	"github.com/admit/admit/app/i18n"
	"github.com/admit/admit/app/logging"
	"github.com/admit/admit/app/metrics"
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/recordings"
	"github.com/admit/admit/app/ticketing"
)

// BodyLimit is the largest request body accepted (413 beyond), but for an
// uploaded recording.
const BodyLimit = 1 << 20

// StreamTimeout bounds the sending of one answer of a recording (other
// answers: 60 seconds).
const StreamTimeout = 6 * time.Hour

// Outbox is what the admin API reads of the mail queue.
type Outbox interface {
	Outbox(ctx context.Context, status string, limit int) ([]model.OutboxMail, error)
}

// Pinger checks that the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps are the server's dependencies.
type Deps struct {
	Tickets *ticketing.Service
	Auth    *auth.Service
	Outbox  Outbox
	DB      Pinger
	// Jobs is the scheduler (nil: no jobs listed).
	Jobs Jobs
	// SMTP is the outgoing mail server, as the settings page shows it
	// (no Host: none, mail stays in the outbox).
	SMTP SMTPStatus
	I18n *i18n.Bundle
	// Pages is the contents of assets/public: page templates and static files.
	Pages fs.FS
	// Admin is the contents of assets/admin: the admin UI's templates.
	Admin fs.FS
	Log   *slog.Logger
	Now   func() time.Time
	// TrustedProxies are the peers whose X-Forwarded-For names the client
	// (http.trusted_proxies).
	TrustedProxies []netip.Prefix
	// Limits are the per-client limits (zero: off).
	Limits Limits
	// Uploads is the folder of resumable uploads (nil: the tus routes
	// answer 409).
	Uploads *recordings.Uploads
	// Metrics are served on GET /metrics (nil: the server's own, counting
	// only what it sees).
	Metrics *metrics.Metrics
	// MetricsToken is metrics.token (empty: admins' API tokens only).
	MetricsToken string
	// FrameAncestors are the origins that may frame an event's form
	// (http.frame_ancestors; embed.go).
	FrameAncestors []string
	// SendMail delivers the mail due now, as the outbox job does (nil: the
	// settings page's test mail waits for the job).
	SendMail func(ctx context.Context) error
}

// Server holds the handlers.
type Server struct {
	Deps
	pages *pages
	admin *pages
	// https: http.public_url is https, so browsers are told to keep to it
	// (Strict-Transport-Security).
	https  bool
	limits *limiters
	// tus is tusd's handler on Uploads (nil without).
	tus *handler.UnroutedHandler
	// metricsHandler serves Metrics; routes label the latency histogram
	// (metrics.go).
	metricsHandler fiber.Handler
	routeNames     map[string]string
	// auditRoutes are the routes the audit log knows (audit.go).
	auditRoutes auditRouteTable
}

// New builds the fiber app with every route.
func New(d Deps) (*fiber.App, error) {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	d.Log = logging.Wrap(d.Log) // lines logged with a request's context carry its id
	if d.Now == nil {
		d.Now = time.Now
	}
	p, err := newPages(d.Pages, d.I18n, d.Tickets.Modules(), pageNames)
	if err != nil {
		return nil, err
	}
	a, err := newPages(d.Admin, d.I18n, d.Tickets.Modules(), adminPageNames)
	if err != nil {
		return nil, err
	}
	p.brand, p.embeddable = d.Tickets.Branding, embeddable
	d.Metrics = newMetrics(d)
	s := &Server{Deps: d, pages: p, admin: a, https: strings.HasPrefix(strings.ToLower(d.Tickets.PublicURL()), "https://"),
		limits: newLimiters(d.Limits)}
	app := fiber.New(fiber.Config{
		AppName:               "Admit",
		BodyLimit:             BodyLimit,
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		ReadBufferSize:        16 << 10,
		// Bodies are streamed so that a recording goes to disk as it
		// arrives; boundedBodies keeps BodyLimit on every other route.
		// Multipart bodies are never parsed ahead of the handler (fasthttp
		// would spool any size to temporary files).
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
	})
	// A recording may take hours to send to a slow client, and fasthttp's
	// WriteTimeout bounds the whole answer: recordings get StreamTimeout.
	app.Server().HeaderReceived = func(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
		if isStream(h) {
			return fasthttp.RequestConfig{WriteTimeout: StreamTimeout}
		}
		return fasthttp.RequestConfig{}
	}
	if d.Uploads != nil {
		if s.tus, err = s.newTus(); err != nil {
			return nil, err
		}
	}
	s.metricsHandler = metricsRoute(d.Metrics)
	s.routes(app)
	s.routeNames = routeLabels(app)
	s.auditRoutes = auditRoutes(app)
	return app, nil
}
