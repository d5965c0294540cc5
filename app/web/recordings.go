package web

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/recordings"
	"github.com/admit/admit/app/ticketing"
)

type recordingJSON struct {
	ID          int64     `json:"id"`
	EventID     int64     `json:"event_id"`
	SessionID   *int64    `json:"session_id"`
	Title       string    `json:"title"`
	URL         string    `json:"url,omitempty"`
	Size        int64     `json:"size"`
	ContentType string    `json:"content_type"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
	// ExpiresAt is when it stops being watchable (null: kept until
	// deleted); RemovedAt, when its file was removed on expiry.
	ExpiresAt *time.Time `json:"expires_at"`
	RemovedAt *time.Time `json:"removed_at,omitempty"`
}

func recordingView(r *model.Recording) recordingJSON {
	return recordingJSON{ID: r.ID, EventID: r.EventID, SessionID: r.SessionID, Title: r.Title, URL: r.URL, Size: r.Size,
		ContentType: r.ContentType, SHA256: r.SHA256, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, RemovedAt: r.RemovedAt}
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// recordingRequest is the JSON form of an attach.
type recordingRequest struct {
	URL       string `json:"url"`
	Title     string `json:"title"`
	SessionID *int64 `json:"session_id"`
	// Not an embedded notifyFlags: a type error would name its field
	// notifyFlags.notify.
	Notify          *bool `json:"notify"`
	NotifyAttendees *bool `json:"notify_attendees"`
	NotifyAbsentees *bool `json:"notify_absentees"`
	// ExpiresAfterDays: removed this many days after it is attached.
	ExpiresAfterDays *int64 `json:"expires_after_days"`
}

// addRecording attaches a recording: a multipart upload (the file in field
// file, streamed to storage) or JSON {"url"} for an external one.
func (s *Server) addRecording(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	mt, params, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	switch mt {
	case fiber.MIMEApplicationJSON:
		if err := readBounded(c); err != nil {
			return err
		}
		var in recordingRequest
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		rec, n, err := s.Tickets.AttachRecording(ctx, id, ticketing.RecordingInput{URL: in.URL, Title: in.Title,
			SessionID: in.SessionID, Notify: notifyFlags{in.Notify, in.NotifyAttendees, in.NotifyAbsentees}.groups(),
			ExpiresAfterDays: in.ExpiresAfterDays}, nil)
		if err != nil {
			return err
		}
		return c.Status(fiber.StatusCreated).JSON(attachedView(rec, n))
	case fiber.MIMEMultipartForm:
		if params["boundary"] == "" {
			return model.Invalid(map[string]string{"file": "the multipart body has no boundary"})
		}
	default:
		return &model.Problem{Err: model.ErrValidation, Code: "unsupported_media_type",
			Message: "Send the recording as multipart/form-data (the video in field file) or JSON {\"url\",\"title\"}."}
	}
	in, obj, err := s.readUpload(c, id, multipart.NewReader(uploadStream(c), params["boundary"]))
	if err != nil {
		if obj != nil {
			s.Tickets.DiscardRecordingFile(ctx, *obj)
		}
		return err
	}
	rec, n, err := s.Tickets.AttachRecording(ctx, id, in, obj)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(attachedView(rec, n))
}

// maxFormField bounds each text field of an upload.
const maxFormField = 4 << 10

// readUpload reads the parts of a multipart upload in order: the file is
// streamed to storage as it arrives, the text fields (title, session_id,
// notify, notify_attendees, notify_absentees) may come before or after it.
func (s *Server) readUpload(c *fiber.Ctx, eventID int64, mr *multipart.Reader) (in ticketing.RecordingInput, obj *recordings.Object, err error) {
	var notify notifyFlags
	defer func() { in.Notify = notify.groups() }()
	bad := func(field, msg string) error { return model.Invalid(map[string]string{field: msg}) }
	_, csrfFirst := c.Locals(csrfLater).(string)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			c.Context().SetConnectionClose()
			return in, obj, malformed("the multipart body could not be read (" + err.Error() + ")")
		}
		name := part.FormName()
		if csrfFirst { // the admin UI's form: its token comes before the file
			csrfFirst = false
			b, _ := io.ReadAll(io.LimitReader(part, maxFormField))
			if name != csrfField || csrfChecked(c, string(b)) != nil {
				return in, obj, errCSRF
			}
			continue
		}
		if name == "file" {
			if obj != nil {
				return in, obj, bad("file", "send one file per recording")
			}
			o, err := s.Tickets.StoreRecordingFile(c.UserContext(), eventID, part)
			if err != nil {
				return in, nil, err
			}
			obj, in.FileName = &o, part.FileName()
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, maxFormField+1))
		if err != nil {
			return in, obj, malformed("the multipart body could not be read (" + err.Error() + ")")
		}
		if len(b) > maxFormField {
			return in, obj, bad(name, "is too long")
		}
		v := strings.TrimSpace(string(b))
		switch name {
		case "title":
			in.Title = v
		case "url":
			in.URL = v
		case "session_id":
			if v == "" {
				continue
			}
			sid, err := strconv.ParseInt(v, 10, 64)
			if err != nil || sid <= 0 {
				return in, obj, bad("session_id", "must be a session id")
			}
			in.SessionID = &sid
		case "expires_after_days":
			if in.ExpiresAfterDays, err = expiryDays(v); err != nil {
				return in, obj, err
			}
		case "notify", "notify_attendees", "notify_absentees":
			nv, err := strconv.ParseBool(v)
			if err != nil {
				return in, obj, bad(name, "must be true or false")
			}
			notify.set(name, nv)
		}
	}
	if csrfFirst { // an empty body
		return in, obj, errCSRF
	}
	return in, obj, nil
}

func (s *Server) listRecordings(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	recs, err := s.Tickets.Recordings(c.UserContext(), id)
	if err != nil {
		return err
	}
	out := recordingList{Items: make([]recordingJSON, 0, len(recs))}
	for _, r := range recs {
		out.Items = append(out.Items, recordingView(r))
		if r.RemovedAt == nil {
			out.StorageBytes += r.Size
		}
	}
	return c.JSON(out)
}

// recordingList is an event's recordings with the storage their files use
// (those not removed on expiry).
type recordingList struct {
	Items        []recordingJSON `json:"items"`
	StorageBytes int64           `json:"storage_bytes"`
}

// patchRecording changes a recording's title or expiry.
func (s *Server) patchRecording(c *fiber.Ctx) error {
	id, rid, err := recordingParams(c)
	if err != nil {
		return err
	}
	var in ticketing.RecordingChange
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	rec, err := s.Tickets.UpdateRecording(c.UserContext(), id, rid, in)
	if err != nil {
		return err
	}
	return c.JSON(recordingView(rec))
}

// recordingParams are the event and recording ids of the path.
func recordingParams(c *fiber.Ctx) (id, rid int64, err error) {
	if id, err = idParam(c, "id"); err != nil {
		return 0, 0, err
	}
	rid, err = idParam(c, "rid")
	return id, rid, err
}

func (s *Server) deleteRecording(c *fiber.Ctx) error {
	id, rid, err := recordingParams(c)
	if err != nil {
		return err
	}
	if err := s.Tickets.DeleteRecording(c.UserContext(), id, rid); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// expiryDays reads expires_after_days from a form field or upload metadata
// ("" when absent); its range is checked where the recording is attached.
func expiryDays(v string) (*int64, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	days, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, model.Invalid(map[string]string{"expires_after_days": "must be a whole number of days"})
	}
	return &days, nil
}
