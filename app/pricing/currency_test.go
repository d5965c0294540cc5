package pricing

import (
	"strings"
	"testing"
)

func TestCheckPrice(t *testing.T) {
	cases := []struct {
		amount int64
		code   string
		ok     bool
		want   string
	}{
		{1999, "EUR", true, ""},
		{100, "EUR", true, ""},
		{200000, "EUR", true, ""},
		{99, "EUR", false, "outside"},
		{200001, "EUR", false, "outside"},
		{0, "USD", false, "outside"},
		{-100, "USD", false, "outside"},
		{70000000, "HUF", true, ""},
		{100050, "HUF", false, "whole units"},
		{10600000, "PHP", true, ""},
		{10600001, "PHP", false, "outside"},
		{1000, "eur", false, "upper-case"},
		{1000, "XYZ", false, "not supported"},
	}
	for _, c := range cases {
		msg := CheckPrice(c.amount, c.code)
		if (msg == "") != c.ok || !strings.Contains(msg, c.want) {
			t.Errorf("CheckPrice(%d, %s) = %q", c.amount, c.code, msg)
		}
	}
	if len(Codes()) != 21 {
		t.Fatalf("%d currencies", len(Codes()))
	}
}

func TestFormat(t *testing.T) {
	c, _ := Lookup("EUR")
	if got := c.Format(1999); got != "19.99 EUR" {
		t.Fatal(got)
	}
	if got := c.Format(100005); got != "1000.05 EUR" {
		t.Fatal(got)
	}
}

func TestFormatIn(t *testing.T) {
	eur, _ := Lookup("EUR")
	huf, _ := Lookup("HUF")
	cases := []struct {
		c      Currency
		amount int64
		lang   string
		want   string
	}{
		{eur, 1999, "en", "19.99\u00a0EUR"},
		{eur, 1999, "fr", "19,99\u00a0EUR"},
		{eur, 120000, "en", "1,200.00\u00a0EUR"},
		{eur, 120000, "fr", "1\u202f200,00\u00a0EUR"},
		{eur, 120000, "de", "1.200,00\u00a0EUR"},
		{eur, 1200000, "de-CH", "12’000.00\u00a0EUR"},
		{huf, 70000000, "ru", "700\u00a0000,00\u00a0HUF"},
		{eur, 1999, "es", "19,99\u00a0EUR"},
		{eur, 120000, "es", "1200,00\u00a0EUR"}, // CLDR: four digits stay whole in Spanish
		{eur, 1200000, "es-ES", "12.000,00\u00a0EUR"},
		{eur, 1999, "es-MX", "19.99\u00a0EUR"},
		{eur, 120000, "es-MX", "1,200.00\u00a0EUR"},
		{eur, 1999, "es-419", "19.99\u00a0EUR"},
		{eur, 1999, "es-AR", "19,99\u00a0EUR"},
		{eur, 1999, "es_mx", "19.99\u00a0EUR"},
		{eur, 1999, "fr-CA", "19,99\u00a0EUR"},
		{eur, -1999, "de", "-19,99\u00a0EUR"},
		{eur, 5, "en", "0.05\u00a0EUR"},
		{eur, 100, "", "1.00\u00a0EUR"},
	}
	for _, c := range cases {
		if got := c.c.FormatIn(c.amount, c.lang); got != c.want {
			t.Errorf("FormatIn(%d, %q) = %q, want %q", c.amount, c.lang, got, c.want)
		}
	}
}

// TestFormatMoneyUnknownCurrency: a currency Admit does not sell in (one a
// provider reported) still shows an amount, with ISO 4217's decimals.
func TestFormatMoneyUnknownCurrency(t *testing.T) {
	cases := []struct {
		amount           int64
		code, lang, want string
	}{
		{1999, "EUR", "de", "19,99\u00a0EUR"},
		{1999, "JPY", "en", "1,999\u00a0JPY"},
		{1999, "KWD", "fr", "1,999\u00a0KWD"},
		{1999, "XYZ", "en", "19.99\u00a0XYZ"},
		{1999, "usd", "en", "19.99\u00a0USD"},
		{1999, "", "en", "19.99\u00a0?"},
	}
	for _, c := range cases {
		if got := FormatMoney(c.amount, c.code, c.lang); got != c.want {
			t.Errorf("FormatMoney(%d, %q, %q) = %q, want %q", c.amount, c.code, c.lang, got, c.want)
		}
	}
}
