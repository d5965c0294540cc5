package ticketing

import (
	"net/mail"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzRegistrationInput: the checks a registration's name, email and promo
// code go through never panic; a refused value is refused under its own
// field's name with a message, and an accepted one is what the message
// promises: one line of valid UTF-8 without control characters, within its
// length; an email that parses as a bare address, and its compared form
// in lower case.
func FuzzRegistrationInput(f *testing.F) {
	f.Add("Ada Lovelace", "ada@example.org", "EARLY")
	f.Add("  ", "ADA@Example.ORG", "")
	f.Add("Ann\r\nBcc: x@evil.example", "a@b", "x\ty")
	f.Add("\x00", "\"Ada\" <ada@example.org>", "\xff")
	f.Add(strings.Repeat("é", 300), "root@localhost", strings.Repeat("A", 65))
	f.Add("Зоя", " zoe@пример.рф ", "СКИДКА")
	f.Fuzz(func(t *testing.T, name, email, promo string) {
		f := fields{}
		checkLine(f, "name", name, true, maxTitle)
		clean, norm := normalizeEmail(f, "email", email)
		checkLine(f, "promo_code", promo, false, 64)
		for field, msg := range f {
			if msg == "" || (field != "name" && field != "email" && field != "promo_code") {
				t.Fatalf("refusal %q: %q", field, msg)
			}
		}
		for field, v := range map[string]string{"name": name, "promo_code": promo} {
			if _, refused := f[field]; refused {
				continue
			}
			max := map[string]int{"name": maxTitle, "promo_code": 64}[field]
			if !utf8.ValidString(v) || strings.ContainsAny(v, "\r\n") || strings.IndexFunc(v, unicode.IsControl) >= 0 || utf8.RuneCountInString(v) > max {
				t.Fatalf("%s %q accepted", field, v)
			}
			if field == "name" && strings.TrimSpace(v) == "" {
				t.Fatalf("blank name %q accepted", v)
			}
		}
		if _, refused := f["email"]; refused {
			if clean != "" || norm != "" {
				t.Fatalf("refused email %q gave %q, %q", email, clean, norm)
			}
			return
		}
		a, err := mail.ParseAddress(clean)
		if err != nil || a.Address != clean || clean != strings.TrimSpace(email) || norm != strings.ToLower(clean) || len(clean) > 254 {
			t.Fatalf("email %q accepted as %q, %q (%v)", email, clean, norm, err)
		}
	})
}
