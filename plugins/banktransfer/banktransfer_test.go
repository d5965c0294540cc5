package banktransfer

import (
	"errors"
	"strings"
	"testing"

	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/payment/paymenttest"
	"github.com/admit/admit/app/pricing"
)

func TestCheckIBAN(t *testing.T) {
	for _, ok := range []string{
		"DE89 3704 0044 0532 0130 00", "de89370400440532013000", "FR76 3000 6000 0112 3456 7890 189",
		"GB82 WEST 1234 5698 7654 32", "ES91 2100 0418 4502 0005 1332", "NL91 ABNA 0417 1643 00",
		"BE68 5390 0754 7034", "CH93 0076 2011 6238 5295 7", "NO93 8601 1117 947", "PL61 1090 1014 0000 0712 1981 2874",
	} {
		if err := CheckIBAN(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, c := range []struct{ iban, want string }{
		{"DE89 3704 0044 0532 0130 01", "check digits"},        // one digit mistyped
		{"DE98 3704 0044 0532 0130 00", "check digits"},        // two digits swapped
		{"DE89 3704 0044 0532 0130 0", "an IBAN of DE has 22"}, // one short
		{"FR76 3000 6000 0112 3456 7890 18", "an IBAN of FR has 27"},
		{"US12 3456 7890 1234 5678", "not a country with IBANs"},
		{"12345678", "is not an IBAN"},
		{"", "is not an IBAN"},
		{"DE89-3704-0044-0532-0130-00", "is not an IBAN"},
	} {
		err := CheckIBAN(c.iban)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.iban, err, c.want)
		}
	}
}

func TestCheckBIC(t *testing.T) {
	for _, ok := range []string{"COBADEFFXXX", "COBADEFF", "bnpafrpp", "DEUTDEFF500", "CHASUS33"} {
		if err := CheckBIC(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"COBADEF", "COBADEFFXX", "C0BADEFF", "COBAZZFF", "COBA DE FF X"} {
		if err := CheckBIC(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestReferenceUnique: every registration gets its own reference, which
// reads back to it and passes the ISO 11649 check; a mistyped character or
// two swapped ones never read back to any registration.
func TestReferenceUnique(t *testing.T) {
	seen := map[string]int64{}
	for id := int64(1); id <= 200000; id++ {
		ref := Reference(id)
		if other, dup := seen[ref]; dup {
			t.Fatalf("%d and %d share %s", other, id, ref)
		}
		seen[ref] = id
		if got, ok := ParseReference(ref); !ok || got != id {
			t.Fatalf("%s reads back to %d, %v", ref, got, ok)
		}
	}
	if got := Reference(42); got != "RF33A0000042" && mod97(got) != 1 {
		t.Fatalf("Reference(42) = %s", got)
	}
	ref := Reference(1234567)
	if id, ok := ParseReference(strings.ToLower(FormatReference(ref))); !ok || id != 1234567 {
		t.Fatalf("as printed, in lower case: %d %v", id, ok)
	}
	for i := 2; i < len(ref); i++ {
		for _, c := range "0123456789" {
			typo := ref[:i] + string(c) + ref[i+1:]
			if typo == ref {
				continue
			}
			if id, ok := ParseReference(typo); ok {
				t.Fatalf("typo %s of %s reads as registration %d", typo, ref, id)
			}
		}
		if i+1 < len(ref) && ref[i] != ref[i+1] {
			swap := ref[:i] + string(ref[i+1]) + string(ref[i]) + ref[i+2:]
			if id, ok := ParseReference(swap); ok {
				t.Fatalf("swap %s of %s reads as registration %d", swap, ref, id)
			}
		}
	}
}

func TestNewNamesTheSetting(t *testing.T) {
	good := Config{AccountHolder: "Webinars Ltd", IBAN: "DE89 3704 0044 0532 0130 00", BIC: "COBADEFFXXX", TermDays: 7}
	for _, c := range []struct {
		name string
		edit func(*Config)
		key  string
	}{
		{"bad IBAN", func(c *Config) { c.IBAN = "DE00 3704 0044 0532 0130 00" }, "iban"},
		{"bad BIC", func(c *Config) { c.BIC = "COBA" }, "bic"},
		{"IBAN without holder", func(c *Config) { c.AccountHolder = "" }, "account_holder"},
		{"nothing to pay to", func(c *Config) { c.IBAN, c.BIC = "", "" }, "iban"},
		{"term 0", func(c *Config) { c.TermDays = 0 }, "term_days"},
		{"term 61", func(c *Config) { c.TermDays = 61 }, "term_days"},
	} {
		cfg := good
		c.edit(&cfg)
		_, err := New(cfg)
		var se *payment.SettingError
		if !errors.As(err, &se) || se.Key != c.key {
			t.Errorf("%s: %v, want an error on %s", c.name, err, c.key)
		}
	}
	p, err := New(Config{Instructions: "Pay at the desk.", TermDays: 3})
	if err != nil {
		t.Fatalf("instructions alone: %v", err)
	}
	if got := p.Instructions("fr", Reference(9)); len(got) != 2 || got[0].Label != "Référence du virement" || got[1].Value != "Pay at the desk." {
		t.Fatalf("instructions: %+v", got)
	}
}

// TestProviderContract: the paymenttest suite where it applies: no buyer
// pays at a page and no bank sends webhooks, so what needs them is skipped.
func TestProviderContract(t *testing.T) {
	p, err := New(Config{AccountHolder: "Webinars Ltd", IBAN: "DE89370400440532013000", TermDays: 7})
	if err != nil {
		t.Fatal(err)
	}
	m := Module()
	paymenttest.Run(t, p, paymenttest.Harness{Name: Name, Module: &m, Takes: []string{"EUR", "USD", "HUF"}, Refuses: []string{"JPY", ""},
		UnknownCheckout: "RF00A0000001"})
}

// TestTermDaysOneRule: the term is refused alike by the setting's check,
// by the module's constructor (naming term_days) and by New.
func TestTermDaysOneRule(t *testing.T) {
	m := Module()
	s, _ := m.Setting("term_days")
	for _, v := range []string{"0", "61", "-3", "two", "1.5"} {
		msg := s.CheckValue(v)
		_, err := m.New(map[string]string{"instructions": "Pay at the desk.", "term_days": v})
		var se *payment.SettingError
		if msg == "" || !errors.As(err, &se) || se.Key != "term_days" || se.Problem != msg {
			t.Errorf("term_days %q: check %q, module %v", v, msg, err)
		}
	}
	for _, v := range []string{"", "1", "60", " 14 "} {
		if msg := s.CheckValue(v); msg != "" && v != "" {
			t.Errorf("term_days %q refused: %s", v, msg)
		}
		if _, err := m.New(map[string]string{"instructions": "Pay at the desk.", "term_days": v}); err != nil {
			t.Errorf("term_days %q: %v", v, err)
		}
	}
}

// TestSupportsWhatTheModuleLists: the provider takes exactly the
// currencies its module lists.
func TestSupportsWhatTheModuleLists(t *testing.T) {
	p, err := New(Config{Instructions: "Pay at the desk.", TermDays: 7})
	if err != nil {
		t.Fatal(err)
	}
	m := Module()
	for _, c := range append(pricing.Codes(), "", "eur", "JPY", "XXX") {
		if _, listed := m.Takes(c); p.Supports(c) != listed {
			t.Errorf("%q: supports %v, module lists %v", c, p.Supports(c), listed)
		}
	}
}
