package mail

import (
	"net/http"

	"github.com/admit/admit/app/model"
)

// Brand is the organization's look in a mail (model.Branding, ready for
// the templates).
type Brand struct {
	// Name is the organization's name ("" when unset: the templates name
	// no organization).
	Name string
	// Accent colours buttons and links: readable on white (WCAG AA), with
	// AccentInk the text on it.
	Accent, AccentInk string
	Footer            string
	PrivacyURL        string
	ContactEmail      string
	// LogoCID is the Content-ID of the inline logo ("" without one): the
	// HTML shows it as cid:LogoCID.
	LogoCID string
}

// Logo is the inline logo of a mail: the Message carries it in Inline.
func logoInline(b *model.Branding) *Inline {
	if b == nil || len(b.Logo) == 0 {
		return nil
	}
	ct := b.LogoType
	if ct == "" {
		ct = http.DetectContentType(b.Logo)
	}
	name := "logo.png"
	if ct == "image/jpeg" {
		name = "logo.jpg"
	}
	return &Inline{ContentID: name, Filename: name, ContentType: ct, Data: b.Logo}
}

// Branded is a branding made ready for the mails: the templates' Brand,
// and the inline logo and sender name of every Message.
type Branded struct {
	Brand Brand
	Logo  *Inline
}

// BrandOf makes a branding ready for the mails (nil: Admit's own).
func BrandOf(b *model.Branding) Branded {
	accent := b.AccentText()
	out := Branded{Brand: Brand{Accent: accent, AccentInk: model.Ink(accent)}, Logo: logoInline(b)}
	if b != nil {
		out.Brand.Name, out.Brand.Footer, out.Brand.PrivacyURL, out.Brand.ContactEmail = b.Name, b.Footer, b.PrivacyURL, b.ContactEmail
	}
	if out.Logo != nil {
		out.Brand.LogoCID = out.Logo.ContentID
	}
	return out
}

// Apply puts the branding's sender name, reply address and logo on a
// message rendered with its Brand.
func (b Branded) Apply(m *Message) {
	m.FromName = b.Brand.Name
	m.ReplyTo = b.Brand.ContactEmail
	if b.Logo != nil {
		m.Inline = append(m.Inline, *b.Logo)
	}
}
