package web

import (
	"io"
	"net"
	"regexp"
	"time"

	"github.com/gofiber/fiber/v2"
)

// The routes whose body may exceed BodyLimit: a recording streamed to
// storage (POST /api/v1/events/{id}/recordings, and the admin UI's form to
// /admin/events/{id}/recordings), and the bytes of a resumable upload
// (PATCH …/recordings/uploads/{uid}).
var (
	uploadRoute    = regexp.MustCompile(`(?i)^/(api/v1|admin)/events/[^/]+/recordings/?$`)
	tusUploadRoute = regexp.MustCompile(`(?i)^/(api/v1|admin)/events/[^/]+/recordings/uploads/[^/]+/?$`)
)

func isUpload(c *fiber.Ctx) bool {
	switch c.Method() {
	case fiber.MethodPost:
		return uploadRoute.MatchString(c.Path())
	case fiber.MethodPatch:
		return tusUploadRoute.MatchString(c.Path())
	}
	return false
}

// boundedBodies keeps BodyLimit on every route but the upload, and reads
// each of their bodies whole before any other middleware or handler runs.
// Request bodies are streamed (fiber's StreamRequestBody, for uploads), and
// with streaming fasthttp neither refuses a large body itself nor reads more
// than its first 8 KB before the handler: a body declared larger than the
// limit is refused at once, a chunked one is read up to the limit only, and
// none is left half read on a kept-alive connection (its rest would be taken
// for the next request). An upload's answer closes the connection instead,
// since a refused upload leaves its body unread on the wire.
func (s *Server) boundedBodies(c *fiber.Ctx) error {
	if isUpload(c) {
		c.Context().SetConnectionClose()
		return c.Next()
	}
	if err := readBounded(c); err != nil {
		return err
	}
	return c.Next()
}

// readBounded reads the whole request body, refusing it beyond BodyLimit.
func readBounded(c *fiber.Ctx) error {
	n := c.Request().Header.ContentLength()
	stream := c.Context().RequestBodyStream()
	if n > BodyLimit {
		if stream != nil && n <= 2*BodyLimit {
			// Declared just over the limit: read it away first, as below,
			// so that a client still sending reads the answer rather than
			// a connection reset (closing on unread bytes resets it).
			_, _ = io.CopyN(io.Discard, stream, int64(n))
		}
		c.Context().SetConnectionClose()
		return fiber.NewError(fiber.StatusRequestEntityTooLarge, "The request body is larger than 1 MB.")
	}
	if stream == nil {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(stream, BodyLimit+1))
	if err != nil {
		c.Context().SetConnectionClose()
		return fiber.NewError(fiber.StatusBadRequest, "The request body could not be read whole.")
	}
	if len(b) > BodyLimit {
		// Read on a little (at most another BodyLimit), so that a client
		// still sending a body just over the limit reads the answer rather
		// than a connection reset by the close.
		_, _ = io.CopyN(io.Discard, stream, BodyLimit)
		c.Context().SetConnectionClose()
		return fiber.NewError(fiber.StatusRequestEntityTooLarge, "The request body is larger than 1 MB.")
	}
	c.Request().SetBody(b)
	return nil
}

// uploadStream is the request body of an upload, read as it arrives. Each
// read gives the client uploadIdle more to send the next bytes: the server's
// ReadTimeout bounds reading a request's headers, not a long upload.
func uploadStream(c *fiber.Ctx) io.Reader {
	stream := c.Context().RequestBodyStream()
	if stream == nil {
		return bytesReader(c.Body())
	}
	return &idleReader{r: stream, conn: c.Context().Conn()}
}

const uploadIdle = 60 * time.Second

type idleReader struct {
	r    io.Reader
	conn net.Conn
}

func (ir *idleReader) Read(p []byte) (int, error) {
	if ir.conn != nil {
		_ = ir.conn.SetReadDeadline(time.Now().Add(uploadIdle))
	}
	return ir.r.Read(p)
}
