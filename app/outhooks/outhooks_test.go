package outhooks

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestSignature: the header is Stripe's scheme, computed by hand here, and
// Verify accepts it and nothing else.
func TestSignature(t *testing.T) {
	at := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":"evt_1","type":"event.updated"}`)
	m := hmac.New(sha256.New, []byte("whsec_test"))
	m.Write([]byte("1800000000." + string(body)))
	want := "t=1800000000,v1=" + hex.EncodeToString(m.Sum(nil))
	if got := Sign("whsec_test", at, body); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	if err := Verify(want, "whsec_test", body, at.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	for name, check := range map[string]error{
		"other secret": Verify(want, "whsec_other", body, at, 5*time.Minute),
		"other body":   Verify(want, "whsec_test", append(body, ' '), at, 5*time.Minute),
		"stale":        Verify(want, "whsec_test", body, at.Add(time.Hour), 5*time.Minute),
		"malformed":    Verify("v1=abc", "whsec_test", body, at, 5*time.Minute),
	} {
		if check == nil {
			t.Errorf("%s: verified", name)
		}
	}
	if s := NewSecret(); !strings.HasPrefix(s, SecretPrefix) || len(s) != len(SecretPrefix)+64 || s == NewSecret() {
		t.Fatalf("secret %s", s)
	}
}

func TestCheck(t *testing.T) {
	for addr, refused := range map[string]bool{
		"127.0.0.1": true, "10.0.0.1": true, "172.16.5.4": true, "192.168.0.1": true, "100.64.1.1": true,
		"169.254.169.254": true, "0.0.0.0": true, "::": true, "::1": true, "fd12::1": true, "fe80::1": true,
		"::ffff:10.0.0.1": true, "64:ff9b::7f00:1": true, "224.0.0.1": true,
		"203.0.113.7": false, "93.184.216.34": false, "2606:4700::1111": false, "100.128.0.1": false,
	} {
		err := Check(netip.MustParseAddr(addr))
		if (err != nil) != refused || (err != nil && !errors.Is(err, ErrRefused)) {
			t.Errorf("%s: %v", addr, err)
		}
	}
}

type fakeResolver map[string][]netip.Addr

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := f[host]; ok {
		return a, nil
	}
	return nil, errors.New("no such host")
}

func TestCheckURL(t *testing.T) {
	res := fakeResolver{
		"hooks.example.com": {netip.MustParseAddr("203.0.113.7")},
		"inside.example":    {netip.MustParseAddr("203.0.113.8"), netip.MustParseAddr("10.0.0.8")},
	}
	ctx := context.Background()
	for raw, want := range map[string]string{
		"https://hooks.example.com/admit":     "",
		"https://inside.example/admit":        "10.0.0.8 is a private address (inside.example resolves to it)",
		"https://nowhere.example/admit":       "does not resolve",
		"https://app.localhost/admit":         "loopback",
		"http://hooks.example.com/admit":      "https://",
		"https://hooks.example.com/admit#top": "fragment",
	} {
		err := CheckURL(ctx, raw, false, res)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: %v, want %q", raw, err, want)
		}
	}
	if err := CheckURL(ctx, "http://127.0.0.1:9/admit", true, res); err != nil {
		t.Fatalf("allowed private: %v", err)
	}
}

// TestClientRefusesAfterResolution: the check runs on the address the name
// resolved to, when connecting: "localhost" is refused though it is no
// address, and nothing reaches the server; allowed, it is reached.
func TestClientRefusesAfterResolution(t *testing.T) {
	reached := 0
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached++ }))
	defer srv.Close()
	url := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	_, err := NewClient(false, 5*time.Second).Post(url, "application/json", strings.NewReader("{}"))
	if !errors.Is(err, ErrRefused) || reached != 0 {
		t.Fatalf("refusing client: %v, reached %d", err, reached)
	}
	res, err := NewClient(true, 5*time.Second).Post(url, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if reached != 1 {
		t.Fatalf("reached %d", reached)
	}
}
