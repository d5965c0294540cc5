package web

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"mime"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/i18n"
	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/pricing"
)

// pages renders the server-side HTML from assets/public (html/template:
// everything is escaped by context).
type pages struct {
	fsys fs.FS
	i18n *i18n.Bundle
	mods *payment.Modules
	// views parses each page (its file, the layout and the section_*
	// parts) on its first render: most pages are not shown for a long
	// time after a start, and their parsed templates, tens of kilobytes
	// each, would be held from start-up. check parses them all (tests).
	views map[string]func() (*template.Template, error)
	// brand gives the organization's branding to every page (nil: the
	// admin UI, which is Admit's own).
	brand func(ctx context.Context) (*model.Branding, error)
	// embeddable tells whether a request asks for a page that may be
	// shown inside another site's frame (embed.go).
	embeddable func(c *fiber.Ctx) bool
}

var pageNames = []string{"event", "registered", "access", "join", "error", "paid", "paycancel", "waitlist"}

func newPages(fsys fs.FS, tr *i18n.Bundle, mods *payment.Modules, names []string) (*pages, error) {
	p := &pages{fsys: fsys, i18n: tr, mods: mods, views: map[string]func() (*template.Template, error){}}
	funcs := template.FuncMap{
		"money": pricing.FormatMoney,
		"list":  func(v ...string) []string { return v },
		"inc":   func(i int) int { return i + 1 },
		"deref": func(p *int64) int64 {
			if p == nil {
				return -1
			}
			return *p
		},
		// dict passes several values to a template: (dict "A" 1 "B" 2).
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict: %d arguments, want pairs", len(kv))
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m, nil
		},
	}
	// Files named section_*.html are parts that pages may include.
	parts, err := fs.Glob(fsys, "section_*.html")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		p.views[name] = sync.OnceValues(func() (*template.Template, error) {
			t, err := template.New("layout.html").Funcs(funcs).ParseFS(fsys, append([]string{"layout.html", name + ".html"}, parts...)...)
			if err != nil {
				return nil, fmt.Errorf("web: page %s: %w", name, err)
			}
			return t, nil
		})
	}
	return p, nil
}

// check parses every page: a template that does not parse is an error.
// The pages are built into the binary, so the tests run it, not start-up.
func (p *pages) check() error {
	for _, name := range slices.Sorted(maps.Keys(p.views)) {
		if _, err := p.views[name](); err != nil {
			return err
		}
	}
	return nil
}

// loc is the registrant's language inside a template: {{.L.T "page.x"}}.
// Tag is Lang with the region the request named ("es-MX"), for numbers.
type loc struct {
	Lang, Tag string
	b         *i18n.Bundle
	mods      *payment.Modules
}

// Provider is a payment provider's name as people of the page's language
// write it (the registry's title), or name itself when none is registered.
func (l loc) Provider(name string) string {
	if m, ok := l.mods.Get(name); ok {
		return m.Title.In(l.Lang)
	}
	return name
}

// Money writes an amount as the registrant's region writes it.
func (l loc) Money(amount int64, currency string) string {
	return pricing.FormatMoney(amount, currency, cmp.Or(l.Tag, l.Lang))
}

// LanguageName names a locale in its own language, for the switch.
func (l loc) LanguageName(locale string) string { return l.b.LanguageName(locale) }

// Zone names an IANA zone in the page's language ("heure : Paris").
func (l loc) Zone(tz string) string { return l.b.ZoneName(l.Lang, tz) }

// T translates a message id; pairs of arguments fill its placeholders:
// {{.L.T "page.seats_left" "Count" 3}}.
func (l loc) T(id string, args ...any) string {
	var data map[string]any
	if len(args) > 0 {
		data = map[string]any{}
		for i := 0; i+1 < len(args); i += 2 {
			v := args[i+1]
			if p, ok := v.(*int64); ok && p != nil {
				v = *p
			}
			data[fmt.Sprint(args[i])] = v
		}
	}
	return l.b.T(l.Lang, id, data)
}

// Problem is the message shown for an error: the translation of its code
// and detail ("page.error.<code>_<detail>"), else of its code
// ("page.error.<code>"), else (a code without a page message, which
// TestEveryErrorCodeHasAPageMessage keeps from happening) the API's message
// in English and a general one in the other languages: never English text
// on a translated page.
func (l loc) Problem(p *apiErrorBody) string {
	if p.Code == "validation" {
		return l.b.T(l.Lang, "page.form.error.summary", nil)
	}
	ids := []string{"page.error." + p.Code}
	if p.Detail != "" {
		ids = append([]string{ids[0] + "_" + p.Detail}, ids...)
	}
	for _, id := range ids {
		if t := l.b.T(l.Lang, id, nil); t != id {
			return t
		}
	}
	if l.Lang == i18n.Default && p.Message != "" {
		return p.Message
	}
	return l.b.T(l.Lang, "page.error.fallback", nil)
}

// Session writes a session's date and time in the event's zone.
func (l loc) Session(s model.Session, tz string) string {
	return l.b.FormatSession(l.Lang, s.StartsAt, s.DurationMinutes, tz)
}

// SessionAt writes a session given by its start and length.
func (l loc) SessionAt(start time.Time, minutes int64, tz string) string {
	return l.b.FormatSession(l.Lang, start, minutes, tz)
}

// DateTime writes a time in a zone.
func (l loc) DateTime(t time.Time, tz string) string { return l.b.FormatDateTime(l.Lang, t, tz) }

// Locales are the languages a page can be switched to.
func (l loc) Locales() []string { return l.b.Locales() }

type pageData struct {
	L     loc
	Title string
	// Brand is the organization's branding (public pages; see
	// branding.go), with the addresses of its logo and stylesheet.
	Brand    *model.Branding
	LogoURL  string
	BrandCSS string
	// Embed: the page is shown inside another site (?embed=1 on an
	// embeddable page): the layout leaves out its header and footer, and
	// links and forms open in the whole window.
	Embed bool
	// Here is the page's address with its query but without lang, ready
	// for "lang=xx" to be appended: the language links keep the rest (the
	// return page's registration and order).
	Here string
	Data any
}

// locale picks the page language: ?lang=, then Accept-Language, then English.
func (p *pages) locale(c *fiber.Ctx) string {
	return p.i18n.Match(c.Query("lang"), c.Get(fiber.HeaderAcceptLanguage))
}

// tag is locale with the region the request names ("es-MX"): the locale a
// registration keeps, and the one amounts are written for.
func (p *pages) tag(c *fiber.Ctx) string {
	return p.i18n.MatchTag(c.Query("lang"), c.Get(fiber.HeaderAcceptLanguage))
}

// loc is the request's language (locale) with its region (tag), for
// texts, dates and amounts.
func (p *pages) loc(c *fiber.Ctx) loc {
	return loc{Lang: p.locale(c), Tag: p.tag(c), b: p.i18n, mods: p.mods}
}

func (p *pages) render(c *fiber.Ctx, status int, name, title string, data any) error {
	L := p.loc(c)
	var buf bytes.Buffer
	q := queryValues(c)
	q.Del("lang")
	here := c.Path() + "?"
	if enc := q.Encode(); enc != "" {
		here += enc + "&"
	}
	pd := pageData{L: L, Title: title, Here: here, Data: data}
	if p.brand != nil {
		b, err := p.brand(c.UserContext())
		if err != nil {
			return err
		}
		pd.Brand, pd.LogoURL, pd.BrandCSS = b, logoURL(b), brandCSSURL(b)
	}
	pd.Embed = p.embeddable != nil && p.embeddable(c)
	view, ok := p.views[name]
	if !ok {
		return fmt.Errorf("web: render %s: no such page", name)
	}
	t, err := view()
	if err != nil {
		return err
	}
	if err := t.Execute(&buf, pd); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set("Content-Language", L.Lang)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(status).Send(buf.Bytes())
}

type errorPage struct {
	Status  int
	Code    string
	Message string
}

func (p *pages) renderError(c *fiber.Ctx, status int, body apiErrorBody) error {
	title := p.i18n.T(p.locale(c), "page.error.title", nil)
	msg := p.loc(c).Problem(&body)
	if err := p.render(c, status, "error", title, errorPage{Status: status, Code: body.Code, Message: msg}); err != nil {
		return c.Status(status).SendString(body.Message)
	}
	return nil
}

// static serves assets/public/static/* (styles, images).
func (s *Server) static(c *fiber.Ctx) error {
	name := path.Clean("static/" + c.Params("*"))
	if !strings.HasPrefix(name, "static/") {
		return model.ErrNotFound
	}
	b, err := fs.ReadFile(s.Pages, name)
	if err != nil {
		return model.ErrNotFound
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		c.Set(fiber.HeaderContentType, ct)
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return c.Send(b)
}
