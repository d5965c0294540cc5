// Package plugins builds the payment providers Admit ships with from their
// settings. main hands New to the domain, so that nothing in app/ imports a
// vendor SDK.
package plugins

import (
	"fmt"

	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/plugins/paypal"
	"github.com/admit/admit/plugins/stripe"
)

// New builds the provider called name from its settings (the keys of
// config.example.toml's [stripe] and [paypal] sections).
func New(name string, s map[string]string) (payment.Provider, error) {
	switch name {
	case "stripe":
		return stripe.New(stripe.Config{SecretKey: s["secret_key"], WebhookSecret: s["webhook_secret"], APIBase: s["api_base"]})
	case "paypal":
		return paypal.New(paypal.Config{ClientID: s["client_id"], ClientSecret: s["client_secret"], Mode: s["mode"],
			APIBase: s["api_base"], WebhookID: s["webhook_id"]})
	}
	return nil, fmt.Errorf("unknown payment provider %q", name)
}
