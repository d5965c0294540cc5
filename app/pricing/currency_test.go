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
