package store

import (
	"context"

	"github.com/admit/admit/app/model"
)

// Branding reads the organization's branding (migration 0028 writes its
// one row).
func (s *Store) Branding(ctx context.Context) (*model.Branding, error) {
	var b model.Branding
	var updated int64
	err := s.read("get-branding").QueryRowContext(ctx).Scan(&b.Name, &b.AccentColor, &b.Footer, &b.PrivacyURL,
		&b.ContactEmail, &b.Logo, &b.LogoType, &b.LogoHash, &updated)
	if err != nil {
		return nil, notFound(err)
	}
	if updated > 0 {
		b.UpdatedAt = fromUnix(updated)
	}
	return &b, nil
}

// PutBranding stores the text fields of the branding (not the logo).
func (t *Tx) PutBranding(b *model.Branding) error {
	_, err := t.exec("put-branding", b.Name, b.AccentColor, b.Footer, b.PrivacyURL, b.ContactEmail, unix(t.now))
	return err
}

// PutBrandingLogo stores the logo (nil data: none).
func (t *Tx) PutBrandingLogo(data []byte, contentType, hash string) error {
	_, err := t.exec("put-branding-logo", data, contentType, hash, unix(t.now))
	return err
}
