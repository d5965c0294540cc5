package paypal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	pp "github.com/plutov/paypal/v4"

	"github.com/admit/admit/app/payment"
)

// Order statuses (Orders v2).
const (
	orderCreated             = "CREATED"
	orderSaved               = "SAVED"
	orderApproved            = "APPROVED"
	orderPayerActionRequired = "PAYER_ACTION_REQUIRED"
	orderCompleted           = "COMPLETED"
	orderVoided              = "VOIDED"
)

// Capture statuses (Payments v2).
const (
	captureCompleted         = "COMPLETED"
	captureDeclined          = "DECLINED"
	captureFailed            = "FAILED"
	capturePending           = "PENDING"
	capturePartiallyRefunded = "PARTIALLY_REFUNDED"
	captureRefunded          = "REFUNDED"
)

// Issues of 422 answers this package acts on.
const (
	issueNotApproved        = "ORDER_NOT_APPROVED"
	issueAlreadyCaptured    = "ORDER_ALREADY_CAPTURED"
	issueInstrumentDeclined = "INSTRUMENT_DECLINED"
	issuePayerAction        = "PAYER_ACTION_REQUIRED"
)

// brandName overrides the merchant's business name on PayPal's pages.
const brandName = "Admit"

// maxText is PayPal's limit for description, custom_id and brand_name.
const maxText = 127

// CreateCheckout implements payment.Provider: an order with intent CAPTURE
// and one purchase unit (amount, custom_id = the registration id,
// description = the title), created with PayPal-Request-Id = the request's
// idempotency key, so a retry gets the same order back. The buyer goes to the
// order's "approve" link.
//
// PayPal orders have no expiry to set: an order left unapproved simply stays
// CREATED and PayPal drops it after some hours (Status then answers
// payment.ErrNotFound); the hold in Admit ends on its own clock. No
// invoice_id is sent: PayPal refuses a second payment with an invoice id it
// has seen, and two Admit installations (a test and a live one) sharing a
// PayPal account would collide on "reg-1". Nor is the buyer's email (payer
// prefill): PayPal refuses the whole order when it dislikes an address
// Admit accepted, and the buyer signs in at PayPal anyway.
func (p *Provider) CreateCheckout(ctx context.Context, r payment.CheckoutRequest) (payment.Checkout, error) {
	currency := strings.ToUpper(strings.TrimSpace(r.Currency))
	if !p.Supports(currency) {
		return payment.Checkout{}, fmt.Errorf("paypal: %q: %w", r.Currency, payment.ErrCurrency)
	}
	if r.Amount <= 0 {
		return payment.Checkout{}, fmt.Errorf("paypal: checkout amount %d must be positive", r.Amount)
	}
	if r.RegistrationID <= 0 {
		return payment.Checkout{}, fmt.Errorf("paypal: checkout without a registration id")
	}
	for name, u := range map[string]string{"success": r.SuccessURL, "cancel": r.CancelURL} {
		if pu, err := url.Parse(u); err != nil || !pu.IsAbs() {
			return payment.Checkout{}, fmt.Errorf("paypal: %s URL %q is not an absolute URL", name, u)
		}
	}
	value, err := formatAmount(r.Amount, currency)
	if err != nil {
		return payment.Checkout{}, err
	}
	unit := pp.PurchaseUnitRequest{
		Amount:      &pp.PurchaseUnitAmount{Currency: currency, Value: value},
		CustomID:    strconv.FormatInt(r.RegistrationID, 10),
		Description: truncate(r.Title, maxText),
	}
	appCtx := &pp.ApplicationContext{
		BrandName:          brandName,
		Locale:             paypalLocale(r.Locale),
		ShippingPreference: pp.ShippingPreferenceNoShipping, // a webinar ships nothing
		UserAction:         pp.UserActionPayNow,
		ReturnURL:          r.SuccessURL,
		CancelURL:          r.CancelURL,
	}
	intent := intentCapture
	if r.Authorize {
		intent = intentAuthorize
	}
	var order *pp.Order
	err = p.do(func(c *pp.Client) error {
		var err error
		order, err = c.CreateOrderWithPaypalRequestID(ctx, intent, []pp.PurchaseUnitRequest{unit}, nil, appCtx, r.IdempotencyKey)
		return err
	})
	if err != nil {
		return payment.Checkout{}, classify("create order", err)
	}
	if order.ID == "" {
		return payment.Checkout{}, errors.New("paypal: create order: answer without an order id")
	}
	redirect := link(order.Links, "approve")
	if redirect == "" {
		redirect = link(order.Links, "payer-action")
	}
	if redirect == "" {
		return payment.Checkout{}, fmt.Errorf("paypal: order %s (%s) has no approve link", order.ID, order.Status)
	}
	return payment.Checkout{ID: order.ID, RedirectURL: redirect}, nil
}

// Return implements payment.Provider. PayPal sends the buyer back to the
// success URL with token=<order id> (and PayerID); Return captures the order
// with PayPal-Request-Id "capture-<order id>". Reloading the page is
// harmless: the same request id, or PayPal's ORDER_ALREADY_CAPTURED, leads to
// the same capture and the same event ("capture:<capture id>"). An order the
// buyer has not approved is payment.ErrNotApproved, a funding source PayPal
// refused (INSTRUMENT_DECLINED) payment.ErrDeclined, each with the order's
// Pending event. A capture PayPal DECLINED is a Failed event: the order is
// COMPLETED and cannot be paid any more. Any other error (a 5xx, a lost
// answer) leaves the outcome unknown: the capture may have happened, and the
// same return again, or Status, reports it.
func (p *Provider) Return(ctx context.Context, query url.Values) (payment.Event, error) {
	orderID := query.Get("token")
	if orderID == "" {
		return payment.Event{}, fmt.Errorf("paypal: return without an order token: %w", payment.ErrNotFound)
	}
	if err := checkID("order", orderID); err != nil {
		return payment.Event{}, err
	}
	return p.captureOrder(ctx, orderID)
}

// ReturnedCheckout implements payment.Provider: the order id PayPal puts in
// the return URL as token, when it has the shape of one.
func (p *Provider) ReturnedCheckout(query url.Values) string {
	orderID := query.Get("token")
	if checkID("order", orderID) != nil {
		return ""
	}
	return orderID
}

// Status implements payment.Provider for the reconciler. CREATED, SAVED and
// PAYER_ACTION_REQUIRED orders are Pending, VOIDED ones Expired; a
// COMPLETED order is Paid, Pending or Failed by its capture.
//
// An APPROVED order is captured here, as Return would: the buyer approved the
// payment, and only a lost return (closed tab, network) kept it from being
// taken; left alone, the approval lapses and the buyer, who believes they
// paid, has no seat. The capture uses the same request id as Return, so the
// two never take the money twice. Money captured after the seat's hold ran
// out is the domain's to settle (it refunds a late payment). A funding
// source PayPal refuses is payment.ErrDeclined with the order's Pending
// event, as from Return: the buyer may have left without knowing.
func (p *Provider) Status(ctx context.Context, orderID string) (payment.Event, error) {
	if err := checkID("order", orderID); err != nil {
		return payment.Event{}, err
	}
	order, doc, err := p.orderDoc(ctx, http.MethodGet, "/v2/checkout/orders/"+url.PathEscape(orderID), "")
	if err != nil {
		return payment.Event{}, classify("get order "+orderID, err)
	}
	if order.Status != orderApproved {
		return p.orderEvent(ctx, order, doc)
	}
	if order.Intent == intentAuthorize {
		ev, err := p.authorizeOrder(ctx, orderID)
		if errors.Is(err, payment.ErrNotApproved) && !errors.Is(err, payment.ErrDeclined) {
			return eventFromOrder(order)
		}
		return ev, err
	}
	ev, err := p.captureOrder(ctx, orderID)
	if errors.Is(err, payment.ErrNotApproved) && !errors.Is(err, payment.ErrDeclined) {
		return eventFromOrder(order) // pending: the buyer has to act again
	}
	return ev, err
}

// Inspect implements payment.Inspector: the order's state as Status reports
// it, but an APPROVED order is left as it is (Pending), never captured.
func (p *Provider) Inspect(ctx context.Context, orderID string) (payment.Event, error) {
	if err := checkID("order", orderID); err != nil {
		return payment.Event{}, err
	}
	return p.reportOrder(ctx, orderID)
}

func (p *Provider) getOrder(ctx context.Context, orderID string) (*pp.Order, error) {
	var order *pp.Order
	err := p.do(func(c *pp.Client) error {
		var err error
		order, err = c.GetOrder(ctx, orderID)
		return err
	})
	if err != nil {
		return nil, classify("get order "+orderID, err)
	}
	return order, nil
}

// captureOrder captures an order and reports its state.
func (p *Provider) captureOrder(ctx context.Context, orderID string) (payment.Event, error) {
	order, err := p.postCapture(ctx, orderID, "capture-"+orderID)
	if err == nil {
		return p.reportCaptured(ctx, order)
	}
	switch status, is := issue(err); {
	case status != http.StatusUnprocessableEntity:
	case is == issueAlreadyCaptured:
		// Captured before (an earlier return, the reconciler): report it.
		return p.reportOrder(ctx, orderID)
	case is == issueIntentMismatch:
		// An order that authorizes only (authorize.go).
		return p.authorizeOrder(ctx, orderID)
	case is == issueNotApproved || is == issueInstrumentDeclined || is == issuePayerAction:
		return p.captureAgain(ctx, orderID, is)
	}
	return payment.Event{}, classify("capture order "+orderID, err)
}

// captureAgain follows a capture PayPal refused because the buyer has to act:
// ORDER_NOT_APPROVED or PAYER_ACTION_REQUIRED (payment.ErrNotApproved: back
// to the approve link), or INSTRUMENT_DECLINED (payment.ErrDeclined: the
// funding source was refused, and PayPal's advice is to restart, sending the
// buyer back to the approve link to choose another).
//
// PayPal answers a repeated PayPal-Request-Id with the first answer, so such
// a refusal sticks to "capture-<order id>": a return URL opened before the
// approval, or a card declined before the buyer chose another, would block
// every later capture. So when the order reads APPROVED, it is captured once
// more under a request id that names this approval (its update_time):
// concurrent returns of the same approval share it, a new approval gets its
// own. Safe: an order with intent CAPTURE can be captured only once.
func (p *Provider) captureAgain(ctx context.Context, orderID, refusal string) (payment.Event, error) {
	current, doc, err := p.orderDoc(ctx, http.MethodGet, "/v2/checkout/orders/"+url.PathEscape(orderID), "")
	if err != nil {
		return payment.Event{}, classify("get order "+orderID, err)
	}
	// This approval: the buyer approving again changes the order's
	// update_time.
	approval := approvalOf(current)
	switch current.Status {
	case orderCompleted, orderVoided:
		return p.orderEvent(ctx, current, doc)
	case orderApproved:
		if current.Intent == intentAuthorize {
			return p.authorizeOrder(ctx, orderID)
		}
		order, err := p.postCapture(ctx, orderID, "capture-"+orderID+"-"+approval)
		if err == nil {
			return p.reportCaptured(ctx, order)
		}
		switch status, is := issue(err); {
		case status != http.StatusUnprocessableEntity:
			return payment.Event{}, classify("capture order "+orderID, err)
		case is == issueAlreadyCaptured:
			return p.reportOrder(ctx, orderID)
		case is == issueNotApproved || is == issueInstrumentDeclined || is == issuePayerAction:
			refusal = is
		default:
			return payment.Event{}, classify("capture order "+orderID, err)
		}
	}
	// The buyer has to act: the event names the order, so that the caller
	// can check whose it is before sending the buyer back to it.
	pending, err := eventFromOrder(current)
	if err != nil {
		return payment.Event{}, err
	}
	if refusal == issueInstrumentDeclined {
		// PayPal's advice: restart, so that the buyer chooses another
		// funding source at the approve link. The event's id names this
		// refusal of this approval, so that the domain can tell a refusal
		// the buyer was shown from one they never saw.
		pending.ID = "order:" + orderID + ":declined:" + approval
		return pending, fmt.Errorf("paypal: order %s: %s, the buyer must choose another funding source: %w: %w", orderID, refusal, payment.ErrDeclined, payment.ErrNotApproved)
	}
	if refusal == issueNotApproved {
		return pending, fmt.Errorf("paypal: order %s is %s: %w", orderID, current.Status, payment.ErrNotApproved)
	}
	return pending, fmt.Errorf("paypal: order %s: %s, the buyer must approve again: %w", orderID, refusal, payment.ErrNotApproved)
}

// reportOrder reads an order and reports its state.
func (p *Provider) reportOrder(ctx context.Context, orderID string) (payment.Event, error) {
	order, doc, err := p.orderDoc(ctx, http.MethodGet, "/v2/checkout/orders/"+url.PathEscape(orderID), "")
	if err != nil {
		return payment.Event{}, classify("get order "+orderID, err)
	}
	return p.orderEvent(ctx, order, doc)
}

// postCapture is POST /v2/checkout/orders/{id}/capture with a request id.
// plutov's CaptureOrderWithPaypalRequestId would do the same but also calls
// SetReturnRepresentation on the shared client each time, an unsynchronized
// write that races with every request in flight; so this builds the request
// with the client's own NewRequest and SendWithAuth.
func (p *Provider) postCapture(ctx context.Context, orderID, requestID string) (*pp.Order, error) {
	var order *pp.Order
	err := p.do(func(c *pp.Client) error {
		req, err := c.NewRequest(ctx, http.MethodPost, c.APIBase+"/v2/checkout/orders/"+url.PathEscape(orderID)+"/capture", struct{}{})
		if err != nil {
			return err
		}
		req.Header.Set("PayPal-Request-Id", requestID)
		order = &pp.Order{}
		return c.SendWithAuth(req, order)
	})
	return order, err
}

// reportCaptured turns a capture answer into an event, reading the order
// again when the answer lacks what the event needs (a minimal answer, or no
// custom_id).
func (p *Provider) reportCaptured(ctx context.Context, order *pp.Order) (payment.Event, error) {
	ev, err := eventFromOrder(order)
	if err == nil && ev.RegistrationID != 0 {
		return ev, nil
	}
	current, gerr := p.getOrder(ctx, order.ID)
	if gerr != nil {
		if err == nil {
			return ev, nil
		}
		return payment.Event{}, gerr
	}
	return eventFromOrder(current)
}

// eventFromOrder reports an order's state. Event ids are deterministic:
// "capture:<capture id>" for a payment, "capture:<id>:<status>" for a capture
// that is pending or failed, "order:<id>:<status>" before any capture.
func eventFromOrder(o *pp.Order) (payment.Event, error) {
	if o == nil || o.ID == "" {
		return payment.Event{}, errors.New("paypal: answer without an order")
	}
	ev := payment.Event{Provider: Name, CheckoutID: o.ID, OccurredAt: orderTime(o)}
	var unit *pp.PurchaseUnit
	if len(o.PurchaseUnits) > 0 {
		unit = &o.PurchaseUnits[0]
		ev.RegistrationID = registrationID(unit.CustomID)
	}
	switch o.Status {
	case orderCreated, orderSaved, orderApproved, orderPayerActionRequired:
		ev.Kind = payment.Pending
		ev.ID = "order:" + o.ID + ":" + strings.ToLower(o.Status)
		if unit != nil && unit.Amount != nil {
			ev.Currency = unit.Amount.Currency
			ev.Amount, _ = parseAmount(unit.Amount.Value, unit.Amount.Currency)
		}
		return ev, nil
	case orderVoided:
		ev.Kind = payment.Expired
		ev.ID = "order:" + o.ID + ":voided"
		return ev, nil
	case orderCompleted:
	default:
		return payment.Event{}, fmt.Errorf("paypal: order %s has an unknown status %q", o.ID, o.Status)
	}

	capture, ok := pickCapture(o)
	if !ok {
		return payment.Event{}, fmt.Errorf("paypal: order %s is COMPLETED without a capture", o.ID)
	}
	ev.PaymentID = capture.ID
	if id := registrationID(capture.CustomID); id != 0 {
		ev.RegistrationID = id
	}
	if capture.Amount != nil {
		amount, err := parseAmount(capture.Amount.Value, capture.Amount.Currency)
		if err != nil {
			return payment.Event{}, fmt.Errorf("paypal: capture %s: %w", capture.ID, err)
		}
		ev.Amount, ev.Currency = amount, strings.ToUpper(capture.Amount.Currency)
	}
	if b := capture.SellerReceivableBreakdown; b != nil && b.PaypalFee != nil {
		noteFee(&ev, &money{CurrencyCode: b.PaypalFee.Currency, Value: b.PaypalFee.Value})
	}
	switch capture.Status {
	case captureCompleted, capturePartiallyRefunded, captureRefunded:
		// The money was taken; refunds are reported by their own events.
		if capture.Amount == nil {
			return payment.Event{}, fmt.Errorf("paypal: capture %s without an amount", capture.ID)
		}
		ev.Kind = payment.Paid
		ev.ID = "capture:" + capture.ID
	case capturePending:
		ev.Kind = payment.Pending
		ev.ID = "capture:" + capture.ID + ":pending"
	case captureDeclined, captureFailed:
		ev.Kind = payment.Failed
		ev.ID = "capture:" + capture.ID + ":" + strings.ToLower(capture.Status)
	default:
		return payment.Event{}, fmt.Errorf("paypal: capture %s has an unknown status %q", capture.ID, capture.Status)
	}
	return ev, nil
}

// pickCapture finds the capture that tells the order's outcome: one that
// took money, else a pending one, else a failed one.
func pickCapture(o *pp.Order) (pp.CaptureAmount, bool) {
	var best pp.CaptureAmount
	rank := map[string]int{captureCompleted: 3, capturePartiallyRefunded: 3, captureRefunded: 3, capturePending: 2, captureDeclined: 1, captureFailed: 1}
	found := false
	for _, u := range o.PurchaseUnits {
		if u.Payments == nil {
			continue
		}
		for _, c := range u.Payments.Captures {
			if !found || rank[c.Status] > rank[best.Status] {
				best, found = c, true
			}
		}
	}
	return best, found
}

func orderTime(o *pp.Order) time.Time {
	switch {
	case o.UpdateTime != nil && !o.UpdateTime.IsZero():
		return o.UpdateTime.UTC()
	case o.CreateTime != nil && !o.CreateTime.IsZero():
		return o.CreateTime.UTC()
	}
	return time.Now().UTC()
}

// registrationID reads custom_id; 0 when it is not one of ours.
func registrationID(customID string) int64 {
	id, err := strconv.ParseInt(strings.TrimSpace(customID), 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

func link(links []pp.Link, rel string) string {
	for _, l := range links {
		if strings.EqualFold(l.Rel, rel) && l.Href != "" {
			return l.Href
		}
	}
	return ""
}

// paypalLocales maps Admit's languages to the five-character locales PayPal
// takes (en-US, fr-FR, ...).
var paypalLocales = map[string]string{
	"de": "de-DE", "en": "en-US", "es": "es-ES", "fr": "fr-FR", "it": "it-IT",
	"nl": "nl-NL", "pl": "pl-PL", "pt": "pt-PT", "ru": "ru-RU", "sv": "sv-SE",
}

var regionalLocale = regexp.MustCompile(`^([A-Za-z]{2})[-_]([A-Za-z]{2})$`)

// paypalLocale turns "fr", "fr-CA" or "fr_ca" into PayPal's form; empty
// (PayPal chooses) for anything else.
func paypalLocale(locale string) string {
	locale = strings.TrimSpace(locale)
	if m := regionalLocale.FindStringSubmatch(locale); m != nil {
		return strings.ToLower(m[1]) + "-" + strings.ToUpper(m[2])
	}
	return paypalLocales[strings.ToLower(locale)]
}

func truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}
