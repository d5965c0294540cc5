package stripe

import (
	"context"
	"testing"
)

// BenchmarkParseWebhook: a signed checkout.session.completed, checked and
// decoded (go test -bench ParseWebhook ./plugins/stripe).
func BenchmarkParseWebhook(b *testing.B) {
	p, err := New(Config{SecretKey: testKey, WebhookSecret: testWebhookSecret})
	if err != nil {
		b.Fatal(err)
	}
	req := signed(eventJSON("evt_1", "checkout.session.completed", session("complete", "paid", "pi_1"), ""))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.ParseWebhook(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
