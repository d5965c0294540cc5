package stripe

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/plugins/stripe/stripetest"
)

// The tests that talk to Stripe talk to the real stripe-mock (v0.203.0,
// `go install github.com/stripe/stripe-mock@v0.203.0`), started once on a
// port of its choosing and stopped when the package's tests end. Without the
// binary they are skipped, except under CI=true where they fail.

const testKey = "sk_test_admit4eC39HqLyjWDarjtT1zdp7dc" // stripe-mock wants exactly three _-separated parts

var mock struct {
	once sync.Once
	m    *stripetest.Mock
	base string
	err  error
	skip string
}

func TestMain(m *testing.M) {
	code := m.Run()
	stopMock()
	os.Exit(code)
}

// mockBase starts stripe-mock if needed and returns its base URL.
func mockBase(t *testing.T) string {
	t.Helper()
	mock.once.Do(startMock)
	if mock.skip != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s (CI=true: stripe-mock is required)", mock.skip)
		}
		t.Skip(mock.skip)
	}
	if mock.err != nil {
		t.Fatalf("stripe-mock: %v", mock.err)
	}
	return mock.base
}

// startMock runs one stripe-mock (stripetest.Start: a port of its choosing,
// killed with the test binary) for the package's tests. A missing binary
// skips them; one that does not start fails them.
func startMock() {
	if _, err := exec.LookPath("stripe-mock"); err != nil {
		mock.skip = "stripe-mock is not on PATH; go install github.com/stripe/stripe-mock@" + stripetest.Version
		return
	}
	m, err := stripetest.Start()
	if err != nil {
		mock.err = err
		return
	}
	mock.m, mock.base = m, m.URL
}

func stopMock() {
	if mock.m != nil {
		mock.m.Close()
	}
}

// recorded is one request as it left the client.
type recorded struct {
	Method, Path string
	Header       http.Header
	Query        url.Values
	Form         url.Values
}

// recorder is an http.RoundTripper that keeps every request's form before
// passing it on (to stripe-mock, or to an answer of the test's own).
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
	next http.RoundTripper
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("recorder: body is not a form: %v", err)
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, recorded{
		Method: req.Method, Path: req.URL.Path, Header: req.Header.Clone(),
		Query: req.URL.Query(), Form: form,
	})
	r.mu.Unlock()
	next := r.next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(req)
}

func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

func (r *recorder) last(t *testing.T) recorded {
	t.Helper()
	all := r.all()
	if len(all) == 0 {
		t.Fatal("no request was sent")
	}
	return all[len(all)-1]
}

// answer is a canned Stripe answer for one method and path; it stands in
// for Stripe where stripe-mock, being stateless, cannot (a completed
// session, a 403 for a restricted key).
type answer struct {
	method, path string
	status       int
	body         string
}

// canned answers requests from a list; anything else goes to next.
type canned struct {
	answers []answer
	next    http.RoundTripper
}

func (c canned) RoundTrip(req *http.Request) (*http.Response, error) {
	for _, a := range c.answers {
		if a.method == req.Method && a.path == req.URL.Path {
			return &http.Response{
				StatusCode: a.status,
				Header:     http.Header{"Content-Type": {"application/json"}, "Request-Id": {"req_test"}},
				Body:       io.NopCloser(strings.NewReader(a.body)),
				Request:    req,
			}, nil
		}
	}
	if c.next != nil {
		return c.next.RoundTrip(req)
	}
	return nil, fmt.Errorf("canned: no answer for %s %s", req.Method, req.URL.Path)
}

// fixedNow is the clock of the provider under test.
var fixedNow = time.Now().UTC().Truncate(time.Second)

// newMocked returns a provider talking to stripe-mock through a recorder.
func newMocked(t *testing.T) (*Provider, *recorder) {
	t.Helper()
	base := mockBase(t)
	rec := &recorder{}
	p, err := New(Config{
		SecretKey:     testKey,
		WebhookSecret: testWebhookSecret,
		APIBase:       base,
		HTTPClient:    &http.Client{Transport: rec, Timeout: 30 * time.Second},
		Now:           func() time.Time { return fixedNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	return p, rec
}

// newCanned returns a provider whose requests get canned answers (no
// stripe-mock needed).
func newCanned(t *testing.T, answers ...answer) (*Provider, *recorder) {
	t.Helper()
	rec := &recorder{next: canned{answers: answers}}
	p, err := New(Config{
		SecretKey:     testKey,
		WebhookSecret: testWebhookSecret,
		APIBase:       "http://stripe.invalid",
		HTTPClient:    &http.Client{Transport: rec, Timeout: 5 * time.Second},
		Now:           func() time.Time { return fixedNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	return p, rec
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}
