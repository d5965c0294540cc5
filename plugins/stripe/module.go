package stripe

import (
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/pricing"
)

// minimums are Stripe's minimum charges per currency, in minor units
// ("Minimum and maximum charge amounts" in
// https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts; the
// same figures are carried by WooCommerce Stripe, MemberPress
// app/data/minimum_charge_amounts.php and Oro's StripePaymentBundle).
// Stripe also requires the charge to convert to at least the minimum of the
// account's settlement currency; that depends on exchange rates and cannot
// be checked here. ILS and PHP are not in Stripe's table: they get Admit's
// per-ticket minimum of one major unit.
var minimums = map[string]int64{
	"USD": 50, "EUR": 50, "GBP": 30, "AUD": 50, "CAD": 50, "CHF": 50,
	"NZD": 50, "SGD": 50, "BGN": 100, "PLN": 200, "RON": 200, "DKK": 250,
	"NOK": 300, "SEK": 300, "HKD": 400, "MXN": 1000, "THB": 1000,
	"CZK": 1500, "HUF": 17500,
}

// Module describes the Stripe provider to Admit: main registers it.
func Module() payment.Module {
	cur := map[string]payment.Limits{}
	for _, code := range pricing.Codes() { // every currency Admit sells in
		c, _ := pricing.Lookup(code)
		m := minimums[code]
		if m == 0 {
			m = c.Unit()
		}
		cur[code] = payment.Limits{Min: m}
	}
	return payment.Module{
		Name:  "stripe",
		Title: payment.Text{"en": "Card (Stripe)", "fr": "Carte bancaire (Stripe)", "es": "Tarjeta (Stripe)", "ru": "Банковская карта (Stripe)", "de": "Karte (Stripe)"},
		Hint: payment.Text{
			"en": "In Stripe's dashboard: Developers → API keys (a restricted key needs write access to Checkout Sessions and Refunds), and Developers → Webhooks for the signing secret (whsec_…) of the endpoint /webhooks/stripe.",
			"fr": "Dans le tableau de bord Stripe : Développeurs → Clés API (une clé restreinte doit pouvoir écrire les Checkout Sessions et les remboursements), et Développeurs → Webhooks pour le secret de signature (whsec_…) du point /webhooks/stripe.",
			"es": "En el panel de Stripe: Desarrolladores → Claves de API (una clave restringida necesita escribir Checkout Sessions y reembolsos), y Desarrolladores → Webhooks para el secreto de firma (whsec_…) del punto /webhooks/stripe.",
			"ru": "В панели Stripe: Developers → API keys (ограниченному ключу нужна запись Checkout Sessions и возвратов) и Developers → Webhooks для секрета подписи (whsec_…) адреса /webhooks/stripe.",
			"de": "Im Stripe-Dashboard: Entwickler → API-Schlüssel (ein eingeschränkter Schlüssel braucht Schreibrechte für Checkout Sessions und Erstattungen) und Entwickler → Webhooks für das Signaturgeheimnis (whsec_…) des Endpunkts /webhooks/stripe.",
		},
		Settings: []payment.Setting{
			{Key: "secret_key", Required: true, Secret: true,
				Label: payment.Text{"en": "Secret or restricted key", "fr": "Clé secrète ou restreinte", "es": "Clave secreta o restringida", "ru": "Секретный или ограниченный ключ", "de": "Geheimer oder eingeschränkter Schlüssel"},
				Hint: payment.Text{
					"en": "Enter a secret key (sk_…) or a restricted key (rk_…) that Stripe accepts.",
					"fr": "Saisissez une clé secrète (sk_…) ou restreinte (rk_…) que Stripe accepte.",
					"es": "Escriba una clave secreta (sk_…) o restringida (rk_…) que Stripe acepte.",
					"ru": "Введите секретный (sk_…) или ограниченный (rk_…) ключ, который принимает Stripe.",
					"de": "Geben Sie einen geheimen (sk_…) oder eingeschränkten Schlüssel (rk_…) ein, den Stripe akzeptiert.",
				}},
			{Key: "webhook_secret", Secret: true,
				Label: payment.Text{"en": "Webhook signing secret", "fr": "Secret de signature du webhook", "es": "Secreto de firma del webhook", "ru": "Секрет подписи вебхука", "de": "Signaturgeheimnis des Webhooks"}},
			payment.APIBase(),
		},
		Currencies: cur,
		Authorize:  true, // authorize.go
		New: func(s map[string]string) (payment.Provider, error) {
			return New(Config{SecretKey: s["secret_key"], WebhookSecret: s["webhook_secret"], APIBase: s["api_base"]})
		},
	}
}
