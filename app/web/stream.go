package web

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// streamRecording serves a recording through an access link: the file with
// HTTP Range (fiber's file serving, which sends it with sendfile rather than
// through Go buffers), or a 302 to an external recording. A registration
// that may not watch gets a 403 page that says why.
//
// The plain address serves the device that opens it (its device cookie,
// else its network and user agent), counted against
// recordings.max_devices; the player on the access page uses signed stream
// links (?dev=&exp=&sig=, see ticketing.StreamPath) bound to its device. A
// signed link opened by another device, expired or altered, or a device
// beyond recordings.max_devices, gets a 403 that says why.
func (s *Server) streamRecording(c *fiber.Ctx) error {
	rid, err := idParam(c, "id")
	if err != nil {
		return err
	}
	token := c.Params("token")
	st, err := s.Tickets.OpenRecording(c.UserContext(), token, rid)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if st.Deny != "" {
		return s.refuseStream(c, st.Access, st.Deny)
	}
	dev := s.device(c, false)
	// Copies: fiber's strings live in buffers it reuses.
	link := ticketing.StreamLink{Dev: strings.Clone(c.Query("dev")), Exp: strings.Clone(c.Query("exp")), Sig: strings.Clone(c.Query("sig"))}
	if !link.Signed() {
		if err := s.Tickets.ReserveDevice(st.Registration.ID, dev.ID()); err != nil {
			return s.refuseStream(c, st.Access, streamRefusal(err))
		}
		// Served as through a fresh signed link of this device.
		u, err := url.Parse(s.streamPath(c, dev, rid))
		if err != nil {
			return err
		}
		q := u.Query()
		link = ticketing.StreamLink{Dev: q.Get("dev"), Exp: q.Get("exp"), Sig: q.Get("sig")}
	}
	err = s.Tickets.StartStream(c.UserContext(), st, token, link,
		ticketing.Viewer{Device: dev, ClientIP: clientOf(c).String(), UserAgent: strings.Clone(c.Get(fiber.HeaderUserAgent))})
	if code := streamRefusal(err); code != "" {
		return s.refuseStream(c, st.Access, code)
	} else if err != nil {
		return err
	}
	rec, loc := st.Recording, st.Location
	switch {
	case rec.External():
		return c.Redirect(rec.URL, fiber.StatusFound)
	case loc.URL != "": // an object store's presigned address
		return c.Redirect(loc.URL, fiber.StatusFound)
	}
	etag := `"` + rec.SHA256 + `"`
	lastModified := loc.ModTime.UTC().Format(http.TimeFormat)
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderAcceptRanges, "bytes")
	if inm := c.Get(fiber.HeaderIfNoneMatch); inm != "" && etagMatches(inm, etag) {
		c.Set(fiber.HeaderLastModified, lastModified)
		return c.SendStatus(fiber.StatusNotModified)
	}
	req := &c.Request().Header
	if rng := c.Get(fiber.HeaderRange); rng != "" {
		// If-Range: the range only while the file is the one the client
		// has part of (RFC 9110, 13.1.5); otherwise the whole file.
		if ir := c.Get(fiber.HeaderIfRange); ir != "" && ir != etag && ir != lastModified {
			req.Del(fiber.HeaderRange)
		} else {
			first, last, outcome := parseRange(rng, loc.Size)
			switch outcome {
			case rangeIgnore:
				req.Del(fiber.HeaderRange)
			case rangeUnsatisfiable:
				c.Set(fiber.HeaderContentRange, "bytes */"+strconv.FormatInt(loc.Size, 10))
				c.Set(fiber.HeaderContentType, "text/plain; charset=utf-8")
				return c.Status(fiber.StatusRequestedRangeNotSatisfiable).SendString("Range not satisfiable: the file has " + strconv.FormatInt(loc.Size, 10) + " bytes.\n")
			case rangeOK:
				// Handed on in the one form fasthttp reads as RFC 9110 does.
				req.Set(fiber.HeaderRange, "bytes="+strconv.FormatInt(first, 10)+"-"+strconv.FormatInt(last, 10))
			}
		}
	}
	if err := c.SendFile(loc.Path); err != nil {
		var fe *fiber.Error
		if errors.As(err, &fe) && fe.Code == fiber.StatusNotFound {
			s.Log.ErrorContext(c.UserContext(), "recording file missing", "recording_id", rec.ID)
			return model.ErrNotFound
		}
		return err
	}
	if code := c.Response().StatusCode(); code == fiber.StatusOK || code == fiber.StatusPartialContent {
		c.Set(fiber.HeaderContentType, rec.ContentType)
		c.Set(fiber.HeaderETag, etag)
	}
	return nil
}

// streamRoute is GET (or HEAD) /a/{token}/recordings/{id}.
var streamRoute = regexp.MustCompile(`(?i)^/a/[^/]+/recordings/[^/?]+/?(\?|$)`)

// isStream reports whether a request is for a recording's file.
func isStream(h *fasthttp.RequestHeader) bool {
	return (h.IsGet() || h.IsHead()) && streamRoute.Match(h.RequestURI())
}

// etagMatches: If-None-Match lists etag (weak comparison) or is "*".
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

type rangeOutcome int

const (
	rangeIgnore        rangeOutcome = iota // serve the whole file (200)
	rangeOK                                // serve first..last (206)
	rangeUnsatisfiable                     // 416
)

// parseRange reads a Range header for a file of size bytes (RFC 9110,
// 14.1.2): "bytes=first-last", "bytes=first-" or "bytes=-suffix". Another
// unit, or several ranges, are ignored (the whole file is sent, as a
// server may); a range that is not valid (last before first, not numbers)
// or starts past the end, a zero suffix, or any range of an empty file is
// unsatisfiable. A last beyond the end, or a suffix longer than the file,
// stops at the end.
func parseRange(h string, size int64) (first, last int64, _ rangeOutcome) {
	unit, set, ok := strings.Cut(h, "=")
	if !ok || !strings.EqualFold(strings.TrimSpace(unit), "bytes") {
		return 0, 0, rangeIgnore
	}
	set = strings.TrimSpace(set)
	if strings.Contains(set, ",") {
		return 0, 0, rangeIgnore
	}
	a, b, ok := strings.Cut(set, "-")
	if !ok {
		return 0, 0, rangeUnsatisfiable
	}
	num := func(v string) (int64, bool) {
		if v == "" || strings.TrimLeft(v, "0123456789") != "" {
			return 0, false
		}
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	if a == "" { // suffix
		n, ok := num(b)
		if !ok || n == 0 || size == 0 {
			return 0, 0, rangeUnsatisfiable
		}
		return max(size-n, 0), size - 1, rangeOK
	}
	first, ok = num(a)
	if !ok || first >= size {
		return 0, 0, rangeUnsatisfiable
	}
	if b == "" {
		return first, size - 1, rangeOK
	}
	last, ok = num(b)
	if !ok || last < first {
		return 0, 0, rangeUnsatisfiable
	}
	return first, min(last, size-1), rangeOK
}
