package model

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// ErrTooLarge: an uploaded file is larger than allowed (413).
var ErrTooLarge = errors.New("too large")

// ErrUnsupportedMedia: an uploaded file is not of a kind accepted (415).
var ErrUnsupportedMedia = errors.New("unsupported media type")

// Branding is the organization's look on every public page and email.
// Empty fields fall back to Admit's own (no name: "Admit").
type Branding struct {
	Name string
	// AccentColor is "#rrggbb" (empty: Admit's blue).
	AccentColor string
	Footer      string
	// PrivacyURL is an absolute http(s) address of the privacy policy.
	PrivacyURL string
	// ContactEmail is the address registrants may write to (the
	// confirmation names it; replies go there).
	ContactEmail string
	// Logo is a PNG or JPEG image of LogoType (nil: none); LogoHash names
	// its version in cacheable addresses.
	Logo      []byte
	LogoType  string
	LogoHash  string
	UpdatedAt time.Time
}

// MaxLogoBytes is the largest logo accepted.
const MaxLogoBytes = 512 << 10

// DefaultAccent is Admit's own accent colour.
const DefaultAccent = "#2456d6"

// rgb reads "#rrggbb" (ok false for anything else).
func rgb(hex string) (r, g, b float64, ok bool) {
	if len(hex) != 7 || hex[0] != '#' {
		return 0, 0, 0, false
	}
	var v [3]float64
	for i := range 3 {
		n := 0
		for _, c := range hex[1+2*i : 3+2*i] {
			n *= 16
			switch {
			case c >= '0' && c <= '9':
				n += int(c - '0')
			case c >= 'a' && c <= 'f':
				n += int(c-'a') + 10
			case c >= 'A' && c <= 'F':
				n += int(c-'A') + 10
			default:
				return 0, 0, 0, false
			}
		}
		v[i] = float64(n)
	}
	return v[0], v[1], v[2], true
}

// ValidColor reports whether s is "#rrggbb".
func ValidColor(s string) bool {
	_, _, _, ok := rgb(s)
	return ok
}

// luminance is WCAG 2's relative luminance of an sRGB colour (0..255).
func luminance(r, g, b float64) float64 {
	ch := func(c float64) float64 {
		c /= 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(r) + 0.7152*ch(g) + 0.0722*ch(b)
}

// Contrast is WCAG 2's contrast ratio of two "#rrggbb" colours (0 when
// one is not a colour).
func Contrast(a, b string) float64 {
	r1, g1, b1, ok1 := rgb(a)
	r2, g2, b2, ok2 := rgb(b)
	if !ok1 || !ok2 {
		return 0
	}
	l1, l2 := luminance(r1, g1, b1), luminance(r2, g2, b2)
	if l1 < l2 {
		l1, l2 = l2, l1
	}
	return (l1 + 0.05) / (l2 + 0.05)
}

// Ink is the text colour readable on a background: black or white,
// whichever contrasts more (one of them always reaches 4.5:1).
func Ink(background string) string {
	if Contrast(background, "#000000") >= Contrast(background, "#ffffff") {
		return "#000000"
	}
	return "#ffffff"
}

// tintBackground is the lightest background the accent is written on
// as text (a secondary button's tint), so an accent readable on it is
// readable on white too.
const tintBackground = "#e7ecfb"

// Accent is the branding's accent colour (DefaultAccent when unset).
func (b *Branding) Accent() string {
	if b == nil || !ValidColor(b.AccentColor) {
		return DefaultAccent
	}
	return strings.ToLower(b.AccentColor)
}

// AccentText is the accent as a colour for text and buttons on light
// backgrounds: the accent itself when it reaches 4.5:1 there (WCAG AA),
// else the accent darkened just enough. White text reads on it.
func (b *Branding) AccentText() string {
	c := b.Accent()
	r, g, bl, _ := rgb(c)
	for f := 1.0; f > 0; f -= 0.02 {
		hex := fmt.Sprintf("#%02x%02x%02x", int(r*f), int(g*f), int(bl*f))
		if Contrast(hex, tintBackground) >= 4.5 {
			return hex
		}
	}
	return "#000000"
}

// DisplayName is the organization's name, "Admit" when unset.
func (b *Branding) DisplayName() string {
	if b == nil || strings.TrimSpace(b.Name) == "" {
		return "Admit"
	}
	return b.Name
}
