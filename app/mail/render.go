package mail

import (
	"bytes"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/admit/admit/app/i18n"
)

// MailData is what every email template gets. Empty fields are left out of
// the mail (no AccessURL: no button; no Message: no organizer's note).
type MailData struct {
	Name             string // the registrant
	EventTitle       string
	EventDescription string
	Timezone         string // the event's IANA zone: every time is shown in it
	AccessURL        string // the personal page /a/{token} (or the offer /w/{token})
	CalendarURL      string // AccessURL + "/calendar.ics"
	Message          string // the organizer's words (event_changed, event_cancelled, rejected)
	Status           string // the registration status
	Sessions         []MailSession
	ExpiresAt        time.Time // waitlist_offer: until when the seat is kept
	LeaveURL         string    // waitlist_offer: the page that takes the person off the list
	Amount           string    // refunded, late_refund, payment_mismatch: the money, formatted by the caller ("19.99 EUR")
	EventURL         string    // the event's public page (late_refund links to it)
	// Organizer marks a mail to the organizers (outbox_failed, tier_ended):
	// its footer says why they get it.
	Organizer bool
	Count     int64  // outbox_failed: the mails that failed; tier_ended: the tickets sold
	Item      string // tier_ended: the tier's name
	Role      string // invitation: the role given (model.UserAdmin, ...)
	// Group is who a follow-up (recording, follow_up) was written for:
	// "attendee" (joined a session), "absentee" (joined none) or ""
	// (everyone, as for an on-demand video).
	Group string
	// Watch: the registration is for watching recordings (an on-demand
	// video, or a replay sold after the last session): access and
	// access_resend lead to them rather than to a live session.
	Watch bool
	// RefundPolicy is the event's (the confirmation states it).
	RefundPolicy string
	// Brand is the organization's look (BrandOf); empty, Admit's own.
	Brand Brand
	// Instructions (payment_due) are how to pay offline, line by line;
	// ExpiresAt is then the end of the term.
	Instructions []MailInstruction
	// Offline: the payment is made outside any checkout page (a bank
	// transfer): pending says it is due once the registration is approved,
	// refunded that the organizer sent the money back by hand.
	Offline bool
	// Approved (payment_due): the organizer has just approved the
	// registration, whose payment is due from now.
	Approved bool
}

// MailInstruction is one line of payment instructions: a label and its
// value, or a paragraph (Label empty); Code values are typed by the reader.
type MailInstruction struct {
	Label, Value string
	Code         bool
}

// MailSession is one session as the templates show it.
type MailSession struct {
	StartsAt        time.Time
	DurationMinutes int64
}

// ErrUnknownKind is returned by Render for a kind with no template.
var ErrUnknownKind = errors.New("mail: no template for this kind")

// Renderer renders the templates of assets/email in the registrant's
// language. It is safe for concurrent use.
type Renderer struct {
	tr *i18n.Bundle
	// templates parses a kind's templates on its first render: a start
	// holds none of them, and a server that sends few kinds of mail
	// never parses the others. check parses and renders them all (tests).
	templates map[string]func() (kindTemplates, error)
	kinds     []string
}

// kindTemplates are a kind's layout + partials + content, in HTML and in
// text; never executed, only cloned.
type kindTemplates struct {
	html *htmltemplate.Template
	text *texttemplate.Template
}

// view is the dot of every template.
type view struct {
	MailData
	Kind, Locale, Subject string
}

// button is the argument of the "button" partial.
type button struct{ URL, Label string }

// NewRenderer parses every template of fsys (the contents of assets/email):
// layout.html and layout.txt hold the shared layout and partials, and each
// kind has KIND.html and KIND.txt defining "content". Its subject is the
// message "mail.KIND.subject", which must exist in English. Only parsing is
// done here: the templates are built into the binary, and the tests render
// every kind in every locale (check), so start-up does not.
func NewRenderer(fsys fs.FS, tr *i18n.Bundle) (*Renderer, error) {
	if tr == nil {
		return nil, errors.New("mail: renderer without translations")
	}
	r := &Renderer{tr: tr, templates: make(map[string]func() (kindTemplates, error))}
	for _, name := range []string{"layout.html", "layout.txt"} {
		if _, err := fs.Stat(fsys, name); err != nil {
			return nil, fmt.Errorf("mail: templates: %w", err)
		}
	}
	names, err := fs.Glob(fsys, "*.html")
	if err != nil {
		return nil, fmt.Errorf("mail: templates: %w", err)
	}
	english := tr.MessageIDs(i18n.Default)
	for _, name := range names {
		kind := strings.TrimSuffix(path.Base(name), ".html")
		if kind == "layout" {
			continue
		}
		if _, ok := slices.BinarySearch(english, "mail."+kind+".subject"); !ok {
			return nil, fmt.Errorf("mail: template %s: no message mail.%s.subject in %s.toml", name, kind, i18n.Default)
		}
		if _, err := fs.Stat(fsys, kind+".txt"); err != nil {
			return nil, fmt.Errorf("mail: template %s has no text version: %w", name, err)
		}
		r.templates[kind] = sync.OnceValues(func() (kindTemplates, error) { return parseKind(fsys, kind) })
		r.kinds = append(r.kinds, kind)
	}
	texts, _ := fs.Glob(fsys, "*.txt")
	for _, name := range texts {
		if kind := strings.TrimSuffix(name, ".txt"); kind != "layout" && r.templates[kind] == nil {
			return nil, fmt.Errorf("mail: template %s has no HTML version", name)
		}
	}
	if len(r.kinds) == 0 {
		return nil, errors.New("mail: no email templates")
	}
	slices.Sort(r.kinds)
	return r, nil
}

// parseKind parses the layouts with a kind's KIND.html and KIND.txt.
func parseKind(fsys fs.FS, kind string) (kindTemplates, error) {
	read := func(name string) (string, error) {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return "", fmt.Errorf("mail: templates: %w", err)
		}
		return string(b), nil
	}
	var t kindTemplates
	for _, name := range []string{"layout.html", kind + ".html", "layout.txt", kind + ".txt"} {
		src, err := read(name)
		if err == nil {
			switch {
			case name == "layout.html":
				t.html, err = htmltemplate.New(name).Funcs(htmltemplate.FuncMap(placeholderFuncs())).Parse(src)
			case name == "layout.txt":
				t.text, err = texttemplate.New(name).Funcs(texttemplate.FuncMap(placeholderFuncs())).Parse(src)
			case strings.HasSuffix(name, ".html"):
				_, err = t.html.New(name).Parse(src)
			default:
				_, err = t.text.New(name).Parse(src)
			}
		}
		if err != nil {
			return kindTemplates{}, fmt.Errorf("mail: template %s: %w", name, err)
		}
	}
	return t, nil
}

// check renders every kind once in every locale with sample data: a
// template that parses but fails to execute (an unknown field, no
// "content") fails here.
func (r *Renderer) check() error {
	sample := MailData{
		Name: "Ann", EventTitle: "Sample", EventDescription: "About", Timezone: "Europe/Paris",
		AccessURL: "https://example.com/a/t", CalendarURL: "https://example.com/a/t/calendar.ics",
		Message: "Note", Status: "confirmed", ExpiresAt: time.Unix(0, 0), Count: 2, Item: "Early bird",
		Sessions:     []MailSession{{StartsAt: time.Unix(0, 0), DurationMinutes: 60}},
		RefundPolicy: "Refunds until a day before.",
		Brand: Brand{Name: "Org", Accent: "#0f766e", AccentInk: "#ffffff", Footer: "Org Ltd", PrivacyURL: "https://example.com/privacy",
			ContactEmail: "hello@example.com", LogoCID: "logo.png"},
	}
	for _, kind := range r.kinds {
		for _, locale := range r.tr.Locales() {
			if _, _, _, err := r.Render(kind, locale, sample); err != nil {
				return err
			}
		}
	}
	return nil
}

// placeholderFuncs has the signatures of the functions Render binds to the
// locale and the data; parsing needs them to exist.
func placeholderFuncs() map[string]any {
	return map[string]any{
		"t":        func(string, ...any) string { return "" },
		"when":     func(MailSession) string { return "" },
		"datetime": func(time.Time) string { return "" },
		"button":   func(string, string) button { return button{} },
		"lines":    lines,
		"brand":    func() Brand { return Brand{} },
		"mso":      mso,
	}
}

// mso is the head that only Outlook for Windows reads, in a conditional
// comment (html/template drops comments written in a template): images
// at their size whatever the screen's DPI, and a font it has.
func mso() htmltemplate.HTML {
	return `<!--[if mso]>
<noscript><xml><o:OfficeDocumentSettings><o:AllowPNG/><o:PixelsPerInch>96</o:PixelsPerInch></o:OfficeDocumentSettings></xml></noscript>
<style>body, table, td, p, a, li, h1, h2 { font-family: Arial, Helvetica, sans-serif !important; }</style>
<![endif]-->`
}

// lines splits text into its lines, for templates to join with <br>:
// not every mail client honours white-space: pre-line.
func lines(s string) []string {
	return strings.Split(strings.ReplaceAll(strings.TrimSpace(s), "\r\n", "\n"), "\n")
}

// Kinds lists the kinds there are templates for.
func (r *Renderer) Kinds() []string { return slices.Clone(r.kinds) }

// Render renders the mail of a kind (model.Mail*) in a locale (any tag: it
// is matched to a supported one, else English) with data, a MailData or
// *MailData. Templates reach translations with {{t "id"}}, whose template
// data are MailData's text fields, plus pairs: {{t "id" "Key" value}}.
// Times are formatted in data.Timezone.
func (r *Renderer) Render(kind, locale string, data any) (subject, text, html string, err error) {
	var d MailData
	switch v := data.(type) {
	case MailData:
		d = v
	case *MailData:
		if v == nil {
			return "", "", "", errors.New("mail: render: nil data")
		}
		d = *v
	default:
		return "", "", "", fmt.Errorf("mail: render: data is %T, want mail.MailData", data)
	}
	parsed, ok := r.templates[kind]
	if !ok {
		return "", "", "", fmt.Errorf("%w: %q", ErrUnknownKind, kind)
	}
	tpl, err := parsed()
	if err != nil {
		return "", "", "", err
	}
	h, x := tpl.html, tpl.text
	locale = r.tr.Match(locale, "")
	if d.Brand.Accent == "" {
		d.Brand = BrandOf(nil).Brand
	}

	vars := map[string]any{
		"Organization": d.Brand.Name, "Contact": d.Brand.ContactEmail,
		"Name": d.Name, "EventTitle": d.EventTitle, "EventDescription": d.EventDescription,
		"Timezone": d.Timezone, "AccessURL": d.AccessURL, "CalendarURL": d.CalendarURL,
		"Message": d.Message, "Status": d.Status, "Amount": d.Amount, "EventURL": d.EventURL,
		"Count": d.Count, "Item": d.Item,
	}
	funcs := map[string]any{
		"t": func(id string, kv ...any) string {
			m := vars
			if len(kv) > 0 {
				m = maps.Clone(vars)
				for i := 0; i+1 < len(kv); i += 2 {
					if k, ok := kv[i].(string); ok {
						m[k] = kv[i+1]
					}
				}
			}
			return r.tr.T(locale, id, m)
		},
		"when": func(s MailSession) string {
			return r.tr.FormatSession(locale, s.StartsAt, s.DurationMinutes, d.Timezone)
		},
		"datetime": func(t time.Time) string { return r.tr.FormatDateTime(locale, t, d.Timezone) },
		"button":   func(url, label string) button { return button{URL: url, Label: label} },
		"lines":    lines,
		// brand is the organization's look, for partials that are given
		// something else as their dot (button).
		"brand": func() Brand { return d.Brand },
		"mso":   mso,
	}
	// A subject is one line whatever the data holds.
	subject = oneLine(r.tr.T(locale, "mail."+kind+".subject", vars))
	v := view{MailData: d, Kind: kind, Locale: locale, Subject: subject}

	hc, err := h.Clone()
	if err != nil {
		return "", "", "", fmt.Errorf("mail: render %s: %w", kind, err)
	}
	var hb bytes.Buffer
	if err := hc.Funcs(funcs).ExecuteTemplate(&hb, "layout", v); err != nil {
		return "", "", "", fmt.Errorf("mail: render %s.html (%s): %w", kind, locale, err)
	}
	xc, err := x.Clone()
	if err != nil {
		return "", "", "", fmt.Errorf("mail: render %s: %w", kind, err)
	}
	var xb bytes.Buffer
	if err := xc.Funcs(funcs).ExecuteTemplate(&xb, "layout", v); err != nil {
		return "", "", "", fmt.Errorf("mail: render %s.txt (%s): %w", kind, locale, err)
	}
	return subject, tidyText(xb.String()), hb.String(), nil
}

var blankLines = regexp.MustCompile(`\n{3,}`)

// tidyText lets text templates be written for readability: trailing spaces
// go, runs of blank lines become one.
func tidyText(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	s = strings.Join(lines, "\n")
	s = blankLines.ReplaceAllString(s, "\n\n")
	return strings.TrimSpace(s) + "\n"
}
