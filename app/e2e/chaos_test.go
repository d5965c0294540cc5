package e2e

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/admit/admit/app/clocktest"
	"github.com/admit/admit/app/mail/mailtest"
	"github.com/admit/admit/plugins/paypal/paypaltest"
	"github.com/admit/admit/plugins/stripe/stripetest"
)

// TestChaos runs the real binary with Stripe (stripe-mock behind a proxy
// that keeps its state, chaos_stripe_test.go), PayPal (the fake of
// plugins/paypal/paypaltest) and SMTP (app/mail/mailtest), drives a mixed
// load at it from several clients — free and paid registrations on events
// of a few seats, webhooks of both providers in every order and twice,
// return pages before and after the capture, refunds by the organizer,
// cancellations by registrants and by the organizer (one while the buyer
// pays) — and SIGKILLs it once enough answers were
// acknowledged. It then restarts it on the same data, redelivers what a
// provider or a client would (webhooks not answered 2xx, return pages and
// refunds whose answer was lost), lets the outbox and the refunds drain,
// and checks the invariants:
//
//   - no event holds more confirmed and held seats than its capacity;
//   - every registration answered 201 is there;
//   - every confirmed registration (paid or free) has exactly one access
//     email in the mailbox, read as a mail client reads it (one message per
//     Message-ID) and counted by recipient and access token, and no
//     registration that was never paid has one;
//   - per registration, what Admit says was paid and refunded is what the
//     provider holds: the PayPal fake's captures and refunds, and for Stripe
//     the ledger of the proxy (the payments the test made as the buyer, the
//     refunds Admit asked stripe-mock for); and no money reached a provider
//     that Admit has not recorded;
//   - `admit reconcile` on the data, the server stopped, reports 0
//     mismatches and 0 payments not checked. Its Stripe look-ups are
//     answered from the proxy's ledger (stripe-mock answers one fixture for
//     any PaymentIntent); its PayPal look-ups from the fake's own state.
func TestChaos(t *testing.T) {
	t.Parallel()
	mock, err := stripetest.Start()
	if err != nil {
		stripetest.Missing(t, err)
	}
	t.Cleanup(mock.Close)
	c := newChaos(t, mock.URL)
	c.setUp()

	// The mixed load; SIGKILL once chaosKillAfter answers were 2xx, and
	// again as the SMTP server takes an access email; the load goes on
	// each time the server is back.
	c.startWorkers(chaosWorkers)
	c.waitAcked(chaosKillAfter)
	c.kill()
	c.restart()
	c.killOnAccessMail()
	c.restart()
	c.workers.Wait()
	t.Logf("%d stories, %d answers 2xx, %d registrations refused for want of a seat, %d steps to redo",
		c.stories.Load(), c.acked.Load(), c.soldOut.Load(), len(c.redoList()))

	// Phase 2: what a provider or a client does when it got no answer.
	c.redo()
	c.drain()
	c.check()
}

const (
	chaosWorkers   = 8
	chaosKillAfter = 60
	// chaosMaxStories is the whole load, before and after the kill.
	chaosMaxStories = 300
	whsec           = "whsec_chaos_test_secret"
)

// chaosEvent is one event of the test and what the test knows of it.
type chaosEvent struct {
	event
	Title     string
	Capacity  int64
	Providers []string // none: free
}

// chaosReg is a registration the server answered 201.
type chaosReg struct {
	ID       int64
	Event    *chaosEvent
	Email    string
	Provider string
	Order    string // PayPal's order id
}

type chaos struct {
	t      *testing.T
	dir    string
	smtp   *mailtest.Server
	paypal *paypaltest.Server
	stripe *stripeSide

	mu     sync.Mutex
	srv    *server
	base   string // "" while the server is down
	token  string
	events []*chaosEvent
	regs   map[int64]*chaosReg
	todo   []func() error // to redo once the server is back
	hooks  []hook         // webhooks not answered 2xx
	fails  []string       // answers that break the contract

	acked       atomic.Int64
	soldOut     atomic.Int64 // registrations refused: no seat left
	stories     atomic.Int64
	up          chan struct{} // closed while the server runs
	changed     chan struct{} // closed, then replaced, at each 2xx
	workers     sync.WaitGroup
	client      *http.Client
	hookAnswers map[string]int // webhooks answered 2xx, by provider and status (applied, duplicate, ignored)
}

// hook is a webhook as a provider delivers it.
type hook struct {
	provider string
	body     []byte
	header   http.Header // PayPal's signature headers; Stripe's is made at each delivery
}

func newChaos(t *testing.T, stripeMock string) *chaos {
	dir := t.TempDir()
	return &chaos{
		t: t, dir: dir,
		smtp:        mailtest.NewServer(t),
		paypal:      paypaltest.NewServer(t, paypaltest.ClientID, paypaltest.Secret),
		stripe:      newStripeSide(t, stripeMock),
		regs:        map[int64]*chaosReg{},
		hookAnswers: map[string]int{},
		changed:     make(chan struct{}),
		up:          make(chan struct{}),
		client:      keepAliveClient(2*chaosWorkers, 30*time.Second),
	}
}

func (c *chaos) env() []string {
	host, port := c.smtp.Addr()
	return []string{
		"ADMIT_SMTP__HOST=" + host, fmt.Sprintf("ADMIT_SMTP__PORT=%d", port), "ADMIT_SMTP__TLS=none",
		"ADMIT_STRIPE__SECRET_KEY=" + stripetest.Key, "ADMIT_STRIPE__WEBHOOK_SECRET=" + whsec,
		"ADMIT_STRIPE__API_BASE=" + c.stripe.URL(),
		"ADMIT_PAYPAL__CLIENT_ID=" + paypaltest.ClientID, "ADMIT_PAYPAL__CLIENT_SECRET=" + paypaltest.Secret,
		"ADMIT_PAYPAL__API_BASE=" + c.paypal.URL, "ADMIT_PAYPAL__WEBHOOK_ID=" + c.paypal.WebhookID,
		// Every buyer comes from 127.0.0.1.
		"ADMIT_LIMITS__HOLDS_PER_CLIENT=0",
	}
}

func (c *chaos) setUp() {
	c.srv = startServer(c.t, serverOpts{Dir: c.dir, DataDir: filepath.Join(c.dir, "data"), Admin: true, Env: c.env()})
	c.base, c.token = c.srv.base, c.srv.login(c.t, adminEmail, adminPassword)
	close(c.up)
	for _, e := range []*chaosEvent{
		{Title: "Chaos free A", Capacity: 6},
		{Title: "Chaos free B", Capacity: 9},
		{Title: "Chaos Stripe", Capacity: 6, Providers: []string{"stripe"}},
		{Title: "Chaos PayPal", Capacity: 6, Providers: []string{"paypal"}},
		{Title: "Chaos both", Capacity: 5, Providers: []string{"stripe", "paypal"}},
	} {
		var paid map[string]any
		if len(e.Providers) > 0 {
			paid = map[string]any{"price": map[string]any{"amount": 1999, "currency": "EUR"}, "providers": e.Providers}
		}
		e.event = c.srv.createEvent(c.t, c.token, e.Title, e.Capacity, paid)
		c.events = append(c.events, e)
	}
}

// ---------------------------------------------------------------- load

// story is one registrant's (and their organizer's) actions; n picks which.
func (c *chaos) story(n int64) error {
	free := func(i int) *chaosEvent { return c.events[i] }
	switch n % 10 {
	case 0, 1:
		_, err := c.register(n, free(int(n%2)), "")
		return err
	case 2: // free, then the registrant cancels with the link of their access email
		r, err := c.register(n, free(0), "")
		if r == nil || err != nil {
			return err
		}
		return c.registrantCancels(r)
	case 3: // Stripe, the payment's webhook once, then the buyer's return
		return c.stripeStory(n, c.events[2], false, false)
	case 4: // Stripe, the webhook twice at once, then a partial refund and the rest
		return c.stripeStory(n, c.events[2], true, true)
	case 5: // PayPal: the return page captures, then its webhook (twice)
		_, err := c.paypalStory(n, c.events[3], false, false)
		return err
	case 6: // PayPal: captured elsewhere, its webhook first, then the return page; then a refund
		_, err := c.paypalStory(n, c.events[3], true, true)
		return err
	case 7:
		r, err := c.register(n, c.events[4], "stripe")
		if r == nil || err != nil || n%20 == 7 {
			return err // both providers, Stripe: a hold never paid
		}
		return c.paidWhileCancelled(r)
	case 8: // both providers, PayPal, then the registrant cancels (no refund)
		r, err := c.paypalStory(n, c.events[4], n%4 == 0, false)
		if r == nil || err != nil {
			return err
		}
		return c.registrantCancels(r)
	default: // both providers, Stripe: the buyer's return before the webhook, then a refund in full
		return c.stripeStory(n, c.events[4], false, true)
	}
}

func chaosEmail(n int64) string { return fmt.Sprintf("chaos-%d@example.org", n) }

func (c *chaos) startWorkers(n int) {
	var seq atomic.Int64
	for w := 0; w < n; w++ {
		c.workers.Add(1)
		go func() {
			defer c.workers.Done()
			for {
				c.mu.Lock()
				up := c.up
				c.mu.Unlock()
				<-up // no new story while the server is down
				i := seq.Add(1)
				if i > chaosMaxStories {
					return
				}
				c.stories.Add(1)
				if err := c.story(i); err != nil {
					c.t.Logf("story %d: %v", i, err)
				}
			}
		}()
	}
}

// errDown is a request the server did not answer: it was killed, or is
// still starting again. The step is queued to be done again.
var errDown = errors.New("no answer")

// do sends one request to the running server. A transport error is
// errDown; a 2xx counts as acknowledged.
func (c *chaos) do(method, path string, header http.Header, body []byte) (int, []byte, error) {
	c.mu.Lock()
	base := c.base
	c.mu.Unlock()
	if base == "" {
		return 0, nil, errDown
	}
	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := c.client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %s %s: %v", errDown, method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %s %s: %v", errDown, method, path, err)
	}
	if res.StatusCode/100 == 2 {
		c.ack()
	}
	return res.StatusCode, b, nil
}

func jsonHeader(token string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return h
}

func (c *chaos) ack() {
	c.acked.Add(1)
	c.mu.Lock()
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

// fail records an answer that breaks the API's contract.
func (c *chaos) fail(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fails = append(c.fails, fmt.Sprintf(format, args...))
}

// later queues a step to be done again once the server is back.
func (c *chaos) later(step func() error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.todo = append(c.todo, step)
}

func (c *chaos) redoList() []func() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.todo
}

// register posts a registration; nil without error when refused (sold out).
func (c *chaos) register(n int64, e *chaosEvent, provider string) (*chaosReg, error) {
	in := map[string]any{"name": fmt.Sprintf("Chaos %d", n), "email": chaosEmail(n)}
	if provider != "" {
		in["provider"] = provider
	}
	b, _ := json.Marshal(in)
	status, body, err := c.do("POST", "/api/v1/public/events/"+e.Slug+"/registrations", jsonHeader(""), b)
	if err != nil {
		return nil, err // not acknowledged: nothing to check (a client would try again)
	}
	switch status {
	case http.StatusCreated:
	case http.StatusConflict: // sold_out
		c.soldOut.Add(1)
		return nil, nil
	default:
		c.fail("register %d on %s: %d %s", n, e.Title, status, body)
		return nil, nil
	}
	var out struct {
		Registration struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		} `json:"registration"`
		CheckoutURL string `json:"checkout_url"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Registration.ID == 0 {
		c.fail("register %d: 201 %s", n, body)
		return nil, nil
	}
	r := &chaosReg{ID: out.Registration.ID, Event: e, Email: chaosEmail(n), Provider: provider}
	if provider == "paypal" {
		u, err := url.Parse(out.CheckoutURL)
		if err != nil || u.Query().Get("token") == "" {
			c.fail("registration %d: checkout_url %q", r.ID, out.CheckoutURL)
			return nil, nil
		}
		r.Order = u.Query().Get("token")
	}
	c.mu.Lock()
	c.regs[r.ID] = r
	c.mu.Unlock()
	return r, nil
}

// orDo does step now; when the server does not answer, it is done again
// once it is back.
func (c *chaos) orLater(step func() error) error {
	err := step()
	if errors.Is(err, errDown) {
		c.later(step)
	}
	return err
}

// stripeStory: register with Stripe and pay. With dup, the payment's
// webhook comes twice at once, then a refund of 500 and one of the rest;
// else the buyer comes back to the return page after the webhook, or
// (refund) before it, and everything is refunded at once. The return page
// learns the payment from the session (event id status:…), the webhook
// from the event: two ids, one payment.
func (c *chaos) stripeStory(n int64, e *chaosEvent, dup, refund bool) error {
	r, err := c.register(n, e, "stripe")
	if r == nil || err != nil {
		return err
	}
	paid, err := c.stripe.pay(r.ID)
	if err != nil {
		c.fail("%v", err)
		return nil
	}
	h := hook{provider: "stripe", body: paid}
	switch {
	case dup:
		c.deliverConcurrently(h, h)
	case refund:
		if err := c.orLater(func() error { return c.stripeReturn(r) }); err != nil {
			c.hookLater(h)
			return err
		}
		c.deliver(h)
	default:
		c.deliver(h)
		if err := c.orLater(func() error { return c.stripeReturn(r) }); err != nil {
			return err
		}
	}
	if !refund {
		return nil
	}
	if dup { // partial first
		if err := c.orLater(func() error { return c.refund(r, 500) }); err != nil {
			return err
		}
	}
	if err := c.orLater(func() error { return c.refund(r, 0) }); err != nil {
		return err
	}
	c.pumpStripe()
	return nil
}

// paidWhileCancelled: the buyer pays at Stripe while the organizer cancels
// the registration; whichever Admit hears of first, the money is either
// kept with the registration (cancelled after it was paid: no refund) or
// refunded in full (paid after it was cancelled).
func (c *chaos) paidWhileCancelled(r *chaosReg) error {
	paid, err := c.stripe.pay(r.ID)
	if err != nil {
		c.fail("%v", err)
		return nil
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); c.deliver(hook{provider: "stripe", body: paid}) }()
	again := false
	err = c.orLater(func() error {
		c.mu.Lock()
		token := c.token
		c.mu.Unlock()
		status, body, err := c.do("POST", fmt.Sprintf("/api/v1/registrations/%d/cancel", r.ID), jsonHeader(token), nil)
		// Asked again after a lost answer, it may be cancelled already.
		if err == nil && status != http.StatusOK && !(again && status == http.StatusConflict) {
			c.fail("organizer cancel of %d: %d %s", r.ID, status, body)
		}
		again = true
		return err
	})
	wg.Wait()
	c.pumpStripe()
	return err
}

// stripeReturn is the buyer coming back from Stripe's page.
func (c *chaos) stripeReturn(r *chaosReg) error {
	path, err := c.stripe.returnPath(r.ID)
	if err != nil {
		return err
	}
	status, body, err := c.do("GET", path, nil, nil)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		c.fail("Stripe return of registration %d: %d %s", r.ID, status, tail(string(body), 300))
	}
	return nil
}

// hookLater keeps a webhook Stripe or PayPal has yet to send: it goes with
// the redeliveries.
func (c *chaos) hookLater(h hook) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hooks = append(c.hooks, h)
}

// paypalStory: register with PayPal, approve, then either the return page
// captures and the webhooks follow, or (outsideFirst) the order is
// captured elsewhere, its webhook comes first and the return page after.
// refund refunds 700 and then the rest.
func (c *chaos) paypalStory(n int64, e *chaosEvent, outsideFirst, refund bool) (*chaosReg, error) {
	r, err := c.register(n, e, "paypal")
	if r == nil || err != nil {
		return nil, err
	}
	c.paypal.Approve(r.Order)
	if outsideFirst {
		c.paypal.CaptureOrder(r.Order)
		c.pumpPayPal()
	}
	if err := c.orLater(func() error { return c.paypalReturn(r) }); err != nil {
		return r, err
	}
	c.pumpPayPal()
	if !refund {
		return r, nil
	}
	if err := c.orLater(func() error { return c.refund(r, 700) }); err != nil {
		return nil, err
	}
	if err := c.orLater(func() error { return c.refund(r, 0) }); err != nil {
		return nil, err
	}
	c.pumpPayPal()
	return r, nil
}

// paypalReturn is the buyer coming back from PayPal (again, after a lost
// answer: reloading the page is harmless).
func (c *chaos) paypalReturn(r *chaosReg) error {
	ret, err := url.Parse(c.paypal.Order(r.Order).ReturnURL)
	if err != nil {
		return err
	}
	q := ret.Query()
	q.Set("token", r.Order)
	q.Set("PayerID", "CHAOSPAYER")
	status, body, err := c.do("GET", ret.Path+"?"+q.Encode(), nil, nil)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		c.fail("PayPal return of registration %d: %d %s", r.ID, status, tail(string(body), 300))
	}
	return nil
}

// refund is the organizer refunding amount (0: the rest). A 409 (nothing
// left, or an earlier refund still on its way) is an answer the organizer
// may get after a lost one; anything else but 200 is not.
func (c *chaos) refund(r *chaosReg, amount int64) error {
	var body []byte
	if amount > 0 {
		body, _ = json.Marshal(map[string]int64{"amount": amount})
	}
	c.mu.Lock()
	token := c.token
	c.mu.Unlock()
	status, out, err := c.do("POST", fmt.Sprintf("/api/v1/registrations/%d/refund", r.ID), jsonHeader(token), body)
	if err != nil {
		return err
	}
	if status != http.StatusOK && status != http.StatusConflict {
		c.fail("refund %d of registration %d: %d %s", amount, r.ID, status, out)
	}
	return nil
}

// accessLink finds a registration's access token in its access email.
var accessLink = regexp.MustCompile(`/a/([A-Za-z0-9_-]{16,})`)

// registrantCancels waits for the registration's access email, then
// cancels with its link.
func (c *chaos) registrantCancels(r *chaosReg) error {
	token := c.waitAccessToken(r)
	if token == "" {
		return nil // no access email (the payment did not confirm it): checked at the end
	}
	return c.orLater(func() error {
		status, body, err := c.do("POST", "/a/"+token+"/cancel", http.Header{"Accept": {"application/json"}}, nil)
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			c.fail("registrant cancel of %d: %d %s", r.ID, status, body)
		}
		return nil
	})
}

// waitAccessToken waits (at most 45 s) for the access email of r; "" when
// none came. It wakes as each mail arrives.
func (c *chaos) waitAccessToken(r *chaosReg) string {
	token := ""
	c.smtp.WaitUntil(45*time.Second, func(msgs []mailtest.Received) bool {
		for _, m := range accessMails(msgs, r.Event.Title) {
			if m.to == r.Email {
				token = m.token
				return true
			}
		}
		return false
	})
	return token
}

// deliver POSTs a webhook as its provider would; one not answered 2xx is
// kept to be delivered again.
func (c *chaos) deliver(h hook) {
	header := h.header.Clone()
	if header == nil {
		header = http.Header{}
	}
	header.Set("Content-Type", "application/json")
	if h.provider == "stripe" {
		header.Set("Stripe-Signature", stripetest.Sign(whsec, time.Now(), h.body))
	}
	status, body, err := c.do("POST", "/webhooks/"+h.provider, header, h.body)
	switch {
	case err != nil || status/100 == 5:
		c.hookLater(h)
	case status/100 != 2:
		c.fail("webhook %s: %d %s\n%s", h.provider, status, body, h.body)
	default:
		var out struct{ Status string }
		_ = json.Unmarshal(body, &out)
		c.mu.Lock()
		c.hookAnswers[h.provider+" "+out.Status]++
		c.mu.Unlock()
	}
}

// deliverConcurrently delivers hooks at the same moment.
func (c *chaos) deliverConcurrently(hooks ...hook) {
	var wg sync.WaitGroup
	for _, h := range hooks {
		wg.Add(1)
		go func() { defer wg.Done(); c.deliver(h) }()
	}
	wg.Wait()
}

// pumpPayPal delivers what PayPal queued: newest first, every other one
// twice at once.
func (c *chaos) pumpPayPal() {
	ds := c.paypal.Webhooks()
	for i := len(ds) - 1; i >= 0; i-- {
		h := hook{provider: "paypal", body: ds[i].Body, header: ds[i].Header}
		if i%2 == 0 {
			c.deliverConcurrently(h, h)
		} else {
			c.deliver(h)
		}
	}
}

// pumpStripe delivers the charge.refunded events Stripe queued: newest
// first (an older total after a newer one), every other one twice.
func (c *chaos) pumpStripe() {
	evs := c.stripe.takeEvents()
	for i := len(evs) - 1; i >= 0; i-- {
		h := hook{provider: "stripe", body: evs[i]}
		if i%2 == 0 {
			c.deliverConcurrently(h, h)
		} else {
			c.deliver(h)
		}
	}
}

// waitAcked waits until n answers were 2xx (at most clocktest.Patience
// of a minute).
func (c *chaos) waitAcked(n int64) {
	timeout := time.After(clocktest.Patience(c.t, time.Minute))
	done := make(chan struct{})
	go func() { c.workers.Wait(); close(done) }()
	for {
		c.mu.Lock()
		changed := c.changed
		c.mu.Unlock()
		if c.acked.Load() >= n {
			return
		}
		select {
		case <-changed:
		case <-done:
			c.t.Fatalf("the load ended after %d answers 2xx, before the %d the kill waits for", c.acked.Load(), n)
		case <-timeout:
			c.t.Fatalf("only %d answers 2xx, the kill waits for %d", c.acked.Load(), n)
		}
	}
}

// killOnAccessMail SIGKILLs the server when the SMTP server takes the next
// access email, before it answers 250; or after 20 s without one (the
// outbox sends every 2 s, and the load queues access emails all along).
func (c *chaos) killOnAccessMail() {
	var once sync.Once
	done := make(chan struct{})
	c.smtp.OnMessage(func(m mailtest.Received) {
		if strings.HasPrefix(m.Subject, "Your access to ") {
			once.Do(func() {
				c.kill()
				c.t.Logf("SIGKILL while the SMTP server took %q to %v", m.Subject, m.To)
				close(done)
			})
		}
	})
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		once.Do(func() {
			c.kill()
			c.t.Logf("no access email in 20 s: SIGKILL without one")
			close(done)
		})
	}
	c.smtp.OnMessage(nil)
}

func (c *chaos) kill() {
	c.mu.Lock()
	srv := c.srv
	c.base, c.up = "", make(chan struct{})
	c.mu.Unlock()
	srv.kill()
	c.t.Logf("SIGKILL after %d answers 2xx, %d registrations refused for want of a seat", c.acked.Load(), c.soldOut.Load())
}

func (c *chaos) restart() {
	s := c.srv.restart(c.t)
	token := s.login(c.t, adminEmail, adminPassword)
	c.mu.Lock()
	c.srv, c.base, c.token = s, s.base, token
	close(c.up)
	c.mu.Unlock()
}

// redo does what got no answer again, delivers the webhooks not answered
// 2xx (with Stripe's signature of now, as a redelivery has), and what the
// providers queued meanwhile, until every one is answered.
func (c *chaos) redo() {
	c.mu.Lock()
	todo, hooks := c.todo, c.hooks
	c.todo, c.hooks = nil, nil
	c.mu.Unlock()
	for _, step := range todo {
		if err := step(); err != nil {
			c.t.Fatalf("again after the restart: %v", err)
		}
	}
	for _, h := range hooks {
		c.deliver(h)
	}
	c.pumpPayPal()
	c.pumpStripe()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.hooks) > 0 || len(c.todo) > 0 {
		c.t.Fatalf("after the restart, %d webhooks and %d steps still got no 2xx answer", len(c.hooks), len(c.todo))
	}
}

// drain waits until the outbox has no queued mail and no refund is still
// on its way, as the admin API and the database (read-only) show.
func (c *chaos) drain() {
	db := openReadOnly(c.t, filepath.Join(c.dir, "data", "admit.db"))
	deadline := time.Now().Add(clocktest.Patience(c.t, 90*time.Second))
	for {
		var out struct {
			Items []json.RawMessage `json:"items"`
		}
		if status := api(c.t, httpClient, "GET", c.srv.base+"/api/v1/outbox?status=queued", c.token, nil, &out); status != http.StatusOK {
			c.t.Fatalf("GET /api/v1/outbox: %d", status)
		}
		refunds := queuedRefunds(c.t, db)
		if len(out.Items) == 0 && refunds == 0 {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%d mails and %d refunds still queued", len(out.Items), refunds)
		}
		time.Sleep(100 * time.Millisecond) // polling a condition: the outbox
	}
}

func queuedRefunds(t testing.TB, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM refunds WHERE status = 'queued'`).Scan(&n); err != nil {
		t.Fatalf("queued refunds: %v", err)
	}
	return n
}

// ---------------------------------------------------------------- checks

// adminReg is a registration as GET /api/v1/events/{id}/registrations
// answers it.
type adminReg struct {
	ID             int64  `json:"id"`
	Email          string `json:"email"`
	Status         string `json:"status"`
	Provider       string `json:"provider"`
	PaymentID      string `json:"payment_id"`
	AmountPaid     int64  `json:"amount_paid"`
	AmountRefunded int64  `json:"amount_refunded"`
	Currency       string `json:"currency"`
}

// seated are the statuses that hold a seat.
var seated = map[string]bool{"confirmed": true, "partially_refunded": true, "pending_payment": true, "pending_approval": true}

// hasAccess are the statuses whose registrant got their access.
var hasAccess = map[string]bool{"confirmed": true, "partially_refunded": true}

type mailRef struct{ to, token, messageID string }

// accessMails are the access emails of an event in a mailbox, read as a
// mail client would: the parsed message, its subject, its recipient and
// the access link in its text.
func accessMails(msgs []mailtest.Received, title string) []mailRef {
	var out []mailRef
	for _, m := range msgs {
		if m.Subject != "Your access to "+title || len(m.To) != 1 {
			continue
		}
		ref := mailRef{to: strings.ToLower(m.To[0]), messageID: m.Header.Get("Message-Id")}
		if l := accessLink.FindStringSubmatch(m.Text); l != nil {
			ref.token = l[1]
		}
		out = append(out, ref)
	}
	return out
}

func (c *chaos) check() {
	t := c.t
	c.mu.Lock()
	fails := c.fails
	c.mu.Unlock()
	for _, f := range fails {
		t.Errorf("during the load: %s", f)
	}

	all := map[int64]adminReg{}
	var eventOf = map[int64]*chaosEvent{}
	for _, e := range c.events {
		var out struct {
			Items []adminReg `json:"items"`
		}
		url := fmt.Sprintf("%s/api/v1/events/%d/registrations", c.srv.base, e.ID)
		if status := api(t, httpClient, "GET", url, c.token, nil, &out); status != http.StatusOK {
			t.Fatalf("GET %s: %d", url, status)
		}
		held := int64(0)
		for _, r := range out.Items {
			all[r.ID], eventOf[r.ID] = r, e
			if seated[r.Status] {
				held++
			}
		}
		// No seat oversold, and the event page counts the seats left as
		// the registrations hold them.
		if held > e.Capacity {
			t.Errorf("%s: %d registrations hold a seat, capacity %d", e.Title, held, e.Capacity)
		}
		var pub struct {
			SeatsLeft *int64 `json:"seats_left"`
		}
		if status := api(t, httpClient, "GET", c.srv.base+"/api/v1/public/events/"+e.Slug, "", nil, &pub); status != http.StatusOK ||
			pub.SeatsLeft == nil || *pub.SeatsLeft != max(e.Capacity-held, 0) {
			t.Errorf("%s: the public event says %v seats left (%d), want %d", e.Title, pub.SeatsLeft, status, e.Capacity-held)
		}
		t.Logf("%s: %d registrations, %d seated of %d", e.Title, len(out.Items), held, e.Capacity)
	}

	// Every acknowledged registration is there.
	c.mu.Lock()
	regs := c.regs
	c.mu.Unlock()
	for _, id := range sortedRegs(regs) {
		if _, ok := all[id]; !ok {
			t.Errorf("registration %d (%s) was answered 201 and is gone", id, regs[id].Email)
		}
	}

	// Exactly one access email per confirmed registration, none for one
	// that never got access.
	msgs := c.smtp.Messages()
	perReg := map[int64]map[string]int{} // registration → token → mails
	ids := map[int64]map[string]bool{}   // registration → Message-IDs
	byEmail := map[string]int64{}
	resent := 0 // the same message (Message-ID) delivered again
	for id, r := range all {
		byEmail[strings.ToLower(r.Email)] = id
	}
	for _, e := range c.events {
		for _, m := range accessMails(msgs, e.Title) {
			id, ok := byEmail[m.to]
			if !ok || m.token == "" {
				t.Errorf("an access email of %s to %q (token %q) matches no registration", e.Title, m.to, m.token)
				continue
			}
			if perReg[id] == nil {
				perReg[id], ids[id] = map[string]int{}, map[string]bool{}
			}
			if !ids[id][m.messageID] { // a mail client shows a message once however often it came
				perReg[id][m.token]++
			} else {
				resent++
			}
			ids[id][m.messageID] = true
		}
	}
	paidRegs, mails := 0, 0
	for _, id := range sortedRegs(all) {
		r := all[id]
		n := 0
		for _, k := range perReg[id] {
			n += k
		}
		mails += n
		switch {
		case hasAccess[r.Status] && (len(perReg[id]) != 1 || n != 1):
			t.Errorf("registration %d (%s, %s, paid %d): %d access emails %v, want exactly one",
				id, r.Email, r.Status, r.AmountPaid, n, perReg[id])
		case !hasAccess[r.Status] && n > 1:
			t.Errorf("registration %d (%s, %s): %d access emails", id, r.Email, r.Status, n)
		case r.Provider != "" && r.AmountPaid == 0 && n > 0:
			t.Errorf("registration %d (%s, %s) never paid and got an access email", id, r.Email, r.Status)
		}
		if r.AmountPaid > 0 {
			paidRegs++
		}
	}

	// Money: Admit's books are the providers'.
	stripeLedger := c.stripe.ledger()
	paypalLedger := map[int64]paypaltest.Capture{}
	for _, cp := range c.paypal.Captures() {
		var reg int64
		fmt.Sscan(cp.CustomID, &reg)
		if _, dup := paypalLedger[reg]; dup {
			t.Errorf("PayPal captured registration %d twice", reg)
		}
		paypalLedger[reg] = cp
	}
	for _, id := range sortedRegs(all) {
		r := all[id]
		var paid, refunded int64
		var known bool
		switch r.Provider {
		case "stripe":
			var ch stripeCharge
			ch, known = stripeLedger[id]
			paid, refunded = ch.Amount, ch.Refunded
		case "paypal":
			var cp paypaltest.Capture
			cp, known = paypalLedger[id]
			paid, refunded = cp.Amount, cp.Refunded
		}
		if !known && r.AmountPaid == 0 {
			continue
		}
		if r.AmountPaid != paid || r.AmountRefunded != refunded {
			t.Errorf("registration %d (%s, %s): Admit paid %d refunded %d, %s paid %d refunded %d",
				id, r.Email, r.Status, r.AmountPaid, r.AmountRefunded, r.Provider, paid, refunded)
		}
	}
	for reg := range stripeLedger {
		if _, ok := all[reg]; !ok {
			t.Errorf("Stripe took money for registration %d, which Admit does not have", reg)
		}
	}
	for reg := range paypalLedger {
		if _, ok := all[reg]; !ok {
			t.Errorf("PayPal took money for registration %d, which Admit does not have", reg)
		}
	}
	t.Logf("%d registrations (%d acknowledged), %d paid, %d access emails (and %d delivered again under the same Message-ID); Stripe: %d payments, %d refunds; PayPal: %d captures; webhooks answered 2xx: %v",
		len(all), len(regs), paidRegs, mails, resent, len(stripeLedger), c.stripe.refundCount(), len(paypalLedger), c.hookAnswers)

	// admit reconcile on the same data, the server stopped.
	c.srv.stop(t)
	env := append(c.env(), "ADMIT_DATA__DIR="+filepath.Join(c.dir, "data"), "ADMIT_HTTP__ADDRESS="+freeAddr(t))
	code, stdout, stderr := run(t, bin, c.dir, env, "reconcile")
	t.Logf("admit reconcile: exit %d\n%s", code, tail(stdout, 3000))
	if code != 0 || !strings.Contains(stdout, "mismatches 0, not checked 0") {
		t.Errorf("admit reconcile: exit %d, want 0 with no mismatch\nstdout:\n%s\nstderr:\n%s", code, tail(stdout, 3000), tail(stderr, 2000))
	}
	if want := fmt.Sprintf("checked %d, matched %d,", len(stripeLedger)+len(paypalLedger), len(stripeLedger)+len(paypalLedger)); !strings.Contains(stdout, want) {
		t.Errorf("admit reconcile: want %q (every payment at both providers)\n%s", want, stdout)
	}
	integrityCheck(t, filepath.Join(c.dir, "data", "admit.db"))
}
