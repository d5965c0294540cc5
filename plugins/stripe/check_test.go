package stripe

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/admit/admit/app/payment"
)

func TestCheckAgainstStripeMock(t *testing.T) {
	p, rec := newMocked(t)
	if err := p.Check(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	var sent []string
	for _, r := range rec.all() {
		sent = append(sent, r.Method+" "+r.Path)
	}
	want := "GET /v1/checkout/sessions POST /v1/checkout/sessions POST /v1/refunds"
	if strings.Join(sent, " ") != want {
		t.Errorf("sent %v, want %s", sent, want)
	}
	if got := rec.all()[0].Query.Get("limit"); got != "1" {
		t.Errorf("limit = %q", got)
	}
	for _, r := range rec.all()[1:] {
		if len(r.Form) != 0 {
			t.Errorf("%s %s: a probe sent %v", r.Method, r.Path, r.Form)
		}
	}
}

// stripe-mock refuses any key that does not look like a test secret key, and
// echoes the Authorization header in its message: the error must say the
// key was refused without repeating it.
func TestCheckRefusedKeyAgainstStripeMock(t *testing.T) {
	const liveKey = "sk_live_admitDoNotLeak0123456789"
	p, err := New(Config{SecretKey: liveKey, APIBase: mockBase(t), HTTPClient: &http.Client{Timeout: 30 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	err = p.Check(ctxT(t))
	if !errors.Is(err, payment.ErrCredentials) {
		t.Fatalf("error %v, want ErrCredentials", err)
	}
	if !strings.Contains(err.Error(), "the key was refused") {
		t.Errorf("error %q does not say the key was refused", err)
	}
	if strings.Contains(err.Error(), liveKey) || strings.Contains(err.Error(), "sk_live") {
		t.Errorf("error %q shows the key", err)
	}
}

func TestCheckPermissions(t *testing.T) {
	forbidden := func(rak string) string {
		return `{"error":{"type":"invalid_request_error","message":"The provided key 'rk_live_*********************************************************************************************qs8Kgd' does not have the required permissions for this endpoint on account 'acct_1PJBLEBBLEfV'. Having the '` + rak + `' permission would allow this request to continue."}}`
	}
	list := answer{"GET", "/v1/checkout/sessions", 200, `{"object":"list","data":[],"has_more":false,"url":"/v1/checkout/sessions"}`}
	missing := answer{"POST", "/v1/checkout/sessions", 400, `{"error":{"type":"invalid_request_error","code":"parameter_missing","message":"Missing required param: line_items."}}`}
	refundMissing := answer{"POST", "/v1/refunds", 400, `{"error":{"type":"invalid_request_error","code":"parameter_missing","message":"One of charge or payment_intent is required."}}`}
	for _, tc := range []struct {
		name    string
		answers []answer
		is      error
		contain string
	}{
		{"every permission", []answer{list, missing, refundMissing}, nil, ""},
		{"key refused", []answer{{"GET", "/v1/checkout/sessions", 401, `{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: rk_live_********Kgd"}}`}},
			payment.ErrCredentials, "the key was refused"},
		{"key expired", []answer{{"GET", "/v1/checkout/sessions", 401, `{"error":{"type":"invalid_request_error","code":"api_key_expired","message":"Expired API Key provided: rk_live_********Kgd"}}`}},
			payment.ErrCredentials, "the key has expired"},
		{"no Checkout Sessions read", []answer{{"GET", "/v1/checkout/sessions", 403, forbidden("rak_checkout_session_read")}},
			payment.ErrCredentials, `lacks the "Checkout Sessions: Read" permission`},
		{"no Checkout Sessions write", []answer{list, {"POST", "/v1/checkout/sessions", 403, forbidden("rak_checkout_session_write")}},
			payment.ErrCredentials, `lacks the "Checkout Sessions: Write" permission`},
		{"no Refunds write", []answer{list, missing, {"POST", "/v1/refunds", 403, forbidden("rak_refund_write")}},
			payment.ErrCredentials, `lacks the "Refunds: Write" permission (rak_refund_write)`},
		{"unknown permission", []answer{list, missing, {"POST", "/v1/refunds", 403, forbidden("rak_balance_transaction_source_read")}},
			payment.ErrCredentials, `"balance transaction source: Read"`},
		{"403 without a permission name", []answer{{"GET", "/v1/checkout/sessions", 403, `{"error":{"type":"invalid_request_error","message":"This API key rk_live_abc123 cannot be used here."}}`}},
			payment.ErrCredentials, "the key may not do this: This API key [redacted] cannot be used here"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := newCanned(t, tc.answers...)
			err := p.Check(ctxT(t))
			if tc.is == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tc.is) {
				t.Fatalf("error %v, want %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.contain) {
				t.Errorf("error %q does not contain %q", err, tc.contain)
			}
			if strings.Contains(err.Error(), "rk_live_") {
				t.Errorf("error %q shows a key", err)
			}
		})
	}
}

func TestNewRefusesKeysThatCannotWork(t *testing.T) {
	for _, key := range []string{"", "   ", "pk_test_123", "whsec_123", "123"} {
		if _, err := New(Config{SecretKey: key}); !errors.Is(err, payment.ErrCredentials) {
			t.Errorf("New(%q) = %v, want ErrCredentials", key, err)
		}
	}
	if _, err := New(Config{SecretKey: testKey, APIBase: "localhost:12111"}); err == nil {
		t.Error("api_base without a scheme accepted")
	}
	for _, key := range []string{"sk_test_1", "rk_live_1", " sk_live_1 "} {
		if _, err := New(Config{SecretKey: key}); err != nil {
			t.Errorf("New(%q): %v", key, err)
		}
	}
}
