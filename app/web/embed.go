package web

import (
	"fmt"
	"html"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
)

// Embedding: an event's page with ?embed=1 is the registration form alone
// (the layout leaves out its header and footer), and it is the only page
// another site may show in a frame, and only a site of
// http.frame_ancestors (Deps.FrameAncestors). Every other answer keeps
// frame-ancestors 'none' and X-Frame-Options: DENY.

// embedHeight is the frame's height in the snippet: the form and a price
// fit without a scrollbar on a phone.
const embedHeight = 720

// embeddable reports whether the request is for an embeddable page: an
// event's page (GET, or the answer to its registration or waiting-list
// form) with embed=1. Embedded, the forms post inside the frame
// (target="_self", embed=1 kept), so that a mistake is shown there; links,
// and the payment that follows a registration, open in the whole window.
func embeddable(c *fiber.Ctx) bool {
	if c.Query("embed") != "1" {
		return false
	}
	segs := strings.Split(strings.Trim(c.Path(), "/"), "/")
	switch {
	case len(segs) == 2:
		return segs[0] == "e" && segs[1] != ""
	case len(segs) == 3:
		return segs[0] == "e" && segs[1] != "" && segs[2] == "waitlist" && c.Method() == fiber.MethodPost
	}
	return false
}

// frameAncestors is the frame-ancestors source list of embeddable pages.
func (s *Server) frameAncestors() string {
	if len(s.FrameAncestors) == 0 {
		return "'none'"
	}
	return strings.Join(s.FrameAncestors, " ")
}

// embedSnippet is the HTML that shows an event's form on another site;
// publicURL is http.public_url.
func embedSnippet(e *model.Event, publicURL string) string {
	return fmt.Sprintf(`<iframe src="%s/e/%s?embed=1" title="%s" width="100%%" height="%d" style="border:0;max-width:42rem" loading="lazy"></iframe>`,
		html.EscapeString(publicURL), html.EscapeString(e.Slug), html.EscapeString(e.Title), embedHeight)
}

// embedSection is the admin event page's "embed" section.
type embedSection struct {
	Snippet string
	// Origins are the sites that may show it (none: http.frame_ancestors
	// must be set first).
	Origins []string
}
