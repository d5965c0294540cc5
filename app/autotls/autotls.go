// Package autotls serves Admit over HTTPS without a reverse proxy: a
// certificate for one domain from an ACME CA (Let's Encrypt by default),
// obtained and renewed by golang.org/x/crypto/acme/autocert and kept in a
// folder, and a plain HTTP listener that answers the CA's http-01
// challenges and redirects everything else to https.
package autotls

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
)

// Options configure Listen.
type Options struct {
	// Domain is the one name certified (http.domain).
	Domain string
	// Origin is where the redirect sends plain HTTP: https://Domain, with
	// the port when it is not 443.
	Origin string
	// HTTPSAddress and RedirectAddress are where to listen.
	HTTPSAddress, RedirectAddress string
	// Directory is the ACME directory URL; Email the CA's contact (may be
	// empty).
	Directory, Email string
	// RootsFile is a PEM file of the roots that sign the directory's own
	// HTTPS certificate (empty: the system's).
	RootsFile string
	// CacheDir keeps the account key and the certificates (made, 0700,
	// when the first is stored).
	CacheDir string
	Log      *slog.Logger
}

// Listen opens the HTTPS and redirect listeners, starts serving the
// redirect, and starts obtaining the certificate (so that it is there
// before the first visitor). The returned listener yields TLS connections
// for the application; closing it closes the redirect server too.
func Listen(o Options) (net.Listener, error) {
	client := &acme.Client{DirectoryURL: o.Directory, UserAgent: "admit"}
	if o.RootsFile != "" {
		pem, err := os.ReadFile(o.RootsFile)
		if err != nil {
			return nil, fmt.Errorf("http.acme_ca_roots: %w", err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("http.acme_ca_roots: %s holds no PEM certificate", o.RootsFile)
		}
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
		client.HTTPClient = &http.Client{Transport: t}
	}
	m := &autocert.Manager{
		Prompt:     autocert.AcceptTOS,
		Cache:      autocert.DirCache(o.CacheDir),
		HostPolicy: autocert.HostWhitelist(o.Domain),
		Client:     client,
		Email:      o.Email,
	}
	// Before Listen's listeners exist: HTTPHandler tells the manager that
	// http-01 may be used.
	challenges := m.HTTPHandler(redirectTo(o.Origin))
	redirect := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The host policy compares names: without the port a CA sends
		// when the listener is not on 80.
		if host, _, err := net.SplitHostPort(r.Host); err == nil {
			r.Host = host
		}
		challenges.ServeHTTP(w, r)
	}),
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: time.Minute,
		ErrorLog: slog.NewLogLogger(o.Log.Handler(), slog.LevelWarn)}
	plain, err := net.Listen("tcp", o.RedirectAddress)
	if err != nil {
		return nil, fmt.Errorf("http.redirect_address: %w", err)
	}
	secure, err := net.Listen("tcp", o.HTTPSAddress)
	if err != nil {
		plain.Close()
		return nil, fmt.Errorf("http.https_address: %w", err)
	}
	go func() {
		if err := redirect.Serve(plain); err != nil && !errors.Is(err, http.ErrServerClosed) {
			o.Log.Error("redirect listener stopped", "address", plain.Addr().String(), "err", err)
		}
	}()
	cfg := m.TLSConfig()
	// fiber speaks HTTP/1.1 only: no h2 (TLSConfig offers it first).
	cfg.NextProtos = []string{"http/1.1", acme.ALPNProto}
	cfg.MinVersion = tls.VersionTLS12
	ctx, cancel := context.WithCancel(context.Background())
	go obtain(ctx, m, o)
	o.Log.Info("automatic https", "domain", o.Domain, "https_address", secure.Addr().String(),
		"redirect_address", plain.Addr().String(), "acme_directory", o.Directory, "certs", o.CacheDir)
	return &listener{Listener: tls.NewListener(secure, cfg), stop: func() {
		cancel()
		_ = redirect.Close()
	}}, nil
}

// obtain asks for the certificate once at start, as a modern browser's
// handshake would (ECDSA), and logs the outcome. On failure the next
// handshake for the domain tries again.
func obtain(ctx context.Context, m *autocert.Manager, o Options) {
	hello := &tls.ClientHelloInfo{ServerName: o.Domain,
		SignatureSchemes: []tls.SignatureScheme{tls.ECDSAWithP256AndSHA256},
		SupportedCurves:  []tls.CurveID{tls.CurveP256},
		CipherSuites:     []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}
	cert, err := m.GetCertificate(hello)
	if err != nil {
		if ctx.Err() == nil { // not stopped meanwhile
			o.Log.Error("https certificate not obtained yet: it is asked for again at the next visit", "domain", o.Domain, "err", err)
		}
		return
	}
	attrs := []any{"domain", o.Domain}
	if cert.Leaf != nil {
		attrs = append(attrs, "not_after", cert.Leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	o.Log.Info("https certificate ready", attrs...)
}

// redirectTo answers every request with a permanent redirect to the same
// path and query under origin.
func redirectTo(origin string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		http.Redirect(w, r, origin+r.URL.RequestURI(), http.StatusPermanentRedirect)
	})
}

type listener struct {
	net.Listener
	once sync.Once
	stop func()
}

func (l *listener) Close() error {
	l.once.Do(l.stop)
	return l.Listener.Close()
}
