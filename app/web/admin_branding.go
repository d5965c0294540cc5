package web

import (
	"context"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// The branding section of the settings page: the text form and the logo's
// upload (with a preview of the logo kept), each through the same service
// call as PUT /api/v1/settings/branding and .../branding/logo.

// Sections of renderSettings that are the branding's forms.
const (
	brandingSection = "branding"
	logoSection     = "logo"
)

// brandingFields are the inputs of the branding form, in order.
var brandingFields = []string{"name", "accent_color", "footer", "privacy_url", "contact_email"}

// brandingPanel is the branding section of the settings page.
type brandingPanel struct {
	Brand   *model.Branding
	LogoURL string
	// Form is what the form shows (what was typed, after an error).
	Form map[string]string
	// Problem is the text form's error, LogoProblem the upload's.
	Problem, LogoProblem *apiErrorBody
	// MaxLogoKB is the largest logo, for the hint; MaxLogoBytes for the
	// check made in the browser before the upload.
	MaxLogoKB, MaxLogoBytes int
}

// brandingPanel fills the section; section, form and problem are those of
// the action just refused, if it was one of the branding's.
func (s *Server) brandingPanel(ctx context.Context, section string, form map[string]string, problem *apiErrorBody) (brandingPanel, error) {
	b, err := s.Tickets.Branding(ctx)
	if err != nil {
		return brandingPanel{}, err
	}
	p := brandingPanel{Brand: b, LogoURL: logoURL(b), MaxLogoKB: model.MaxLogoBytes >> 10, MaxLogoBytes: model.MaxLogoBytes, Form: map[string]string{
		"name": b.Name, "accent_color": b.AccentColor, "footer": b.Footer, "privacy_url": b.PrivacyURL, "contact_email": b.ContactEmail}}
	switch section {
	case brandingSection:
		for k, v := range form {
			p.Form[k] = v
		}
		p.Problem = problem
	case logoSection:
		p.LogoProblem = problem
	}
	return p, nil
}

// brandingResult shows the outcome of a branding action: back to the
// section with a flash message, or the page again with the error next to
// its field.
func (s *Server) brandingResult(c *fiber.Ctx, section string, form map[string]string, done string, err error) error {
	if err != nil {
		status, body, known := classify(err)
		if !known {
			return err
		}
		// The page names the branding's fields brand_*: their messages
		// are the branding's (admin.error.brand_name), not those of the
		// other forms' fields of the same name.
		if len(body.Fields) > 0 {
			fields := make(map[string]string, len(body.Fields))
			for k, v := range body.Fields {
				fields["brand_"+k] = v
			}
			body.Fields = fields
		}
		return s.renderSettings(c, status, section, form, &body)
	}
	return c.Redirect(s.adminURL(c, "/admin/settings?done="+done)+"#branding", fiber.StatusSeeOther)
}

// adminSaveBranding saves the branding form.
func (s *Server) adminSaveBranding(c *fiber.Ctx) error {
	form := map[string]string{}
	for _, f := range brandingFields {
		form[f] = c.FormValue(f)
	}
	_, err := s.Tickets.SetBranding(c.UserContext(), ticketing.BrandingInput{
		Name: form["name"], AccentColor: form["accent_color"], Footer: form["footer"],
		PrivacyURL: form["privacy_url"], ContactEmail: form["contact_email"]})
	return s.brandingResult(c, brandingSection, form, "branding_saved", err)
}

// adminUploadLogo takes the logo from the form's file field "logo".
func (s *Server) adminUploadLogo(c *fiber.Ctx) error {
	if !strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
		return s.brandingResult(c, logoSection, nil, "", model.Invalid(map[string]string{"logo": "is missing: choose a PNG or JPEG file"}))
	}
	data, err := logoUpload(c)
	if err == nil {
		_, err = s.Tickets.SetLogo(c.UserContext(), data)
	}
	return s.brandingResult(c, logoSection, nil, "logo_saved", err)
}

// adminDeleteLogo removes the logo.
func (s *Server) adminDeleteLogo(c *fiber.Ctx) error {
	_, err := s.Tickets.DeleteLogo(c.UserContext())
	return s.brandingResult(c, logoSection, nil, "logo_deleted", err)
}
