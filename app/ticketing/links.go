package ticketing

import (
	"context"
	"net/url"
	"strings"

	"github.com/admit/admit/app/store"
)

// WithLang adds the registrant's language to a link Admit builds for them
// (their page, the event page, the payment return), so that it opens in the
// language they chose rather than their browser's: "…/a/tok?lang=fr". An
// empty locale leaves the link as it is.
func WithLang(link, locale string) string {
	if locale == "" {
		return link
	}
	sep := "?"
	if strings.Contains(link, "?") {
		sep = "&"
	}
	return link + sep + "lang=" + url.QueryEscape(locale)
}

// SetLocale remembers the language a registrant switched their page to:
// the mails that follow, and the links in them, use it. The same locale
// again writes nothing.
func (s *Service) SetLocale(ctx context.Context, a *Access, locale string) error {
	if locale == "" || locale == a.Registration.Locale {
		return nil
	}
	err := s.store.Write(ctx, func(tx *store.Tx) error { return tx.SetRegistrationLocale(a.Registration.ID, locale) })
	if err == nil {
		a.Registration.Locale = locale
	}
	return err
}
