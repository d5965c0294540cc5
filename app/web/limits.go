package web

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/time/rate"

	"github.com/admit/admit/app/model"
)

// Limits are the per-client limits of the public routes; a zero field
// switches its limit off.
type Limits struct {
	// PublicPerMinute counts public registrations (API and form),
	// waiting-list joins, quotes that carry a promo code and the payment
	// return and cancel pages, per client address.
	PublicPerMinute int
	// PromoFailuresPerHour counts promo codes that did not apply (quotes
	// and registrations), per client address.
	PromoFailuresPerHour int
}

// PromoFailuresPerHour is the failed promo codes a client may try per hour.
const PromoFailuresPerHour = 10

// Login limits: attempts per client address, and failed attempts per
// account. An account under attack slows down to one more guess a minute
// once its allowance is spent, and recovers on its own: nobody is locked
// out for good.
const (
	loginPerClientPerMinute = 10
	loginFailuresPerAccount = 10
	loginAccountRefill      = time.Minute
)

// buckets is a token bucket (golang.org/x/time/rate) per key: a client
// address or an account. Time is passed in, so tests move it. A bucket left
// alone until it is full again is no different from a new one, so it is
// forgotten: memory follows the clients seen within one refill period.
type buckets struct {
	every rate.Limit
	burst int
	full  time.Duration // an empty bucket is full again after this

	mu    sync.Mutex
	m     map[string]*bucket
	swept time.Time
}

type bucket struct {
	lim  *rate.Limiter
	used time.Time
}

// newBuckets allows burst at once per key, then one more every refill.
func newBuckets(burst int, refill time.Duration) *buckets {
	return &buckets{every: rate.Every(refill), burst: burst, full: refill * time.Duration(burst), m: map[string]*bucket{}}
}

// perPeriod allows n per period and key (n at once at most); nil when n is 0.
func perPeriod(n int, period time.Duration) *buckets {
	if n <= 0 {
		return nil
	}
	return newBuckets(n, period/time.Duration(n))
}

// get is key's bucket; it sweeps the forgotten ones once per refill period.
// The caller holds mu.
func (b *buckets) get(key string, now time.Time) *rate.Limiter {
	if now.Sub(b.swept) >= b.full {
		for k, v := range b.m {
			if now.Sub(v.used) >= b.full {
				delete(b.m, k)
			}
		}
		b.swept = now
	}
	e, ok := b.m[key]
	if !ok {
		e = &bucket{lim: rate.NewLimiter(b.every, b.burst)}
		b.m[key] = e
	}
	e.used = now
	return e.lim
}

// take spends one of key's tokens. When none is left it spends nothing and
// says how long until one is there.
func (b *buckets) take(key string, now time.Time) (bool, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	lim := b.get(key, now)
	if lim.AllowN(now, 1) {
		return true, 0
	}
	return false, b.until(lim, now)
}

// wait is how long until key has a token (0: it has one now), spending
// nothing.
func (b *buckets) wait(key string, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.until(b.get(key, now), now)
}

func (b *buckets) until(lim *rate.Limiter, now time.Time) time.Duration {
	missing := 1 - lim.TokensAt(now)
	if missing <= 0 {
		return 0
	}
	return time.Duration(math.Ceil(missing / float64(b.every) * float64(time.Second)))
}

// limiters are the server's buckets.
type limiters struct {
	public         *buckets // nil: off
	promoFailures  *buckets // nil: off
	loginClient    *buckets
	loginAccount   *buckets
	passwordClient *buckets
	// refusals bounds the audit log's writes of refusals by nobody signed
	// in, per client (audit.go).
	refusals *buckets
}

func newLimiters(l Limits) *limiters {
	return &limiters{
		public:         perPeriod(l.PublicPerMinute, time.Minute),
		promoFailures:  perPeriod(l.PromoFailuresPerHour, time.Hour),
		loginClient:    perPeriod(loginPerClientPerMinute, time.Minute),
		loginAccount:   newBuckets(loginFailuresPerAccount, loginAccountRefill),
		passwordClient: perPeriod(loginPerClientPerMinute, time.Minute),
		refusals:       perPeriod(anonymousRefusalsPerMinute, time.Minute),
	}
}

// rateLimited is the refusal of a request over a limit.
func rateLimited(wait time.Duration, message string) error {
	return &model.Problem{Err: model.ErrRateLimited, Message: message, RetryAfter: wait}
}

// setRetryAfter sets Retry-After, in whole seconds, when err says to wait.
func setRetryAfter(c *fiber.Ctx, err error) {
	var p *model.Problem
	if errors.As(err, &p) && p.RetryAfter > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.FormatInt(int64(math.Ceil(p.RetryAfter.Seconds())), 10))
	}
}

// limitPublic counts a public request against its client's allowance.
// Every public route that writes or probes goes through it: registrations,
// waiting-list joins, promo-code quotes, the return and cancel pages.
func (s *Server) limitPublic(c *fiber.Ctx) error {
	if s.limits.public == nil {
		return c.Next()
	}
	if ok, wait := s.limits.public.take(clientKey(clientOf(c)), s.Now()); !ok {
		return rateLimited(wait, "Too many requests from your address: wait a moment and try again.")
	}
	return c.Next()
}

// limitPromoQuote is limitPublic for quotes that carry a promo code; a
// plain price quote is not limited.
func (s *Server) limitPromoQuote(c *fiber.Ctx) error {
	if strings.TrimSpace(c.Query("promo_code")) == "" {
		return c.Next()
	}
	return s.limitPublic(c)
}

// checkPromo refuses a request that carries a promo code when its client
// has tried too many codes that did not apply.
func (s *Server) checkPromo(c *fiber.Ctx, code string) error {
	if s.limits.promoFailures == nil || strings.TrimSpace(code) == "" {
		return nil
	}
	if wait := s.limits.promoFailures.wait(clientKey(clientOf(c)), s.Now()); wait > 0 {
		return rateLimited(wait, "Too many promo codes from your address did not apply: wait before trying another one.")
	}
	return nil
}

// countPromo counts a promo code that did not apply against its client.
func (s *Server) countPromo(c *fiber.Ctx, err error) {
	if s.limits.promoFailures == nil {
		return
	}
	var p *model.Problem
	if errors.As(err, &p) && p.Code == promoInvalid {
		s.limits.promoFailures.take(clientKey(clientOf(c)), s.Now())
	}
}

// promoInvalid is the code of a promo code that does not apply.
const promoInvalid = "promo_invalid"

// limitLogin counts a login attempt against its client, and refuses it
// while the account has no failed attempt left.
func (s *Server) limitLogin(c *fiber.Ctx, email string) error {
	return s.limitSignIn(c, s.limits.loginClient, email)
}

// limitPasswordChange is limitLogin for password changes, which prove the
// current password: the same per-account allowance, a client allowance of
// their own.
func (s *Server) limitPasswordChange(c *fiber.Ctx, email string) error {
	return s.limitSignIn(c, s.limits.passwordClient, email)
}

func (s *Server) limitSignIn(c *fiber.Ctx, clients *buckets, email string) error {
	now := s.Now()
	if ok, wait := clients.take(clientKey(clientOf(c)), now); !ok {
		return rateLimited(wait, "Too many sign-in attempts from your address: wait a minute and try again.")
	}
	if wait := s.limits.loginAccount.wait(accountKey(email), now); wait > 0 {
		return rateLimited(wait, "Too many failed sign-ins for this account: wait a minute and try again.")
	}
	return nil
}

// loginFailed counts a failed attempt against the account.
func (s *Server) loginFailed(email string) {
	s.limits.loginAccount.take(accountKey(email), s.Now())
}

func accountKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }
