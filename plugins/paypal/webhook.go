package paypal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	pp "github.com/plutov/paypal/v4"

	"github.com/admit/admit/app/payment"
)

// Webhook event types this plugin acts on.
const (
	EventCaptureCompleted = "PAYMENT.CAPTURE.COMPLETED"
	EventCaptureDenied    = "PAYMENT.CAPTURE.DENIED"
	EventCaptureRefunded  = "PAYMENT.CAPTURE.REFUNDED"
)

// The headers PayPal signs a webhook delivery with; each is copied into the
// verify-webhook-signature call.
const (
	HeaderAuthAlgo         = "PAYPAL-AUTH-ALGO"
	HeaderCertURL          = "PAYPAL-CERT-URL"
	HeaderTransmissionID   = "PAYPAL-TRANSMISSION-ID"
	HeaderTransmissionSig  = "PAYPAL-TRANSMISSION-SIG"
	HeaderTransmissionTime = "PAYPAL-TRANSMISSION-TIME"
)

// ParseWebhook implements payment.Provider. The delivery is checked by
// PayPal's POST /v1/notifications/verify-webhook-signature with the
// configured webhook id; a missing header, a FAILURE, or a failed call is
// payment.ErrSignature, and nothing is applied (PayPal delivers again later).
// Then:
//
//   - PAYMENT.CAPTURE.COMPLETED is Paid: Amount and Currency of the capture,
//     PaymentID the capture id, CheckoutID the order id
//     (supplementary_data.related_ids.order_id);
//   - PAYMENT.CAPTURE.DENIED is Failed;
//   - PAYMENT.CAPTURE.REFUNDED is Refunded: the resource is the refund, so
//     Amount is this refund, RefundID its id and PaymentID the capture named
//     by its "up" link. RefundedTotal is 0: the domain adds refunds up by
//     their ids;
//   - PAYMENT.AUTHORIZATION.CREATED is Authorized and
//     PAYMENT.AUTHORIZATION.VOIDED Voided (authorize.go);
//   - anything else is payment.ErrIgnored.
//
// Event.ID is the webhook event id; RegistrationID comes from custom_id.
func (p *Provider) ParseWebhook(ctx context.Context, r payment.WebhookRequest) (payment.Event, error) {
	if p.cfg.WebhookID == "" {
		return payment.Event{}, fmt.Errorf("paypal: no webhook id configured, webhooks cannot be verified: %w", payment.ErrSignature)
	}
	fields := map[string]string{}
	for _, h := range []string{HeaderAuthAlgo, HeaderCertURL, HeaderTransmissionID, HeaderTransmissionSig, HeaderTransmissionTime} {
		v := strings.TrimSpace(r.Header.Get(h))
		if v == "" {
			return payment.Event{}, fmt.Errorf("paypal: webhook without %s header: %w", h, payment.ErrSignature)
		}
		fields[h] = v
	}
	body := r.Body // forwarded as received, not even trimmed
	if trimmed := bytes.TrimSpace(body); len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(body) {
		return payment.Event{}, fmt.Errorf("paypal: webhook body is not a JSON object: %w", payment.ErrSignature)
	}

	status, err := p.verifySignature(ctx, fields, body)
	if err != nil {
		return payment.Event{}, fmt.Errorf("paypal: verify webhook signature: %w: %w", payment.ErrSignature, err)
	}
	if status != "SUCCESS" {
		return payment.Event{}, fmt.Errorf("paypal: PayPal answered %q to the webhook's signature: %w", status, payment.ErrSignature)
	}
	return parseEvent(body)
}

// verifySignature posts the verification request with the event exactly as
// received. plutov's VerifyWebhookSignature would re-encode it through
// encoding/json (compacted, with <, > and & escaped), and PayPal checks the
// signature against the event it is given: any byte changed is a FAILURE.
func (p *Provider) verifySignature(ctx context.Context, h map[string]string, event []byte) (string, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for _, kv := range [][2]string{
		{"auth_algo", h[HeaderAuthAlgo]},
		{"cert_url", h[HeaderCertURL]},
		{"transmission_id", h[HeaderTransmissionID]},
		{"transmission_sig", h[HeaderTransmissionSig]},
		{"transmission_time", h[HeaderTransmissionTime]},
		{"webhook_id", p.cfg.WebhookID},
	} {
		v, err := json.Marshal(kv[1])
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&buf, "%q:%s,", kv[0], v)
	}
	buf.WriteString(`"webhook_event":`)
	buf.Write(event)
	buf.WriteByte('}')

	var out pp.VerifyWebhookResponse
	err := p.do(func(c *pp.Client) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.APIBase+"/v1/notifications/verify-webhook-signature", bytes.NewReader(buf.Bytes()))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		out = pp.VerifyWebhookResponse{}
		return c.SendWithAuth(req, &out)
	})
	if err != nil {
		return "", classify("verify webhook signature", err)
	}
	return out.VerificationStatus, nil
}

// The parts of a webhook event and of its resources this plugin reads.
type (
	webhookEvent struct {
		ID           string          `json:"id"`
		CreateTime   string          `json:"create_time"`
		EventType    string          `json:"event_type"`
		ResourceType string          `json:"resource_type"`
		Resource     json.RawMessage `json:"resource"`
	}
	money struct {
		CurrencyCode string `json:"currency_code"`
		Value        string `json:"value"`
	}
	relatedIDs struct {
		RelatedIDs struct {
			OrderID   string `json:"order_id"`
			CaptureID string `json:"capture_id"`
		} `json:"related_ids"`
	}
	// captureResource: resource of PAYMENT.CAPTURE.* events.
	captureResource struct {
		ID                        string     `json:"id"`
		Status                    string     `json:"status"`
		CustomID                  string     `json:"custom_id"`
		Amount                    *money     `json:"amount"`
		SupplementaryData         relatedIDs `json:"supplementary_data"`
		SellerReceivableBreakdown *struct {
			PaypalFee *money `json:"paypal_fee"`
		} `json:"seller_receivable_breakdown"`
		Links []pp.Link `json:"links"`
	}
	// refundResource: resource of PAYMENT.CAPTURE.REFUNDED.
	refundResource struct {
		ID                string     `json:"id"`
		Status            string     `json:"status"`
		CustomID          string     `json:"custom_id"`
		Amount            *money     `json:"amount"`
		SupplementaryData relatedIDs `json:"supplementary_data"`
		Links             []pp.Link  `json:"links"`
	}
)

// parseEvent normalizes a verified event.
func parseEvent(body []byte) (payment.Event, error) {
	var we webhookEvent
	if err := json.Unmarshal(body, &we); err != nil {
		return payment.Event{}, fmt.Errorf("paypal: webhook event: %w", err)
	}
	if we.ID == "" {
		return payment.Event{}, errors.New("paypal: webhook event without an id")
	}
	ev := payment.Event{ID: we.ID, Provider: Name, OccurredAt: eventTime(we.CreateTime)}
	switch we.EventType {
	case EventCaptureCompleted, EventCaptureDenied:
		var c captureResource
		if err := json.Unmarshal(we.Resource, &c); err != nil || c.ID == "" {
			return payment.Event{}, fmt.Errorf("paypal: %s %s: resource is not a capture", we.EventType, we.ID)
		}
		ev.PaymentID = c.ID
		ev.CheckoutID = c.SupplementaryData.RelatedIDs.OrderID
		if ev.CheckoutID == "" {
			ev.CheckoutID = linkedID(c.Links, "up", "/v2/checkout/orders/")
		}
		ev.RegistrationID = registrationID(c.CustomID)
		if c.Amount != nil {
			amount, currency, err := readMoney(c.Amount)
			if err != nil {
				return payment.Event{}, fmt.Errorf("paypal: %s %s: %w", we.EventType, we.ID, err)
			}
			ev.Amount, ev.Currency = amount, currency
		}
		c.noteFee(&ev)
		if we.EventType == EventCaptureDenied {
			ev.Kind = payment.Failed
			return ev, nil
		}
		if c.Amount == nil {
			return payment.Event{}, fmt.Errorf("paypal: %s %s: capture without an amount", we.EventType, we.ID)
		}
		ev.Kind = payment.Paid
		return ev, nil

	case EventAuthorizationCreated, EventAuthorizationVoided:
		return authorizationEvent(we, ev)

	case EventCaptureRefunded:
		var rf refundResource
		if err := json.Unmarshal(we.Resource, &rf); err != nil || rf.ID == "" || rf.Amount == nil {
			return payment.Event{}, fmt.Errorf("paypal: %s %s: resource is not a refund", we.EventType, we.ID)
		}
		ev.Kind = payment.Refunded
		ev.PaymentID = linkedID(rf.Links, "up", "/v2/payments/captures/")
		if ev.PaymentID == "" {
			ev.PaymentID = rf.SupplementaryData.RelatedIDs.CaptureID
		}
		if ev.PaymentID == "" {
			return payment.Event{}, fmt.Errorf("paypal: %s %s: refund %s names no capture", we.EventType, we.ID, rf.ID)
		}
		ev.CheckoutID = rf.SupplementaryData.RelatedIDs.OrderID
		ev.RegistrationID = registrationID(rf.CustomID)
		amount, currency, err := readMoney(rf.Amount)
		if err != nil {
			return payment.Event{}, fmt.Errorf("paypal: %s %s: %w", we.EventType, we.ID, err)
		}
		ev.Amount, ev.Currency = amount, currency
		ev.RefundID = rf.ID
		// RefundedTotal stays 0 even when PayPal adds
		// seller_payable_breakdown.total_refunded_amount: the domain then
		// records this refund by its id (matching the one it made, or adding
		// one made in PayPal's dashboard) and sums them.
		return ev, nil
	}
	return payment.Event{}, fmt.Errorf("paypal: %s %s: %w", we.EventType, we.ID, payment.ErrIgnored)
}

// noteFee gives ev the fee PayPal kept of the capture (its paypal_fee, in
// the capture's currency); one missing or not readable is left for the
// provider-fees look-up.
func (c *captureResource) noteFee(ev *payment.Event) {
	if b := c.SellerReceivableBreakdown; b != nil && b.PaypalFee != nil {
		noteFee(ev, b.PaypalFee)
	}
}

func noteFee(ev *payment.Event, m *money) {
	if fee, currency, err := readMoney(m); err == nil && fee >= 0 {
		ev.Fee, ev.FeeCurrency = fee, currency
	}
}

func readMoney(m *money) (int64, string, error) {
	currency := strings.ToUpper(m.CurrencyCode)
	amount, err := parseAmount(m.Value, currency)
	return amount, currency, err
}

// linkedID finds the id at the end of the link with this rel whose path
// contains prefix: the capture a refund belongs to ("up" →
// /v2/payments/captures/{id}).
func linkedID(links []pp.Link, rel, prefix string) string {
	for _, l := range links {
		if !strings.EqualFold(l.Rel, rel) {
			continue
		}
		u, err := url.Parse(l.Href)
		if err != nil {
			continue
		}
		i := strings.Index(u.Path, prefix)
		if i < 0 {
			continue
		}
		id := strings.Trim(u.Path[i+len(prefix):], "/")
		if idPattern.MatchString(id) {
			return id
		}
	}
	return ""
}

func eventTime(s string) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC()
	}
	return time.Now().UTC()
}
