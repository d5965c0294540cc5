// Package outhooks sends Admit's outgoing webhooks over HTTP: the signature
// (Stripe's scheme: HMAC-SHA256 of "timestamp.body"), the check of an
// endpoint's address, and a client that refuses to connect to a private,
// loopback, link-local, CGNAT or unspecified address after DNS resolution,
// so that a name that resolves elsewhere later (DNS rebinding) cannot reach
// inside the organizer's network. It knows nothing of the domain.
package outhooks

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Header carries the signature of a delivery.
const Header = "Admit-Signature"

// SecretPrefix starts every signing secret.
const SecretPrefix = "whsec_"

// NewSecret makes a signing secret: SecretPrefix and 32 random bytes in hex.
func NewSecret() string {
	return SecretPrefix + hex.EncodeToString(randomBytes(32))
}

// NewEventID makes an event id: "evt_" and 16 random bytes in hex.
func NewEventID() string {
	return "evt_" + hex.EncodeToString(randomBytes(16))
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return b
}

// Sign gives the signature header's value for body sent at t:
// "t=UNIX,v1=HEX" where HEX is the HMAC-SHA256 of "UNIX.BODY" under the
// secret (the whole secret string, prefix included, is the key).
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature header as a receiver does: one of its v1
// values must match, and its timestamp be within tolerance of now.
func Verify(header, secret string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return errors.New("outhooks: malformed signature header")
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("outhooks: signature timestamp %s is outside the tolerance", time.Unix(unix, 0).UTC().Format(time.RFC3339))
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return errors.New("outhooks: no signature matches")
}
