// Package markdown turns an organizer's text (an event's description) into
// HTML that is safe to put in a page: CommonMark with GitHub's tables,
// strikethrough and autolinks, rendered by goldmark, then sanitized by
// bluemonday whatever the source held (raw HTML, javascript: links, event
// handlers, styles).
package markdown

import (
	"bytes"
	stdhtml "html"
	"regexp"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// MaxHeading is the highest heading level of rendered text: the page's title
// is its h1 and its sections are h2, so "# Agenda" becomes an h3.
const MaxHeading = 3

var md = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(headingShift{}, 100))),
	// Raw HTML is passed on to the sanitizer, which keeps its harmless
	// formatting (<b>, <br>) and drops the rest; hard line breaks keep the
	// line breaks of a plain-text description.
	goldmark.WithRendererOptions(html.WithUnsafe(), html.WithHardWraps()),
)

var policy = newPolicy()

func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "hr", "strong", "b", "em", "i", "u", "s", "del", "ins", "mark", "small", "sub", "sup",
		"h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "code", "kbd",
		"table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption")
	p.AllowAttrs("start").Matching(regexp.MustCompile(`^[0-9]{1,6}$`)).OnElements("ol")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	// Links leave the page in a new tab, without telling the target where
	// they came from.
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	// Raw <h1> and <h2> lose their tags and keep their text.
	return p
}

// HTML renders src as sanitized HTML; empty text gives "".
func HTML(src string) string {
	if src == "" {
		return ""
	}
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		// goldmark only fails on a failing writer: the text, escaped.
		return "<p>" + stdhtml.EscapeString(src) + "</p>"
	}
	return string(policy.SanitizeBytes(buf.Bytes()))
}

// headingShift lowers every heading to MaxHeading or below.
type headingShift struct{}

func (headingShift) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering {
			h.Level = min(6, h.Level+MaxHeading-1)
		}
		return ast.WalkContinue, nil
	})
}
