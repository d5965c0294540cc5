package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/tus/tusd/v2/pkg/handler"
	xslog "golang.org/x/exp/slog"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// Resumable uploads (the tus protocol, tus.io) through tusd's handler, for
// recordings of hundreds of MB sent from a browser on a shaky connection:
//
//	POST   …/events/{id}/recordings/uploads        create (Upload-Length, Upload-Metadata)
//	HEAD   …/events/{id}/recordings/uploads/{uid}  how much arrived (Upload-Offset)
//	PATCH  …/events/{id}/recordings/uploads/{uid}  the next bytes, from Upload-Offset
//	DELETE …/events/{id}/recordings/uploads/{uid}  give up
//
// under /api/v1 (bearer token) and /admin (session cookie, CSRF token in
// X-CSRF-Token). The bytes go to the uploads folder (recordings.Uploads),
// never listed; the PATCH that completes an upload checks the file, moves
// it into the recordings storage and attaches it as the multipart upload
// does, and answers 200 with the recording.
//
// tusd is a net/http handler. It is bridged here rather than through fiber's
// adaptor, which reads the whole request body into memory first: a PATCH
// body is handed to tusd as the stream fasthttp reads from the connection.

// tusEventKey carries the event of the request's path to tusd's callbacks.
type tusEventKey struct{}

// Metadata keys of an upload (Upload-Metadata): what the client may send,
// and the event the server adds.
const (
	tusMetaEvent = "event_id"
)

var tusClientMeta = []string{"title", "filename", "filetype", "session_id", "notify", "notify_attendees", "notify_absentees", "expires_after_days"}

// newTus builds tusd's handler on the uploads folder.
func (s *Server) newTus() (*handler.UnroutedHandler, error) {
	return handler.NewUnroutedHandler(handler.Config{
		StoreComposer:             s.Uploads.Composer(),
		BasePath:                  "/uploads/", // Location is rewritten to the request's path
		DisableDownload:           true,
		DisableConcatenation:      true,
		Cors:                      &handler.CorsConfig{Disable: true},
		Logger:                    tusLogger(s.Log),
		PreUploadCreateCallback:   s.tusCreating,
		PreFinishResponseCallback: s.tusFinished,
		AcquireLockTimeout:        20 * time.Second,
	})
}

// tusRoute answers one tus request for the event of the path.
func (s *Server) tusRoute(c *fiber.Ctx) error {
	if s.tus == nil {
		return model.Fail(model.ErrConflict, "This Admit keeps no recording files: link an external one with {\"url\"}.")
	}
	eventID, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if _, err := s.Tickets.Event(ctx, eventID); err != nil {
		return err
	}
	uid := c.Params("uid")
	var h http.HandlerFunc
	switch c.Method() {
	case fiber.MethodPost:
		h = s.tus.PostFile
	case fiber.MethodHead:
		h = s.tus.HeadFile
	case fiber.MethodPatch:
		h = s.tus.PatchFile
	case fiber.MethodDelete:
		h = s.tus.DelFile
	default:
		return fiber.NewError(fiber.StatusMethodNotAllowed)
	}
	if uid != "" {
		info, err := s.Uploads.Info(ctx, uid)
		if err != nil || info.MetaData[tusMetaEvent] != strconv.FormatInt(eventID, 10) {
			return model.ErrNotFound // another event's upload is not found here
		}
		switch c.Method() {
		case fiber.MethodPatch:
			_ = s.Uploads.Touch(uid, s.Now())
		case fiber.MethodHead:
			if !info.SizeIsDeferred && info.Offset == info.Size {
				return s.tusFinishLate(c, uid)
			}
		}
	}
	w := s.serveTus(c, s.tus.Middleware(h), eventID)
	if c.Method() == fiber.MethodPost && w.status == http.StatusCreated {
		loc := w.h.Get("Location")
		id := loc[strings.LastIndexByte(loc, '/')+1:]
		_ = s.Uploads.Touch(id, s.Now())
		w.h.Set("Location", strings.TrimSuffix(c.Path(), "/")+"/"+id)
	}
	return w.send(c, s.Log)
}

// serveTus runs h with a net/http request made from c; the body is read as
// it arrives.
func (s *Server) serveTus(c *fiber.Ctx, h http.Handler, eventID int64) *tusWriter {
	ctx, cancel := context.WithCancel(context.WithValue(c.UserContext(), tusEventKey{}, eventID))
	defer cancel() // tusd's goroutines end with the request's context
	var body io.Reader = http.NoBody
	if isUpload(c) {
		body = uploadStream(c)
	} else if b := c.Body(); len(b) > 0 {
		body = bytes.NewReader(b)
	}
	// tusd reads the upload's id from a path stripped of its base.
	r, _ := http.NewRequestWithContext(ctx, c.Method(), "/"+c.Params("uid"), io.NopCloser(body))
	c.Request().Header.VisitAll(func(k, v []byte) { r.Header.Add(string(k), string(v)) })
	r.ContentLength = int64(c.Request().Header.ContentLength())
	if r.ContentLength < 0 {
		r.ContentLength = -1
	}
	r.Host, r.RemoteAddr, r.RequestURI = c.Hostname(), c.Context().RemoteAddr().String(), c.OriginalURL()
	w := &tusWriter{h: http.Header{}, conn: c.Context().Conn()}
	h.ServeHTTP(w, r)
	return w
}

// tusWriter is the http.ResponseWriter tusd writes to: headers, status and
// a short body (tusd never writes a long one), sent through fiber after.
// Its deadlines are the connection's (http.ResponseController).
type tusWriter struct {
	h      http.Header
	status int
	body   bytes.Buffer
	conn   net.Conn
}

func (w *tusWriter) Header() http.Header { return w.h }

func (w *tusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *tusWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

func (w *tusWriter) SetReadDeadline(t time.Time) error {
	if w.conn == nil {
		return http.ErrNotSupported
	}
	return w.conn.SetReadDeadline(t)
}

func (w *tusWriter) SetWriteDeadline(t time.Time) error {
	if w.conn == nil {
		return http.ErrNotSupported
	}
	return w.conn.SetWriteDeadline(t)
}

// send writes the answer through fiber. tusd's own errors ("ERR_CODE:
// message" as text) are given the API's error body.
func (w *tusWriter) send(c *fiber.Ctx, log *slog.Logger) error {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	body := w.body.Bytes()
	if w.status >= 400 && strings.HasPrefix(w.h.Get("Content-Type"), "text/plain") {
		var e apiErrorBody
		w.status, e = tusProblem(c.UserContext(), log, w.status, strings.TrimSpace(string(body)))
		body, _ = json.Marshal(apiError{Error: e})
		w.h.Set("Content-Type", fiber.MIMEApplicationJSONCharsetUTF8)
	}
	w.h.Del("Content-Length")
	for k, vs := range w.h {
		for i, v := range vs {
			if i == 0 {
				c.Response().Header.Set(k, v)
			} else {
				c.Response().Header.Add(k, v)
			}
		}
	}
	c.Status(w.status)
	if c.Method() == fiber.MethodHead {
		return nil
	}
	return c.Send(body)
}

// tusProblem turns one of tusd's own errors ("ERR_CODE: message") into
// the API's: a full disk while the bytes are written is 507, as for the
// other uploads; any other 5xx is logged and not shown (its message may
// name files).
func tusProblem(ctx context.Context, log *slog.Logger, status int, text string) (int, apiErrorBody) {
	code, msg, _ := strings.Cut(text, ": ")
	code = strings.ToLower(strings.TrimPrefix(code, "ERR_"))
	switch {
	case strings.Contains(msg, "no space left on device") || strings.Contains(msg, "disk quota exceeded"):
		log.ErrorContext(ctx, "upload not stored: storage full", "error", msg)
		_, body, _ := classify(model.Fail(model.ErrStorageFull,
			"There is no space left to keep this recording: free some space (or delete old recordings) and send the rest again."))
		return fiber.StatusInsufficientStorage, body
	case status >= 500:
		log.ErrorContext(ctx, "upload failed", "status", status, "error", text)
		_, body, _ := classify(errors.New(text))
		return status, body
	}
	return status, apiErrorBody{Code: code, Message: tusMessage(msg)}
}

// tusMessage is tusd's message as a sentence.
func tusMessage(m string) string {
	if m == "" {
		return "The upload request was refused."
	}
	m = strings.ToUpper(m[:1]) + m[1:]
	if !strings.HasSuffix(m, ".") {
		m += "."
	}
	return m
}

// tusCreating checks what the upload will be attached with before any of
// its bytes arrive, and keeps only the metadata Admit reads, with the event.
func (s *Server) tusCreating(hook handler.HookEvent) (handler.HTTPResponse, handler.FileInfoChanges, error) {
	eventID, _ := hook.Context.Value(tusEventKey{}).(int64)
	meta := handler.MetaData{tusMetaEvent: strconv.FormatInt(eventID, 10)}
	for _, k := range tusClientMeta {
		if v, ok := hook.Upload.MetaData[k]; ok {
			meta[k] = v
		}
	}
	in, err := tusInput(meta)
	if err == nil {
		err = s.Tickets.CheckRecording(hook.Context, eventID, in)
	}
	if err != nil {
		return handler.HTTPResponse{}, handler.FileInfoChanges{}, s.tusError(hook.Context, err)
	}
	return handler.HTTPResponse{}, handler.FileInfoChanges{MetaData: meta}, nil
}

// tusInput reads the attach options from an upload's metadata.
func tusInput(meta handler.MetaData) (ticketing.RecordingInput, error) {
	in := ticketing.RecordingInput{Title: meta["title"], FileName: meta["filename"]}
	var notify notifyFlags
	if v := strings.TrimSpace(meta["session_id"]); v != "" {
		sid, err := strconv.ParseInt(v, 10, 64)
		if err != nil || sid <= 0 {
			return in, model.Invalid(map[string]string{"session_id": "must be a session id"})
		}
		in.SessionID = &sid
	}
	var err error
	if in.ExpiresAfterDays, err = expiryDays(meta["expires_after_days"]); err != nil {
		return in, err
	}
	for _, name := range []string{"notify", "notify_attendees", "notify_absentees"} {
		if v := strings.TrimSpace(meta[name]); v != "" {
			nv, err := strconv.ParseBool(v)
			if err != nil {
				return in, model.Invalid(map[string]string{name: "must be true or false"})
			}
			notify.set(name, nv)
		}
	}
	in.Notify = notify.groups()
	return in, nil
}

// tusFinished runs in the PATCH that completes an upload, under its lock:
// the file is checked and attached, and the answer is the recording.
func (s *Server) tusFinished(hook handler.HookEvent) (handler.HTTPResponse, error) {
	rec, err := s.attachUpload(hook.Context, hook.Upload)
	if err != nil {
		return handler.HTTPResponse{}, s.tusError(hook.Context, err)
	}
	b, err := json.Marshal(recordingView(rec))
	if err != nil {
		return handler.HTTPResponse{}, err
	}
	return handler.HTTPResponse{StatusCode: http.StatusOK, Body: string(b),
		Header: handler.HTTPHeader{"Content-Type": fiber.MIMEApplicationJSONCharsetUTF8, "Admit-Recording-Id": strconv.FormatInt(rec.ID, 10)}}, nil
}

// attachUpload moves a complete upload into the recordings storage and
// attaches it. A file that can never be attached (not a video, an event
// gone, a bad field) is removed; one that failed for a passing reason (a
// full disk) stays complete in the uploads folder, and a HEAD attaches it
// later (tusFinishLate).
func (s *Server) attachUpload(ctx context.Context, info handler.FileInfo) (*model.Recording, error) {
	eventID, _ := strconv.ParseInt(info.MetaData[tusMetaEvent], 10, 64)
	in, err := tusInput(info.MetaData)
	if err != nil {
		_ = s.Uploads.Remove(info.ID)
		return nil, err
	}
	obj, err := s.Tickets.StoreRecordingPath(ctx, eventID, s.Uploads.Path(info.ID))
	if err != nil {
		if status, _, _ := classify(err); status < 500 {
			_ = s.Uploads.Remove(info.ID)
		}
		return nil, err
	}
	// The bytes are in the storage now: whatever AttachRecording answers,
	// the upload is over (on an error it removes the stored file).
	rec, _, err := s.Tickets.AttachRecording(ctx, eventID, in, &obj)
	if rerr := s.Uploads.Remove(info.ID); rerr != nil {
		s.Log.ErrorContext(ctx, "finished upload not removed", "upload", info.ID, "error", rerr)
	}
	return rec, err
}

// tusFinishLate answers a HEAD for an upload whose bytes all arrived but
// which was not attached (the disk was full, or Admit stopped in between):
// it is attached now, and the HEAD says so (Admit-Recording-Id).
func (s *Server) tusFinishLate(c *fiber.Ctx, uid string) error {
	ctx := c.UserContext()
	unlock, err := s.Uploads.Lock(ctx, uid)
	if err != nil {
		return fiber.NewError(fiber.StatusLocked, "The upload is busy: try again in a moment.")
	}
	defer unlock()
	info, err := s.Uploads.Info(ctx, uid)
	if err != nil {
		return model.ErrNotFound // attached meanwhile, or removed
	}
	rec, err := s.attachUpload(ctx, info)
	if err != nil {
		return err
	}
	c.Set("Tus-Resumable", "1.0.0")
	c.Set("Upload-Offset", strconv.FormatInt(info.Size, 10))
	c.Set("Upload-Length", strconv.FormatInt(info.Size, 10))
	c.Set("Cache-Control", "no-store")
	c.Set("Admit-Recording-Id", strconv.FormatInt(rec.ID, 10))
	return c.SendStatus(fiber.StatusOK)
}

// tusError gives an error the API's status and body inside tusd.
func (s *Server) tusError(ctx context.Context, err error) error {
	status, body, known := classify(err)
	if !known {
		s.Log.ErrorContext(ctx, "upload failed", "err", err)
	}
	b, _ := json.Marshal(apiError{Error: body})
	return handler.Error{ErrorCode: body.Code, Message: body.Message, HTTPResponse: handler.HTTPResponse{StatusCode: status, Body: string(b),
		Header: handler.HTTPHeader{"Content-Type": fiber.MIMEApplicationJSONCharsetUTF8}}}
}

// tusLog passes tusd's warnings and errors (not its line per request) to
// Admit's log. tusd logs through golang.org/x/exp/slog, whose types are not
// log/slog's.
type tusLog struct {
	log   *slog.Logger
	attrs []any
}

func tusLogger(l *slog.Logger) *xslog.Logger { return xslog.New(tusLog{log: l}) }

func (t tusLog) Enabled(_ context.Context, l xslog.Level) bool { return l >= xslog.LevelWarn }

func (t tusLog) Handle(ctx context.Context, r xslog.Record) error {
	args := append([]any{"component", "tus"}, t.attrs...)
	r.Attrs(func(a xslog.Attr) bool {
		args = append(args, a.Key, a.Value.Any())
		return true
	})
	t.log.Log(ctx, slog.Level(r.Level), r.Message, args...)
	return nil
}

func (t tusLog) WithAttrs(as []xslog.Attr) xslog.Handler {
	n := tusLog{log: t.log, attrs: append([]any{}, t.attrs...)}
	for _, a := range as {
		n.attrs = append(n.attrs, a.Key, a.Value.Any())
	}
	return n
}

func (t tusLog) WithGroup(string) xslog.Handler { return t }
