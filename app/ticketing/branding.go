package ticketing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	_ "image/jpeg" // logos: DecodeConfig reads JPEG
	_ "image/png"  // and PNG
	"net/http"
	netmail "net/mail"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/admit/admit/app/mail"
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// BrandingInput is the branding's text (PUT /api/v1/settings/branding):
// each field replaces the stored one; empty clears it.
type BrandingInput struct {
	Name         string `json:"name"`
	AccentColor  string `json:"accent_color"`
	Footer       string `json:"footer"`
	PrivacyURL   string `json:"privacy_url"`
	ContactEmail string `json:"contact_email"`
}

// Branding limits.
const (
	brandingNameMax   = 100
	brandingFooterMax = 500
	brandingURLMax    = 2000
	// logoSideMax bounds a logo's width and height in pixels.
	logoSideMax = 4096
)

// Branding is the organization's branding, read once and kept until it
// changes. It is never nil without an error.
func (s *Service) Branding(ctx context.Context) (*model.Branding, error) {
	if b := s.brand.Load(); b != nil {
		return b, nil
	}
	b, err := s.store.Branding(ctx)
	if err != nil {
		return nil, err
	}
	s.brand.Store(b)
	return b, nil
}

// SetBranding checks and stores the branding's text fields.
func (s *Service) SetBranding(ctx context.Context, in BrandingInput) (*model.Branding, error) {
	in.Name = strings.TrimSpace(in.Name)
	in.AccentColor = strings.ToLower(strings.TrimSpace(in.AccentColor))
	in.Footer = strings.TrimSpace(strings.ReplaceAll(in.Footer, "\r\n", "\n"))
	in.PrivacyURL = strings.TrimSpace(in.PrivacyURL)
	in.ContactEmail = strings.TrimSpace(in.ContactEmail)
	bad := map[string]string{}
	switch {
	case utf8.RuneCountInString(in.Name) > brandingNameMax:
		bad["name"] = fmt.Sprintf("must be at most %d characters", brandingNameMax)
	case strings.IndexFunc(in.Name, unicode.IsControl) >= 0:
		// The name is the mails' sender name: one line.
		bad["name"] = "must be one line without control characters"
	}
	if in.AccentColor != "" && !model.ValidColor(in.AccentColor) {
		bad["accent_color"] = "must be a colour written #rrggbb, such as #2456d6"
	}
	if utf8.RuneCountInString(in.Footer) > brandingFooterMax {
		bad["footer"] = fmt.Sprintf("must be at most %d characters", brandingFooterMax)
	}
	if in.PrivacyURL != "" {
		u, err := url.Parse(in.PrivacyURL)
		switch {
		case len(in.PrivacyURL) > brandingURLMax:
			bad["privacy_url"] = fmt.Sprintf("must be at most %d characters", brandingURLMax)
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil:
			bad["privacy_url"] = "must be an absolute http:// or https:// address"
		}
	}
	if in.ContactEmail != "" {
		a, err := netmail.ParseAddress(in.ContactEmail)
		if err != nil || a.Address != in.ContactEmail || len(in.ContactEmail) > 254 {
			bad["contact_email"] = "must be an email address"
		}
	}
	if len(bad) > 0 {
		return nil, model.Invalid(bad)
	}
	return s.updateBranding(ctx, func(b *model.Branding) {
		b.Name, b.AccentColor, b.Footer, b.PrivacyURL, b.ContactEmail = in.Name, in.AccentColor, in.Footer, in.PrivacyURL, in.ContactEmail
	}, (*store.Tx).PutBranding)
}

// SetLogo checks and stores the logo: a PNG or JPEG, told by its content
// (not by a name or a declared type), at most model.MaxLogoBytes.
func (s *Service) SetLogo(ctx context.Context, data []byte) (*model.Branding, error) {
	if len(data) > model.MaxLogoBytes {
		return nil, &model.Problem{Err: model.ErrTooLarge, Message: "The logo is too large: at most 512 KB.",
			Fields: map[string]string{"logo": "must be at most 512 KB"}}
	}
	if len(data) == 0 {
		return nil, model.Invalid(map[string]string{"logo": "is empty: send a PNG or JPEG image"})
	}
	ct := http.DetectContentType(data)
	if ct != "image/png" && ct != "image/jpeg" {
		return nil, &model.Problem{Err: model.ErrUnsupportedMedia, Message: "The logo must be a PNG or JPEG image.",
			Fields: map[string]string{"logo": "must be a PNG or JPEG image"}}
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, &model.Problem{Err: model.ErrUnsupportedMedia, Message: "The logo could not be read as an image.",
			Fields: map[string]string{"logo": "could not be read as a PNG or JPEG image"}}
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > logoSideMax || cfg.Height > logoSideMax {
		return nil, model.Invalid(map[string]string{"logo": fmt.Sprintf("must be at most %d × %d pixels", logoSideMax, logoSideMax)})
	}
	sum := sha256.Sum256(data)
	return s.putLogo(ctx, bytes.Clone(data), ct, hex.EncodeToString(sum[:8]))
}

// DeleteLogo removes the logo.
func (s *Service) DeleteLogo(ctx context.Context) (*model.Branding, error) {
	return s.putLogo(ctx, nil, "", "")
}

func (s *Service) putLogo(ctx context.Context, data []byte, ct, hash string) (*model.Branding, error) {
	return s.updateBranding(ctx, func(b *model.Branding) { b.Logo, b.LogoType, b.LogoHash = data, ct, hash },
		func(tx *store.Tx, b *model.Branding) error { return tx.PutBrandingLogo(b.Logo, b.LogoType, b.LogoHash) })
}

// updateBranding changes a copy of the branding with change, writes it with
// put and, once committed, keeps it as the current one.
func (s *Service) updateBranding(ctx context.Context, change func(*model.Branding), put func(*store.Tx, *model.Branding) error) (*model.Branding, error) {
	s.brandMu.Lock()
	defer s.brandMu.Unlock()
	cur, err := s.Branding(ctx)
	if err != nil {
		return nil, err
	}
	next := *cur
	change(&next)
	if err := s.store.Write(ctx, func(tx *store.Tx) error {
		next.UpdatedAt = tx.Now()
		return put(tx, &next)
	}); err != nil {
		return nil, err
	}
	s.brand.Store(&next)
	return &next, nil
}

// renderMail renders a queued mail with data in the organization's
// branding: its look, the sender's name, the reply address and the inline
// logo.
func (s *Service) renderMail(ctx context.Context, m model.OutboxMail, d mail.MailData) (mail.Message, error) {
	b, err := s.Branding(ctx)
	if err != nil {
		return mail.Message{}, fmt.Errorf("ticketing: mail %d: branding: %w", m.ID, err)
	}
	br := mail.BrandOf(b)
	d.Brand = br.Brand
	_, text, html, err := s.renderer.Render(m.Kind, m.Locale, d)
	if err != nil {
		return mail.Message{}, err
	}
	msg := mail.Message{To: m.To, ToName: m.ToName, Subject: m.Subject, Text: text, HTML: html}
	br.Apply(&msg)
	return msg, nil
}
