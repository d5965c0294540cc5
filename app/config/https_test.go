package config

import "testing"

// TestDomainSetsPublicURL: with http.domain, links name https://DOMAIN (the
// port of http.https_address when it is not 443) unless http.public_url is
// set; without it nothing changes.
func TestDomainSetsPublicURL(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "http://127.0.0.1:8080"},
		{map[string]string{"ADMIT_HTTP__DOMAIN": "Tickets.Example.org"}, "https://tickets.example.org"},
		{map[string]string{"ADMIT_HTTP__DOMAIN": "tickets.example.org", "ADMIT_HTTP__HTTPS_ADDRESS": "127.0.0.1:8443"}, "https://tickets.example.org:8443"},
		{map[string]string{"ADMIT_HTTP__DOMAIN": "tickets.example.org", "ADMIT_HTTP__PUBLIC_URL": "https://example.org/tickets"}, "https://example.org/tickets"},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			cfg, err := Load("")
			if err != nil {
				t.Fatal(err)
			}
			if cfg.HTTP.PublicURL != c.want {
				t.Errorf("%v: public_url %q, want %q", c.env, cfg.HTTP.PublicURL, c.want)
			}
		})
	}
	cfg, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Domain != "" || cfg.HTTP.HTTPSAddress != ":443" || cfg.HTTP.RedirectAddress != ":80" || cfg.HTTP.ACMEDirectory != LetsEncrypt {
		t.Errorf("defaults: %+v", cfg.HTTP)
	}
}
