// Package stripetest runs Stripe's official mock server (stripe-mock) for
// tests and builds webhooks signed with Stripe's real algorithm.
package stripetest

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Version is the stripe-mock the tests use (go install
// github.com/stripe/stripe-mock@v0.203.0).
const Version = "v0.203.0"

// Key is a test key stripe-mock accepts.
const Key = "sk_test_admit"

// Mock is a running stripe-mock.
type Mock struct {
	URL string
	cmd *exec.Cmd
}

// Start runs stripe-mock on a port the system chooses, on 127.0.0.1 only.
func Start() (*Mock, error) {
	path, err := exec.LookPath("stripe-mock")
	if err != nil {
		return nil, fmt.Errorf("stripe-mock is not on PATH: go install github.com/stripe/stripe-mock@%s", Version)
	}
	// Empty ports let the system choose; -https-addr too, else stripe-mock
	// also binds its fixed HTTPS port.
	cmd := exec.Command(path, "-http-addr", "127.0.0.1:", "-https-addr", "127.0.0.1:")
	dieWithParent(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	m := &Mock{cmd: cmd}
	addr := make(chan string, 1)
	go func() {
		const prefix = "Listening for HTTP at address: "
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), prefix); ok {
				addr <- strings.TrimSpace(a)
				break
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case a := <-addr:
		m.URL = "http://" + a
	case <-time.After(60 * time.Second):
		m.Close()
		return nil, fmt.Errorf("stripe-mock did not say where it listens within 60 s")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(m.URL + "/v1/checkout/sessions")
		if err == nil {
			res.Body.Close()
			return m, nil
		}
		if time.Now().After(deadline) {
			m.Close()
			return nil, fmt.Errorf("stripe-mock does not answer at %s: %v", m.URL, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Close stops stripe-mock.
func (m *Mock) Close() {
	if m.cmd != nil && m.cmd.Process != nil {
		_ = m.cmd.Process.Kill()
		_ = m.cmd.Wait()
	}
}

// Missing reports a stripe-mock that could not start: a failure under CI
// (CI=true), where every test must run, a skip elsewhere.
func Missing(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("stripe-mock is required: %v", err)
	}
	t.Skipf("stripe-mock unavailable: %v", err)
}

// Sign computes a Stripe-Signature header as Stripe does:
// t=<unix>,v1=hex(HMAC-SHA256(secret, "<t>.<body>")).
func Sign(secret string, at time.Time, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.", at.Unix())
	mac.Write(body)
	return fmt.Sprintf("t=%d,v1=%s", at.Unix(), hex.EncodeToString(mac.Sum(nil)))
}

// Event is a webhook body as Stripe sends it.
func Event(id, typ, object string) []byte {
	return EventWith(id, typ, object, "")
}

// EventWith is Event with data.previous_attributes (a JSON object, or ""
// for none).
func EventWith(id, typ, object, previous string) []byte {
	data := `{"object":` + object + `}`
	if previous != "" {
		data = `{"object":` + object + `,"previous_attributes":` + previous + `}`
	}
	return []byte(`{"id":"` + id + `","object":"event","api_version":"2023-10-16","created":` + fmt.Sprint(time.Now().Unix()) +
		`,"livemode":false,"pending_webhooks":1,"type":"` + typ + `","data":` + data + `}`)
}

// Refunded is a charge.refunded event: the charge's amount_refunded went
// from before to after.
func Refunded(id, charge, paymentIntent string, amount, before, after int64, currency string) []byte {
	return EventWith(id, "charge.refunded", Charge(charge, paymentIntent, amount, after, currency),
		fmt.Sprintf(`{"amount_refunded":%d}`, before))
}

// Session is a checkout.session object.
func Session(id string, registrationID int64, status, paymentStatus string, amount int64, currency, paymentIntent string) string {
	return fmt.Sprintf(`{"id":%q,"object":"checkout.session","mode":"payment","status":%q,"payment_status":%q,`+
		`"amount_total":%d,"currency":%q,"client_reference_id":"%d","metadata":{"registration_id":"%d"},"payment_intent":%q}`,
		id, status, paymentStatus, amount, strings.ToLower(currency), registrationID, registrationID, paymentIntent)
}

// Charge is a charge object after refunds.
func Charge(id, paymentIntent string, amount, refunded int64, currency string) string {
	return fmt.Sprintf(`{"id":%q,"object":"charge","amount":%d,"amount_refunded":%d,"currency":%q,"payment_intent":%q,"refunded":%t,"metadata":{}}`,
		id, amount, refunded, strings.ToLower(currency), paymentIntent, refunded >= amount)
}

// AuthorizedSession is a checkout.session object of a checkout that only
// authorizes (metadata capture=manual), completed by its buyer: the money
// is held on its PaymentIntent, not taken (payment_status unpaid).
func AuthorizedSession(id string, registrationID int64, amount int64, currency, paymentIntent string) string {
	return fmt.Sprintf(`{"id":%q,"object":"checkout.session","mode":"payment","status":"complete","payment_status":"unpaid",`+
		`"amount_total":%d,"currency":%q,"client_reference_id":"%d","metadata":{"registration_id":"%d","capture":"manual"},"payment_intent":%q}`,
		id, amount, strings.ToLower(currency), registrationID, registrationID, paymentIntent)
}

// PaymentIntent is a payment_intent object of a registration's checkout:
// status requires_capture with amount_capturable held, or canceled.
func PaymentIntent(id string, registrationID int64, amount, capturable int64, currency, status string) string {
	return fmt.Sprintf(`{"id":%q,"object":"payment_intent","amount":%d,"amount_capturable":%d,"amount_received":0,"capture_method":"manual",`+
		`"currency":%q,"status":%q,"metadata":{"registration_id":"%d"}}`,
		id, amount, capturable, strings.ToLower(currency), status, registrationID)
}
