package paypal

import (
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/pricing"
)

// Module describes the PayPal provider to Admit: main registers it. PayPal
// (Orders v2) publishes no per-currency minimum beyond one minor unit; the
// currencies are those of decimals.
func Module() payment.Module {
	cur := map[string]payment.Limits{}
	for _, code := range pricing.Codes() {
		if _, ok := decimals(code); ok {
			c, _ := pricing.Lookup(code)
			cur[code] = payment.Limits{Min: c.Unit()}
		}
	}
	return payment.Module{
		Name:  "paypal",
		Title: payment.Text{"en": "PayPal", "fr": "PayPal", "es": "PayPal", "ru": "PayPal", "de": "PayPal"},
		Hint: payment.Text{
			"en": "In PayPal's developer dashboard: Apps & Credentials for the client ID and secret, and the ID of the webhook that points to /webhooks/paypal.",
			"fr": "Dans le tableau de bord développeur PayPal : Apps & Credentials pour l’identifiant client et le secret, et l’identifiant du webhook qui pointe vers /webhooks/paypal.",
			"es": "En el panel de desarrolladores de PayPal: Apps & Credentials para el ID de cliente y el secreto, y el ID del webhook que apunta a /webhooks/paypal.",
			"ru": "В панели разработчика PayPal: Apps & Credentials для ID клиента и секрета, и ID вебхука, указывающего на /webhooks/paypal.",
			"de": "Im PayPal-Entwickler-Dashboard: Apps & Credentials für Client-ID und Geheimnis sowie die ID des Webhooks, der auf /webhooks/paypal zeigt.",
		},
		Settings: []payment.Setting{
			{Key: "client_id", Required: true,
				Label: payment.Text{"en": "Client ID", "fr": "Identifiant client", "es": "ID de cliente", "ru": "ID клиента", "de": "Client-ID"},
				Hint: payment.Text{
					"en": "Enter the client ID of your PayPal app.",
					"fr": "Saisissez l’identifiant client de votre app PayPal.",
					"es": "Escriba el ID de cliente de su app de PayPal.",
					"ru": "Введите ID клиента вашего приложения PayPal.",
					"de": "Geben Sie die Client-ID Ihrer PayPal-App ein.",
				}},
			{Key: "client_secret", Required: true, Secret: true,
				Label: payment.Text{"en": "Secret", "fr": "Secret", "es": "Secreto", "ru": "Секрет", "de": "Geheimnis"},
				Hint: payment.Text{
					"en": "Enter the secret of your PayPal app.",
					"fr": "Saisissez le secret de votre app PayPal.",
					"es": "Escriba el secreto de su app de PayPal.",
					"ru": "Введите секрет вашего приложения PayPal.",
					"de": "Geben Sie das Geheimnis Ihrer PayPal-App ein.",
				}},
			{Key: "webhook_id",
				Label: payment.Text{"en": "Webhook ID", "fr": "Identifiant du webhook", "es": "ID del webhook", "ru": "ID вебхука", "de": "Webhook-ID"}},
			{Key: "mode", Default: "sandbox",
				Label: payment.Text{"en": "Mode", "fr": "Mode", "es": "Modo", "ru": "Режим", "de": "Modus"},
				Options: []payment.Option{
					{Value: "sandbox", Label: payment.Text{"en": "Sandbox (test)", "fr": "Sandbox (test)", "es": "Sandbox (pruebas)", "ru": "Песочница (тест)", "de": "Sandbox (Test)"}},
					{Value: "live", Label: payment.Text{"en": "Live", "fr": "Production", "es": "Real", "ru": "Боевой", "de": "Live"}},
				}},
			payment.APIBase(),
		},
		Currencies: cur,
		Authorize:  true, // authorize.go
		// After the 3-day honor period a hold is renewed once before its
		// capture (authorize.go).
		Reauthorize: true,
		New: func(s map[string]string) (payment.Provider, error) {
			return New(Config{ClientID: s["client_id"], ClientSecret: s["client_secret"], Mode: s["mode"],
				APIBase: s["api_base"], WebhookID: s["webhook_id"]})
		},
	}
}
