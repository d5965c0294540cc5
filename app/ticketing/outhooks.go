package ticketing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/outhooks"
	"github.com/admit/admit/app/store"
)

// Outgoing webhooks: the organizer's endpoints receive a signed POST for
// each change they subscribe to. The store notes the changes as they are
// written; queueHooks, its observer, queues one delivery per endpoint in
// the same transaction, with the body fixed then (stable event id, data as
// the admin API showed it after the change). DeliverWebhooks, a job, sends
// what is due and retries with back-off for about a day.

// HookViews turns what an event reports into the admin API's JSON (app/web
// gives them: the same views the API answers with).
type HookViews interface {
	Registration(r *model.Registration) any
	Event(e *model.Event) any
}

// WebhookOptions configure outgoing webhooks.
type WebhookOptions struct {
	// AllowPrivate lets endpoints be on private and loopback addresses
	// (webhooks.allow_private).
	AllowPrivate bool
	// Views give each event's data (nil: only the ids).
	Views HookViews
	// Client sends the deliveries (nil: outhooks.NewClient).
	Client *http.Client
	// Resolver checks a new endpoint's host (nil: net.DefaultResolver).
	Resolver outhooks.Resolver
}

// Limits of outgoing webhooks.
const (
	maxWebhooks   = 20
	maxWebhookURL = 2048
	// hookTimeout bounds each attempt.
	hookTimeout = 10 * time.Second
	// hookLease is how long a claimed delivery waits before another
	// worker may try it (an attempt that never recorded its outcome).
	hookLease = 2 * time.Minute
	// hookBatch is how many due deliveries one run takes; hookWorkers send
	// them at once.
	hookBatch   = 100
	hookWorkers = 4
	// hooksKept is how long finished deliveries stay in the log.
	hooksKept = 30 * 24 * time.Hour
)

// hookBackoff is the wait before each retry: the first within a minute,
// the last about a day after the first attempt; after it the delivery has
// failed.
var hookBackoff = []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 8 * time.Hour}

type hooks struct {
	WebhookOptions
	mu        sync.Mutex
	lastPrune time.Time
}

func newHooks(o WebhookOptions) *hooks {
	if o.Client == nil {
		o.Client = outhooks.NewClient(o.AllowPrivate, hookTimeout)
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	return &hooks{WebhookOptions: o}
}

// WebhookInput registers an endpoint.
type WebhookInput struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

// hookSecretName binds the sealed signing secrets to their purpose.
const hookSecretName = "webhook secret"

// CreateWebhook registers an endpoint; it returns it with its signing
// secret in clear, which is never shown again.
func (s *Service) CreateWebhook(ctx context.Context, in WebhookInput) (*model.Webhook, string, error) {
	f := fields{}
	in.URL = strings.TrimSpace(in.URL)
	switch {
	case in.URL == "":
		f.add("url", "is required")
	case len(in.URL) > maxWebhookURL:
		f.add("url", "must be at most %d characters", maxWebhookURL)
	default:
		if err := outhooks.CheckURL(ctx, in.URL, s.hooks.AllowPrivate, s.hooks.Resolver); err != nil {
			msg := strings.TrimPrefix(err.Error(), outhooks.ErrRefused.Error()+": ")
			if errors.Is(err, outhooks.ErrRefused) {
				msg = "is refused: " + msg + " (private, loopback, link-local and similar addresses are not reachable from webhooks)"
			}
			f.add("url", "%s", msg)
		}
	}
	events := []string{}
	for _, e := range in.Events {
		if !slices.Contains(model.HookTypes, e) {
			f.add("events", "%q is not an event type; use %s", e, strings.Join(model.HookTypes, ", "))
			break
		}
	}
	for _, t := range model.HookTypes {
		if slices.Contains(in.Events, t) {
			events = append(events, t)
		}
	}
	if len(in.Events) == 0 {
		f.add("events", "name at least one event type: %s", strings.Join(model.HookTypes, ", "))
	}
	if len(f) > 0 {
		return nil, "", model.Invalid(f)
	}
	secret := outhooks.NewSecret()
	w := &model.Webhook{URL: in.URL, Events: events, Secret: s.sealer.seal(hookSecretName, secret)}
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		n, err := tx.CountWebhooks()
		if err != nil {
			return err
		}
		if n >= maxWebhooks {
			return model.Invalid(fields{"url": fmt.Sprintf("there are %d endpoints already, the most Admit keeps; delete one first", n)})
		}
		return tx.InsertWebhook(w)
	})
	if err != nil {
		return nil, "", err
	}
	s.log.InfoContext(ctx, "webhook endpoint added", "webhook", w.ID, "url", w.URL, "events", strings.Join(events, ","))
	return w, secret, nil
}

// Webhooks lists the endpoints.
func (s *Service) Webhooks(ctx context.Context) ([]*model.Webhook, error) {
	return s.store.Webhooks(ctx)
}

// Webhook reads one endpoint.
func (s *Service) Webhook(ctx context.Context, id int64) (*model.Webhook, error) {
	return s.store.Webhook(ctx, id)
}

// DeleteWebhook removes an endpoint, what is queued for it and its log.
func (s *Service) DeleteWebhook(ctx context.Context, id int64) error {
	return s.store.Write(ctx, func(tx *store.Tx) error {
		ok, err := tx.DeleteWebhook(id)
		if err == nil && !ok {
			err = model.ErrNotFound
		}
		return err
	})
}

// WebhookAttempts lists an endpoint's latest attempts, newest first.
func (s *Service) WebhookAttempts(ctx context.Context, id int64, limit int) ([]*model.HookAttempt, error) {
	if _, err := s.store.Webhook(ctx, id); err != nil {
		return nil, err
	}
	return s.store.HookAttempts(ctx, id, limit)
}

// hookPayload is the body of every delivery.
type hookPayload struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"created_at"`
	Data      any       `json:"data"`
}

// TestWebhook sends a webhook.test event to an endpoint now, once (it is
// not retried), and returns the attempt.
func (s *Service) TestWebhook(ctx context.Context, id int64) (*model.HookAttempt, error) {
	var deliveryID int64
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		w, err := tx.Webhook(id)
		if err != nil {
			return err
		}
		p := hookPayload{ID: outhooks.NewEventID(), Type: model.HookTest, CreatedAt: tx.Now(),
			Data: map[string]any{"webhook": map[string]any{"id": w.ID, "url": w.URL, "events": w.Events}}}
		body, err := json.Marshal(p)
		if err != nil {
			return err
		}
		// Queued already claimed: the job leaves it to this attempt.
		deliveryID, err = tx.QueueHook(w.ID, p.ID, p.Type, string(body), tx.Now().Add(hookLease))
		return err
	})
	if err != nil {
		return nil, err
	}
	d, err := s.store.HookDelivery(ctx, deliveryID)
	if err != nil {
		return nil, err
	}
	return s.attemptHook(ctx, d)
}

// queueHooks is the store's change observer: it queues, in the
// transaction of the change, a delivery for each endpoint subscribed to it.
func (s *Service) queueHooks(tx *store.Tx, changes []model.Change) error {
	endpoints, err := tx.Webhooks()
	if err != nil || len(endpoints) == 0 {
		return err
	}
	for _, c := range changes {
		if c.Type == model.HookEventUpdated && (slices.Contains(changes, model.Change{Type: model.HookEventCancelled, ID: c.ID}) ||
			slices.Contains(changes, model.Change{Type: model.HookEventCreated, ID: c.ID})) {
			continue // the cancellation, or the creation, says it
		}
		var to []*model.Webhook
		for _, w := range endpoints {
			if slices.Contains(w.Events, c.Type) {
				to = append(to, w)
			}
		}
		if len(to) == 0 {
			continue
		}
		data, err := s.hookData(tx, c)
		if err != nil {
			return err
		}
		p := hookPayload{ID: outhooks.NewEventID(), Type: c.Type, CreatedAt: tx.Now(), Data: data}
		body, err := json.Marshal(p)
		if err != nil {
			return err
		}
		for _, w := range to {
			if _, err := tx.QueueHook(w.ID, p.ID, p.Type, string(body), tx.Now()); err != nil {
				return err
			}
		}
	}
	return nil
}

// hookData is an event's data: the registration with its event, or the
// event, as the admin API shows them.
func (s *Service) hookData(tx *store.Tx, c model.Change) (map[string]any, error) {
	eventID := c.ID
	out := map[string]any{}
	if strings.HasPrefix(c.Type, "registration.") || strings.HasPrefix(c.Type, "payment.") {
		r, err := tx.Registration(c.ID)
		if err != nil {
			return nil, err
		}
		// refund_owed and authorization, as the admin API shows them
		if err := s.paymentStateTx(tx, r); err != nil {
			return nil, err
		}
		eventID = r.EventID
		out["registration"] = map[string]any{"id": r.ID}
		if s.hooks.Views != nil {
			out["registration"] = s.hooks.Views.Registration(r)
		}
	}
	e, err := tx.Event(eventID)
	if err != nil {
		return nil, err
	}
	out["event"] = map[string]any{"id": e.ID}
	if s.hooks.Views != nil {
		out["event"] = s.hooks.Views.Event(e)
	}
	return out, nil
}

// DeliverWebhooks sends every delivery that is due, a few at once, and
// forgets finished ones after a month (at most hourly).
func (s *Service) DeliverWebhooks(ctx context.Context) error {
	now := s.now()
	s.hooks.mu.Lock()
	prune := now.Sub(s.hooks.lastPrune) >= time.Hour
	if prune {
		s.hooks.lastPrune = now
	}
	s.hooks.mu.Unlock()
	var errs []error
	if prune {
		if _, err := s.store.ForgetHooks(ctx, now.Add(-hooksKept)); err != nil {
			errs = append(errs, err)
		}
	}
	due, err := s.store.DueHooks(ctx, now, hookBatch)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan *model.HookDelivery)
	for range min(hookWorkers, len(due)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range work {
				claimed, err := s.store.ClaimHook(ctx, d, s.now().Add(hookLease))
				if err == nil && claimed {
					_, err = s.attemptHook(ctx, d)
				}
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	for _, d := range due {
		if ctx.Err() != nil {
			break
		}
		work <- d
	}
	close(work)
	wg.Wait()
	return errors.Join(errs...)
}

// attemptHook sends a claimed delivery once and records the attempt and
// what follows: delivered on a 2xx answer, else another attempt after the
// back-off, or failed once it is spent (a test event is tried once).
func (s *Service) attemptHook(ctx context.Context, d *model.HookDelivery) (*model.HookAttempt, error) {
	a := model.HookAttempt{Attempt: d.Attempts + 1, At: s.now()}
	start := time.Now()
	a.StatusCode, a.Error = s.postHook(ctx, d)
	a.Duration = time.Since(start)
	if a.StatusCode == 0 && ctx.Err() != nil {
		// Stopped (shutdown): not the receiver's failure. Nothing is
		// recorded; the delivery is due again when its lease ends.
		return nil, ctx.Err()
	}
	status, next := model.HookDelivered, a.At
	if a.StatusCode < 200 || a.StatusCode > 299 {
		status = model.HookFailed
		if d.Type != model.HookTest && a.Attempt <= len(hookBackoff) {
			status, next = model.HookQueued, a.At.Add(hookBackoff[a.Attempt-1])
		}
	}
	out, err := s.store.RecordHookAttempt(context.WithoutCancel(ctx), d, a, status, next)
	if err != nil {
		return nil, err
	}
	log := s.log.InfoContext
	if status != model.HookDelivered {
		log = s.log.WarnContext
	}
	log(ctx, "webhook delivery", "webhook", d.WebhookID, "event", d.EventID, "type", d.Type, "attempt", a.Attempt,
		"status_code", a.StatusCode, "err", a.Error, "outcome", status)
	return out, nil
}

// postHook sends one signed POST and returns the receiver's status code,
// or 0 and why there was none; with a status code outside 2xx, the start
// of the answer's body.
func (s *Service) postHook(ctx context.Context, d *model.HookDelivery) (int, string) {
	secret, err := s.sealer.open(hookSecretName, d.Secret)
	if err != nil {
		return 0, "the signing secret cannot be opened: " + err.Error()
	}
	ctx, cancel := context.WithTimeout(ctx, hookTimeout)
	defer cancel()
	body := []byte(d.Body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, strings.NewReader(d.Body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Admit-Webhooks/1")
	req.Header.Set("Admit-Event-Id", d.EventID)
	req.Header.Set("Admit-Event-Type", d.Type)
	req.Header.Set(outhooks.Header, outhooks.Sign(secret, s.now(), body))
	res, err := s.hooks.Client.Do(req)
	if err != nil {
		return 0, hookError(err)
	}
	defer res.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode >= 200 && res.StatusCode <= 299 {
		return res.StatusCode, ""
	}
	msg := strings.TrimSpace(strings.ToValidUTF8(string(excerpt), ""))
	if len(msg) > 200 {
		cut := 200
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	if msg == "" {
		msg = http.StatusText(res.StatusCode)
	}
	return res.StatusCode, msg
}

// hookError says why a delivery had no answer, without the Go wrapping.
func hookError(err error) string {
	if errors.Is(err, outhooks.ErrRefused) {
		var op *net.OpError
		if errors.As(err, &op) && op.Err != nil {
			return op.Err.Error()
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("no answer within %s", hookTimeout)
	}
	return err.Error()
}
