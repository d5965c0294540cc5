package paypal

import (
	"slices"
	"testing"

	"github.com/admit/admit/app/pricing"
)

func TestAmountConversion(t *testing.T) {
	for _, tc := range []struct {
		minor    int64
		currency string
		value    string
	}{
		{1999, "USD", "19.99"},
		{2000, "EUR", "20.00"},
		{5, "GBP", "0.05"},
		{50, "CHF", "0.50"},
		{0, "USD", "0.00"},
		{100, "PLN", "1.00"},
		{4600000, "CZK", "46000.00"},
		{10600000, "PHP", "106000.00"},
		{123456789012345, "USD", "1234567890123.45"},
	} {
		t.Run(tc.value+tc.currency, func(t *testing.T) {
			got, err := formatAmount(tc.minor, tc.currency)
			if err != nil || got != tc.value {
				t.Fatalf("formatAmount(%d, %s) = %q, %v; want %q", tc.minor, tc.currency, got, err, tc.value)
			}
			back, err := parseAmount(tc.value, tc.currency)
			if err != nil || back != tc.minor {
				t.Fatalf("parseAmount(%q, %s) = %d, %v; want %d", tc.value, tc.currency, back, err, tc.minor)
			}
		})
	}
}

func TestParseAmount(t *testing.T) {
	ok := []struct {
		value string
		want  int64
	}{
		{"19.99", 1999}, {"20", 2000}, {"20.0", 2000}, {"20.5", 2050}, {"19.990", 1999},
		{"0.01", 1}, {"007.10", 710}, {"1000000.00", 100000000},
	}
	for _, tc := range ok {
		if got, err := parseAmount(tc.value, "USD"); err != nil || got != tc.want {
			t.Errorf("parseAmount(%q) = %d, %v; want %d", tc.value, got, err, tc.want)
		}
	}
	// Never a rounding, never a float: anything PayPal would not write is an
	// error.
	for _, bad := range []string{"", ".", "19.", ".99", "19.999", "19.991", "-1.00", "+1.00", "1e3", "1,00", " 1.00", "1.00 ", "0x10", "NaN", "1.0.0", "9999999999999999.00"} {
		if got, err := parseAmount(bad, "USD"); err == nil {
			t.Errorf("parseAmount(%q) = %d, want an error", bad, got)
		}
	}
	if _, err := parseAmount("10.00", "HUF"); err == nil {
		t.Error("HUF parsed: it is not a PayPal currency here")
	}
	for _, bad := range []int64{-1, maxMinor + 1} {
		if _, err := formatAmount(bad, "USD"); err == nil {
			t.Errorf("formatAmount(%d) succeeded", bad)
		}
	}
}

// Every amount Admit can charge survives the round trip exactly.
func TestAmountRoundTrip(t *testing.T) {
	for _, code := range pricing.Codes() {
		c, _ := pricing.Lookup(code)
		if !((&Provider{}).Supports(code)) {
			continue
		}
		for _, minor := range []int64{c.Min(), c.Min() + 1, 1999, 12345, c.Max() - 1, c.Max()} {
			v, err := formatAmount(minor, code)
			if err != nil {
				t.Fatal(err)
			}
			back, err := parseAmount(v, code)
			if err != nil || back != minor {
				t.Errorf("%s: %d → %q → %d, %v", code, minor, v, back, err)
			}
		}
	}
}

func TestSupports(t *testing.T) {
	var got []string
	p := &Provider{}
	for _, code := range append(pricing.Codes(), "JPY", "TWD", "BRL", "XXX", "") {
		if p.Supports(code) {
			got = append(got, code)
		}
	}
	want := []string{"AUD", "CAD", "CHF", "CZK", "DKK", "EUR", "GBP", "HKD", "ILS", "MXN", "NOK", "NZD", "PHP", "PLN", "SEK", "SGD", "THB", "USD"}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("Supports: %v\nwant        %v", got, want)
	}
	for _, code := range []string{"HUF", "BGN", "RON"} {
		if p.Supports(code) {
			t.Errorf("%s is Stripe only", code)
		}
	}
	if !p.Supports("usd") {
		t.Error("lower-case usd refused")
	}
}

func TestPayPalLocale(t *testing.T) {
	for in, want := range map[string]string{
		"fr": "fr-FR", "en": "en-US", "ru": "ru-RU", "de": "de-DE", "es": "es-ES",
		"fr-CA": "fr-CA", "pt_br": "pt-BR", "EN": "en-US", "": "", "xx": "", "english": "", "fr-CA-x": "",
	} {
		if got := paypalLocale(in); got != want {
			t.Errorf("paypalLocale(%q) = %q, want %q", in, got, want)
		}
	}
}
