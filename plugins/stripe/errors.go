package stripe

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/admit/admit/app/payment"
)

// keyLike matches anything shaped like a Stripe secret: API keys (Stripe
// masks most of them in its messages, stripe-mock echoes them whole), webhook
// secrets and bearer credentials.
var keyLike = regexp.MustCompile(`(?i)\b(?:(?:sk|rk|pk)_(?:test|live)_[A-Za-z0-9*_.]+|whsec_[A-Za-z0-9*]+|bearer\s+\S+)`)

// redact removes the secret key and anything shaped like a key from a message
// before it goes into an error.
func (p *Provider) redact(msg string) string {
	if p.key != "" {
		msg = strings.ReplaceAll(msg, p.key, "[redacted]")
	}
	if p.webhookSecret != "" {
		msg = strings.ReplaceAll(msg, p.webhookSecret, "[redacted]")
	}
	msg = keyLike.ReplaceAllString(msg, "[redacted]")
	// Stripe's messages end with a period; ours add context after them.
	return strings.TrimRight(strings.TrimSpace(msg), ".")
}

// permission finds the restricted-key permission Stripe names in a 403
// ("Having the 'rak_checkout_session_write' permission would allow this
// request to continue.").
var permission = regexp.MustCompile(`\brak_[a-z0-9_]+`)

// permissionNames are the dashboard's names for the permissions Admit uses.
var permissionNames = map[string]string{
	"rak_checkout_session_write": "Checkout Sessions: Write",
	"rak_checkout_session_read":  "Checkout Sessions: Read",
	"rak_refund_write":           "Refunds: Write",
	"rak_refund_read":            "Refunds: Read",
	"rak_charge_write":           "Charges: Write",
	"rak_charge_read":            "Charges: Read",
	"rak_payment_intent_write":   "PaymentIntents: Write",
	"rak_payment_intent_read":    "PaymentIntents: Read",
}

// permissionName turns "rak_checkout_session_write" into the name the
// Stripe dashboard shows for it.
func permissionName(rak string) string {
	if n, ok := permissionNames[rak]; ok {
		return n
	}
	s := strings.TrimPrefix(rak, "rak_")
	access := ""
	for _, a := range []string{"_write", "_read"} {
		if strings.HasSuffix(s, a) {
			s, access = strings.TrimSuffix(s, a), strings.TrimPrefix(a, "_")
		}
	}
	s = strings.ReplaceAll(s, "_", " ")
	if access != "" {
		return s + ": " + strings.ToUpper(access[:1]) + access[1:]
	}
	return s
}

// apiError turns an error from stripe-go into one a person can act on,
// wrapping the payment sentinel it amounts to. Stripe's answer is described,
// never wrapped as is, so the key cannot leak through it. op says what was
// being done ("creating the checkout session").
func (p *Provider) apiError(op string, err error) error {
	var se *stripego.Error
	if !errors.As(err, &se) {
		// Transport errors (timeouts, refused connections, a cancelled
		// context) carry the URL, never the key, which travels in a header.
		return fmt.Errorf("stripe: %s: %w", op, err)
	}
	msg := p.redact(se.Msg)
	ref := ""
	if se.RequestID != "" {
		ref = " (request " + se.RequestID + ")"
	}
	switch {
	case se.HTTPStatusCode == http.StatusUnauthorized:
		why := "the key was refused"
		if se.Code == stripego.ErrorCodeAPIKeyExpired {
			why = "the key has expired"
		}
		return fmt.Errorf("stripe: %s: %s; check stripe.secret_key%s: %w", op, why, ref, payment.ErrCredentials)
	case se.HTTPStatusCode == http.StatusForbidden:
		if rak := permission.FindString(se.Msg); rak != "" {
			return fmt.Errorf("stripe: %s: the restricted key lacks the %q permission (%s)%s: %w",
				op, permissionName(rak), rak, ref, payment.ErrCredentials)
		}
		return fmt.Errorf("stripe: %s: the key may not do this: %s%s: %w", op, msg, ref, payment.ErrCredentials)
	case se.Code == stripego.ErrorCodeResourceMissing || se.HTTPStatusCode == http.StatusNotFound:
		return fmt.Errorf("stripe: %s: %s%s: %w", op, msg, ref, payment.ErrNotFound)
	case se.HTTPStatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("stripe: %s: Stripe is limiting the request rate; try again shortly%s", op, ref)
	case se.HTTPStatusCode >= 500:
		return fmt.Errorf("stripe: %s: Stripe answered %d%s; try again later", op, se.HTTPStatusCode, ref)
	}
	detail := ""
	if se.Code != "" {
		detail += " code " + string(se.Code)
	}
	if se.Param != "" {
		detail += " param " + se.Param
	}
	if detail != "" {
		detail = " (" + strings.TrimSpace(detail) + ")"
	}
	return fmt.Errorf("stripe: %s: %s%s%s", op, msg, detail, ref)
}
