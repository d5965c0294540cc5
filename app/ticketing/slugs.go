// Event slugs: kept as the organizer set them or made from the title.

package ticketing

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// assignSlug keeps an organizer's slug (refusing one in use) or makes one
// from the title, adding -2, -3 … until it is free.
func (s *Service) assignSlug(tx *store.Tx, e *model.Event, explicit bool) error {
	if explicit {
		taken, err := tx.SlugTaken(e.Slug, e.ID)
		if err != nil {
			return err
		}
		if taken {
			return model.Invalid(fields{"slug": fmt.Sprintf("%q is already used by another event", e.Slug)})
		}
		return nil
	}
	base := Slugify(e.Title)
	for i := 1; ; i++ {
		candidate := base
		if i > 1 {
			candidate = base + "-" + strconv.Itoa(i)
		}
		taken, err := tx.SlugTaken(candidate, e.ID)
		if err != nil {
			return err
		}
		if !taken {
			e.Slug = candidate
			return nil
		}
	}
}

// Slugify makes a URL slug from a title: accents dropped, lower case,
// hyphens between words ("Café Résumé 2026!" → "cafe-resume-2026").
func Slugify(title string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	plain, _, _ := transform.String(t, title)
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(plain) {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	slug := strings.Trim(b.String(), "-")
	if slug == "" {
		return "event"
	}
	return slug
}
