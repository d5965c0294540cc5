package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/admit/admit/app/clocktest"
)

// The automatic HTTPS test runs Pebble, Let's Encrypt's test ACME server,
// on loopback (scripts/test.sh installs it). Without it the test skips,
// except on CI (CI=true) where it fails.

const httpsDomain = "admit.test"

// TestAutomaticHTTPS: with http.domain set, admit obtains a certificate
// from the ACME CA by the http-01 challenge answered on its redirect
// listener (Pebble's tls-alpn-01 port leads nowhere, so no other challenge
// can succeed), serves /healthz over HTTPS with a chain that verifies
// against the CA's root, redirects plain HTTP to https with path and
// query, takes public_url from the domain, keeps the certificate under
// data/certs, and on restart serves it from there without the CA.
func TestAutomaticHTTPS(t *testing.T) {
	pebble, err := exec.LookPath("pebble")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pebble is not on PATH (scripts/test.sh installs it: go install github.com/letsencrypt/pebble/v2/cmd/pebble)")
		}
		t.Skip("pebble is not on PATH (bash scripts/test.sh installs it)")
	}
	dir := t.TempDir()
	caPEM := writeTestTLS(t, dir) // Pebble's own HTTPS certificate and its root
	dns := startLoopbackDNS(t)
	httpsAddr, redirectAddr := freeAddr(t), freeAddr(t)
	_, redirectPort, _ := net.SplitHostPort(redirectAddr)
	_, httpsPort, _ := net.SplitHostPort(httpsAddr)
	acmeAddr, mgmtAddr, nowhere := freeAddr(t), freeAddr(t), freeAddr(t)
	_, nowherePort, _ := net.SplitHostPort(nowhere)
	conf := fmt.Sprintf(`{"pebble": {"listenAddress": %q, "managementListenAddress": %q,
		"certificate": %q, "privateKey": %q, "httpPort": %s, "tlsPort": %s, "ocspResponderURL": "",
		"externalAccountBindingRequired": false, "keyAlgorithm": "ecdsa"}}`,
		acmeAddr, mgmtAddr, filepath.Join(dir, "pebble-cert.pem"), filepath.Join(dir, "pebble-key.pem"), redirectPort, nowherePort)
	if err := os.WriteFile(filepath.Join(dir, "pebble.json"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	ca := startProc(t, pebble, dir, []string{"PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0"},
		"-config", filepath.Join(dir, "pebble.json"), "-dnsserver", dns)
	if err := ca.stdout.waitFor("ACME directory available", ca.done, clocktest.Patience(t, time.Minute)); err != nil {
		t.Fatalf("pebble: %v\n%s%s", err, ca.stdout.String(), ca.stderr.String())
	}
	caRoots := x509.NewCertPool()
	caRoots.AppendCertsFromPEM(caPEM)
	caClient := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: caRoots}}}
	// Pebble prints that line just before it binds: wait for the directory
	// to answer before admit asks it.
	getUntilUp(t, caClient, "https://"+acmeAddr+"/dir", ca)

	work := filepath.Join(dir, "admit")
	if err := os.MkdirAll(work, 0o700); err != nil {
		t.Fatal(err)
	}
	env := []string{"ADMIT_HTTP__DOMAIN=" + httpsDomain, "ADMIT_HTTP__HTTPS_ADDRESS=" + httpsAddr,
		"ADMIT_HTTP__REDIRECT_ADDRESS=" + redirectAddr, "ADMIT_HTTP__ACME_DIRECTORY=https://" + acmeAddr + "/dir",
		"ADMIT_HTTP__ACME_CA_ROOTS=" + filepath.Join(dir, "pebble-root.pem"), "ADMIT_HTTP__ACME_EMAIL=ops@example.org",
		// http.address is unused with a domain: a busy one must not matter.
		"ADMIT_HTTP__ADDRESS=" + redirectAddr}
	p := startProc(t, bin, work, env)
	// Either line ends the wait: "https certificate ready" or "https
	// certificate not obtained".
	if err := p.stderr.waitFor("https certificate", p.done, clocktest.Patience(t, 3*time.Minute)); err != nil || !strings.Contains(p.stderr.String(), "https certificate ready") {
		t.Fatalf("admit: %v\nstderr:\n%s\npebble:\n%s", err, p.stderr.String(), ca.stdout.String())
	}
	origin := "https://" + net.JoinHostPort(httpsDomain, httpsPort)
	if err := p.stderr.waitFor("public_url="+origin, p.done, clocktest.Patience(t, time.Minute)); err != nil {
		t.Fatalf("public_url is not taken from the domain: %v\n%s", err, p.stderr.String())
	}

	// The certificate chains to the root Pebble issued this run.
	resp, err := caClient.Get("https://" + mgmtAddr + "/roots/0")
	if err != nil {
		t.Fatal(err)
	}
	rootPEM, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	issued := x509.NewCertPool()
	if resp.StatusCode != http.StatusOK || !issued.AppendCertsFromPEM(rootPEM) {
		t.Fatalf("pebble /roots/0: %d %s", resp.StatusCode, rootPEM)
	}
	toLoopback := func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, _ := net.SplitHostPort(addr)
		return (&net.Dialer{}).DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
	}
	client := &http.Client{Timeout: 30 * time.Second,
		Transport:     &http.Transport{DialContext: toLoopback, TLSClientConfig: &tls.Config{RootCAs: issued}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = client.Get(origin + "/healthz")
	if err != nil {
		t.Fatalf("GET %s/healthz: %v", origin, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"ok"`) {
		t.Fatalf("/healthz over https: %d %s", resp.StatusCode, body)
	}
	leaf := resp.TLS.PeerCertificates[0]
	if err := leaf.VerifyHostname(httpsDomain); err != nil || leaf.Issuer.String() == leaf.Subject.String() {
		t.Fatalf("served certificate %v (issuer %v): %v", leaf.DNSNames, leaf.Issuer, err)
	}
	if hsts := resp.Header.Get("Strict-Transport-Security"); hsts == "" {
		t.Error("no Strict-Transport-Security over https")
	}

	// Plain HTTP: a permanent redirect to the same path and query.
	for _, target := range []string{"/healthz", "/e/launch-night?lang=fr&ref=mail"} {
		resp, err = client.Get("http://" + net.JoinHostPort(httpsDomain, redirectPort) + target)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != origin+target {
			t.Fatalf("http %s: %d Location %q, want 308 to %s", target, resp.StatusCode, resp.Header.Get("Location"), origin+target)
		}
	}

	// Kept under data/certs: a restart serves it without asking the CA.
	if _, err := os.Stat(filepath.Join(work, "data", "certs", httpsDomain)); err != nil {
		t.Fatalf("certificate not kept under data/certs: %v", err)
	}
	p.signal(syscall.SIGTERM)
	if code, ok := p.wait(30 * time.Second); !ok || code != 0 {
		t.Fatalf("admit stop: code %d (ended: %v)\n%s", code, ok, p.stderr.String())
	}
	ca.kill()
	p = startProc(t, bin, work, env)
	if err := p.stderr.waitFor("https certificate ready", p.done, clocktest.Patience(t, time.Minute)); err != nil {
		t.Fatalf("admit restarted: %v\n%s", err, p.stderr.String())
	}
	resp, err = client.Get(origin + "/healthz")
	if err != nil {
		t.Fatalf("after restart: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !resp.TLS.PeerCertificates[0].Equal(leaf) {
		t.Fatalf("after restart: %d, same certificate: %v", resp.StatusCode, resp.TLS.PeerCertificates[0].Equal(leaf))
	}
}

// TestBusyHTTPSAddressNamesTheKey: with http.domain, an https or redirect
// address that cannot be listened on stops the start naming its key,
// before anything is created and before any CA is asked.
func TestBusyHTTPSAddressNamesTheKey(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, key := range []string{"https_address", "redirect_address"} {
		cwd := t.TempDir()
		env := []string{"ADMIT_HTTP__DOMAIN=" + httpsDomain, "ADMIT_HTTP__HTTPS_ADDRESS=" + freeAddr(t),
			"ADMIT_HTTP__REDIRECT_ADDRESS=" + freeAddr(t), "ADMIT_HTTP__ACME_DIRECTORY=https://127.0.0.1:1/dir",
			"ADMIT_HTTP__" + strings.ToUpper(key) + "=" + busy.Addr().String()}
		p := startProc(t, bin, cwd, env)
		code, ok := p.wait(30 * time.Second)
		if !ok {
			p.kill()
			t.Fatalf("http.%s busy: admit serves (stderr %q)", key, p.stderr.String())
		}
		if code == 0 || !strings.Contains(p.stderr.String(), "http."+key) {
			t.Errorf("http.%s busy: exit %d, stderr %q (want non-zero, naming http.%s)", key, code, p.stderr.String(), key)
		}
		if _, err := os.Stat(filepath.Join(cwd, "data")); err == nil {
			t.Errorf("http.%s busy: ./data created before the address was refused", key)
		}
	}
}

// getUntilUp asks url until it answers (a refused connection means "not
// yet"), failing when proc ends first or after clocktest.Patience of a
// minute.
func getUntilUp(t *testing.T, c *http.Client, url string, p *proc) {
	t.Helper()
	deadline := time.Now().Add(clocktest.Patience(t, time.Minute))
	for {
		resp, err := c.Get(url)
		if err == nil {
			resp.Body.Close()
			return
		}
		if p.exited() || time.Now().After(deadline) {
			t.Fatalf("%s: %v\n%s%s", url, err, p.stdout.String(), p.stderr.String())
		}
		select {
		case <-p.done:
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// writeTestTLS writes a self-signed certificate for 127.0.0.1 and
// localhost (pebble-cert.pem, pebble-key.pem, and as the root
// pebble-root.pem) into dir, and returns it.
func writeTestTLS(t *testing.T, dir string) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pebble test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	for name, data := range map[string][]byte{"pebble-cert.pem": certPEM, "pebble-root.pem": certPEM,
		"pebble-key.pem": pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certPEM
}

// startLoopbackDNS answers every A question with 127.0.0.1 and every other
// question with no answer, over TCP on loopback (Pebble asks its -dnsserver
// over TCP), until the test ends; it returns its address. Enough for an
// ACME server's validation lookups.
func startLoopbackDNS(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				for { // each message after its two-byte length
					var size [2]byte
					if _, err := io.ReadFull(conn, size[:]); err != nil {
						return
					}
					q := make([]byte, binary.BigEndian.Uint16(size[:]))
					if _, err := io.ReadFull(conn, q); err != nil {
						return
					}
					reply := dnsAnswer(q)
					if reply == nil {
						return
					}
					if _, err := conn.Write(binary.BigEndian.AppendUint16(nil, uint16(len(reply)))); err != nil {
						return
					}
					if _, err := conn.Write(reply); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// dnsAnswer is the reply to a one-question DNS query (nil when q is not
// one).
func dnsAnswer(q []byte) []byte {
	if len(q) < 12 || binary.BigEndian.Uint16(q[4:]) != 1 {
		return nil
	}
	i := 12
	for i < len(q) && q[i] != 0 { // the question's name, label by label
		i += int(q[i]) + 1
	}
	if i+5 > len(q) {
		return nil
	}
	question := q[12 : i+5] // name, its ending zero, type, class
	qtype := binary.BigEndian.Uint16(q[i+1:])
	out := append([]byte{}, q[:2]...)           // the query's id
	out = append(out, 0x84|q[2]&0x01, 0x80)     // response, authoritative, recursion as asked and available
	out = binary.BigEndian.AppendUint16(out, 1) // questions
	out = binary.BigEndian.AppendUint16(out, 0) // answers, set below
	out = append(out, 0, 0, 0, 0)               // authority, additional
	out = append(out, question...)
	if qtype == 1 { // A
		binary.BigEndian.PutUint16(out[6:], 1)
		out = append(out, 0xc0, 12)           // the name, pointing at the question's
		out = append(out, 0, 1, 0, 1)         // A, IN
		out = append(out, 0, 0, 0, 60)        // TTL
		out = append(out, 0, 4, 127, 0, 0, 1) // length, 127.0.0.1
	}
	return out
}
