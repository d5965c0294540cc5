package web

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// The organization's branding: the API (admins only, as every settings
// route), and the two public files pages link to: the logo and a small
// stylesheet with the accent colour. Both are addressed with ?v= set to
// their version, so browsers keep them for good and a change is a new
// address.

// brandingJSON is the branding as the API answers it.
type brandingJSON struct {
	Name         string     `json:"name"`
	AccentColor  string     `json:"accent_color"`
	Footer       string     `json:"footer"`
	PrivacyURL   string     `json:"privacy_url"`
	ContactEmail string     `json:"contact_email"`
	LogoURL      *string    `json:"logo_url"`
	UpdatedAt    *time.Time `json:"updated_at"`
}

func brandingView(b *model.Branding) brandingJSON {
	v := brandingJSON{Name: b.Name, AccentColor: b.AccentColor, Footer: b.Footer, PrivacyURL: b.PrivacyURL, ContactEmail: b.ContactEmail}
	if u := logoURL(b); u != "" {
		v.LogoURL = &u
	}
	if !b.UpdatedAt.IsZero() {
		t := b.UpdatedAt
		v.UpdatedAt = &t
	}
	return v
}

// logoURL is the logo's cacheable address ("" without a logo).
func logoURL(b *model.Branding) string {
	if b == nil || len(b.Logo) == 0 {
		return ""
	}
	return "/branding/logo?v=" + b.LogoHash
}

// brandCSSURL is the accent stylesheet's address ("" when the accent is
// Admit's own: admit.css has it).
func brandCSSURL(b *model.Branding) string {
	if b == nil || b.AccentColor == "" {
		return ""
	}
	return "/branding/style.css?v=" + strings.TrimPrefix(b.AccentColor, "#")
}

func (s *Server) getBranding(c *fiber.Ctx) error {
	b, err := s.Tickets.Branding(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(brandingView(b))
}

func (s *Server) putBranding(c *fiber.Ctx) error {
	var in ticketing.BrandingInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	b, err := s.Tickets.SetBranding(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.JSON(brandingView(b))
}

// putLogo takes the image as the body itself, or as the file of field
// "logo" of a multipart form; its kind is told from its content.
func (s *Server) putLogo(c *fiber.Ctx) error {
	data, err := logoUpload(c)
	if err != nil {
		return err
	}
	b, err := s.Tickets.SetLogo(c.UserContext(), data)
	if err != nil {
		return err
	}
	return c.JSON(brandingView(b))
}

func (s *Server) deleteLogo(c *fiber.Ctx) error {
	b, err := s.Tickets.DeleteLogo(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(brandingView(b))
}

// logoUpload reads the uploaded logo: a multipart form's "logo" file, else
// the whole body. The body was read whole, within BodyLimit, already.
func logoUpload(c *fiber.Ctx) ([]byte, error) {
	mt, params, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if mt != fiber.MIMEMultipartForm {
		return c.Body(), nil
	}
	mr := multipart.NewReader(bytes.NewReader(c.Body()), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, model.Invalid(map[string]string{"logo": "is missing: send the image in the form's field logo"})
		}
		if err != nil {
			return nil, model.Invalid(map[string]string{"logo": "the multipart body could not be read"})
		}
		if p.FormName() != "logo" {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(p, model.MaxLogoBytes+1))
		if err != nil {
			return nil, model.Invalid(map[string]string{"logo": "the multipart body could not be read"})
		}
		return data, nil
	}
}

// brandLogo serves the logo. Asked for by its version it is kept for a
// year; any other address gets the current logo for a minute.
func (s *Server) brandLogo(c *fiber.Ctx) error {
	b, err := s.Tickets.Branding(c.UserContext())
	if err != nil {
		return err
	}
	if len(b.Logo) == 0 {
		return model.ErrNotFound
	}
	cacheFor(c, c.Query("v") == b.LogoHash)
	c.Set(fiber.HeaderContentType, b.LogoType)
	c.Set(fiber.HeaderETag, `"`+b.LogoHash+`"`)
	return c.Send(b.Logo)
}

// brandStyle serves the accent colours as custom properties that
// admit.css uses: --accent for buttons and links (darkened, when needed,
// to read at 4.5:1 on the page's light backgrounds) with --accent-fg, the
// text that reads on it, and --brand, the colour as chosen, for the
// header's band (no text on it).
func (s *Server) brandStyle(c *fiber.Ctx) error {
	b, err := s.Tickets.Branding(c.UserContext())
	if err != nil {
		return err
	}
	cacheFor(c, c.Query("v") == strings.TrimPrefix(b.AccentColor, "#"))
	c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
	return c.SendString(brandCSS(b))
}

// brandCSS is the stylesheet of brandStyle.
func brandCSS(b *model.Branding) string {
	accent := b.AccentText()
	return fmt.Sprintf(":root { --accent: %s; --accent-fg: %s; --brand: %s; }\n", accent, model.Ink(accent), b.Accent())
}

// cacheFor sets how long an answer may be kept: a year when the address
// names the version served, else a minute.
func cacheFor(c *fiber.Ctx, versioned bool) {
	if versioned {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
		return
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
}
