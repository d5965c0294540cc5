// Package i18n translates Admit's pages and emails. It wraps go-i18n: every
// *.toml file at the root of a file system (assets/i18n) is one locale, named
// by its file ("fr.toml" is French), and English is the default and the
// fallback for any message a locale lacks.
package i18n

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/pelletier/go-toml/v2"
	"golang.org/x/text/language"
)

// Default is the locale used when nothing better matches, and the fallback
// for a message missing in another locale.
const Default = "en"

// Bundle holds every loaded locale. It is safe for concurrent use.
//
// Each locale's messages are read and checked at start, but kept as
// templates only from the first time the locale is used: a server whose
// registrants all read English holds English alone (each catalog's
// templates take about 0.7 MB).
type Bundle struct {
	locales    []string // Default first, then the others sorted
	tags       []language.Tag
	matcher    language.Matcher
	localizers map[string]func() *goi18n.Localizer // by lower-case locale, built on first use
	ids        map[string][]string                 // locale → sorted message ids
	names      map[string]string                   // locale → its language.self message
	zones      sync.Map                            // IANA name → *time.Location
}

// New loads every *.toml file at the root of fsys. en.toml must exist. A file
// that does not parse is an error. A message's template is parsed on its
// first use (a broken one shows its id): the catalogs are built into the
// binary, and the tests parse every message of every locale (check), so
// start-up does not. A locale's templates are made the first time it is
// used.
func New(fsys fs.FS) (*Bundle, error) {
	names, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		return nil, fmt.Errorf("i18n: list locales: %w", err)
	}
	b := &Bundle{
		localizers: make(map[string]func() *goi18n.Localizer),
		ids:        make(map[string][]string),
		names:      make(map[string]string),
	}
	for _, name := range names {
		locale := strings.TrimSuffix(path.Base(name), ".toml")
		tag, err := language.Parse(locale)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: file name is not a language tag: %w", name, err)
		}
		if tag.String() != locale {
			return nil, fmt.Errorf("i18n: %s: name the file %s.toml", name, tag)
		}
		mf, err := parseFile(fsys, name)
		if err != nil {
			return nil, err
		}
		// What the locale's first use will check of it: go-i18n knows its
		// plural rules.
		if err := goi18n.NewBundle(tag).AddMessages(mf.Tag); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", name, err)
		}
		ids := make([]string, 0, len(mf.Messages))
		for _, m := range mf.Messages {
			ids = append(ids, m.ID)
			if m.ID == "language.self" {
				b.names[locale] = m.Other
			}
		}
		slices.Sort(ids)
		b.ids[locale] = ids
		b.locales = append(b.locales, locale)
		b.localizers[strings.ToLower(locale)] = sync.OnceValue(func() *goi18n.Localizer {
			// The file parsed above, from the same read-only file system.
			mf, err := parseFile(fsys, name)
			if err != nil {
				panic(err)
			}
			bundle := goi18n.NewBundle(tag)
			if err := bundle.AddMessages(mf.Tag, mf.Messages...); err != nil {
				panic(err)
			}
			return goi18n.NewLocalizer(bundle, locale)
		})
	}
	if _, ok := b.ids[Default]; !ok {
		return nil, fmt.Errorf("i18n: %s.toml is missing", Default)
	}
	slices.SortFunc(b.locales, func(x, y string) int {
		switch {
		case x == Default:
			return -1
		case y == Default:
			return 1
		}
		return strings.Compare(x, y)
	})
	for _, l := range b.locales {
		b.tags = append(b.tags, language.MustParse(l))
	}
	// The first tag is what the matcher answers when nothing matches.
	b.matcher = language.NewMatcher(b.tags)
	return b, nil
}

// parseFile reads one catalog, every message with its "other" form.
func parseFile(fsys fs.FS, name string) (*goi18n.MessageFile, error) {
	buf, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("i18n: %s: %w", name, err)
	}
	mf, err := goi18n.ParseMessageFileBytes(buf, name, map[string]goi18n.UnmarshalFunc{"toml": toml.Unmarshal})
	if err != nil {
		return nil, fmt.Errorf("i18n: %s: %w", name, err)
	}
	for _, m := range mf.Messages {
		fillPlurals(m)
	}
	return mf, nil
}

// fillPlurals gives a message whose file has no "other" form one, from
// the forms it has. The other missing forms are left out: for a count whose
// form is missing ("few" in a Russian message that has only "one" and
// "other", or "one" in a message that has only "other"), go-i18n executes
// the "other" form, and T shows it. Copying "other" into every missing
// form would hold six templates for each of the catalogs' thousands of
// messages, most of which are never counted, in memory from start-up.
func fillPlurals(m *goi18n.Message) {
	if m.Other == "" {
		m.Other = cmp.Or(m.Many, m.Few, m.One, m.Two, m.Zero)
	}
}

// LanguageName is the name of a locale's language in that language
// ("Français"), for the language switch; the tag itself when its catalog
// has none.
func (b *Bundle) LanguageName(locale string) string {
	if n := b.names[locale]; n != "" {
		return n
	}
	return locale
}

// check parses every message of every locale: a template that does not
// parse is an error.
func (b *Bundle) check() error {
	for _, l := range b.locales {
		for _, id := range b.ids[l] {
			_, err := b.localizers[strings.ToLower(l)]().Localize(&goi18n.LocalizeConfig{
				MessageID:    id,
				TemplateData: map[string]any{},
			})
			if err != nil {
				return fmt.Errorf("i18n: %s.toml: message %q: %w", l, id, err)
			}
		}
	}
	return nil
}

// Locales lists the loaded locale tags, the default ("en") first.
func (b *Bundle) Locales() []string { return slices.Clone(b.locales) }

// MessageIDs lists the message ids defined in one locale's file, sorted; nil
// for an unknown locale.
func (b *Bundle) MessageIDs(locale string) []string { return slices.Clone(b.ids[locale]) }

// Supported reports whether tag names one of the loaded locales exactly
// ("fr", "FR"), not a regional variant ("fr-CA": use Match for those).
func (b *Bundle) Supported(tag string) bool {
	_, ok := b.localizers[strings.ToLower(strings.TrimSpace(tag))]
	return ok
}

// Match picks the locale for a request: the ?lang= value when it names (or is
// a variant of) a loaded locale, else the best match for the Accept-Language
// header, else "en".
func (b *Bundle) Match(query, acceptLanguage string) string {
	if q := strings.TrimSpace(query); q != "" {
		if t, err := language.Parse(q); err == nil {
			if l, ok := b.match(t); ok {
				return l
			}
		}
	}
	if acceptLanguage != "" {
		tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
		if err == nil && len(tags) > 0 {
			if l, ok := b.match(tags...); ok {
				return l
			}
		}
	}
	return Default
}

// MatchTag is Match keeping the region the request names for the matched
// language, for numbers written as there: "es-MX" from ?lang=es-MX or from
// Accept-Language "es-MX,es;q=0.9" ("es" when no region is named). Only the
// language part chooses the translation.
func (b *Bundle) MatchTag(query, acceptLanguage string) string {
	l := b.Match(query, acceptLanguage)
	var tags []language.Tag
	if t, err := language.Parse(strings.TrimSpace(query)); err == nil {
		tags = append(tags, t)
	}
	if len(tags) == 0 || b.Match(query, "") != l {
		tags, _, _ = language.ParseAcceptLanguage(acceptLanguage)
	}
	for _, t := range tags {
		base, _ := t.Base()
		if base.String() != l {
			continue
		}
		if r, conf := t.Region(); conf == language.Exact {
			return l + "-" + r.String()
		}
		return l
	}
	return l
}

// Has reports whether tag names one of the loaded languages, in any
// regional variant ("fr", "fr-CA"; not "it").
func (b *Bundle) Has(tag string) bool {
	t, err := language.Parse(strings.TrimSpace(tag))
	if err != nil {
		return false
	}
	_, ok := b.match(t)
	return ok
}

// SameLanguage reports whether two locale tags choose the same catalog
// ("es" and "es-MX" do).
func (b *Bundle) SameLanguage(x, y string) bool { return b.Match(x, "") == b.Match(y, "") }

func (b *Bundle) match(tags ...language.Tag) (string, bool) {
	_, i, conf := b.matcher.Match(tags...)
	if conf == language.No || i < 0 || i >= len(b.locales) {
		return "", false
	}
	return b.locales[i], true
}

// T translates message id into locale with data for its template. A regional
// variant uses its language ("fr-CA" → "fr"); a locale that is not loaded, or
// lacks the message, falls back to English; a message
// missing in English too gives id itself. When data holds "Count", it selects
// the plural form (one, few, many, other). T never panics.
func (b *Bundle) T(locale, id string, data map[string]any) (out string) {
	defer func() {
		if recover() != nil {
			out = id
		}
	}()
	l := strings.ToLower(strings.TrimSpace(locale))
	loc, ok := b.localizers[l]
	if !ok {
		l = strings.ToLower(b.Match(locale, ""))
		loc = b.localizers[l]
	}
	lc := &goi18n.LocalizeConfig{MessageID: id, TemplateData: data}
	if data == nil {
		lc.TemplateData = map[string]any{}
	}
	if c, ok := data["Count"]; ok {
		lc.PluralCount = c
	}
	s, err := loc().Localize(lc)
	var nf *goi18n.MessageNotFoundErr
	if l != Default && errors.As(err, &nf) {
		s, err = b.localizers[Default]().Localize(lc) // English, as for a locale not loaded
	}
	if err != nil && s == "" {
		return id
	}
	return s
}
