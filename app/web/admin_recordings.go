package web

import (
	"errors"
	"mime"
	"mime/multipart"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// The recordings section of an event's admin page. Its upload form posts
// the file as multipart/form-data (streamed to storage, as the API's upload)
// and works without JavaScript; with JavaScript the page sends the file
// through the resumable upload instead and shows its progress. The
// external-URL form posts the same route, url-encoded.

// recordingForm is the recordings form as typed, kept to show it again.
// Kind names the form: "file", "url" or "delete".
type recordingForm struct {
	Kind, Title, URL, SessionID, ExpiresAfterDays string
	// RID is the recording a failed delete was for.
	RID int64
}

// recordingsSection is what the section shows: the recordings, and the form
// that failed with its error.
type recordingsSection struct {
	Items []*model.Recording
	// Views counts each recording's views (absent: none).
	Views   map[int64]int64
	Form    recordingForm
	Problem *apiErrorBody
	// Uploads is false when Admit keeps no files (only external URLs).
	Uploads bool
}

// recordingsOf fills the recordings section of an event's page; an error
// of its forms moves from the page's notice to the section.
func (s *Server) recordingsOf(c *fiber.Ctx, d *eventPageAdmin) error {
	recs, err := s.Tickets.Recordings(c.UserContext(), d.Event.ID)
	if err != nil {
		return err
	}
	views, err := s.Tickets.RecordingViewCounts(c.UserContext(), d.Event.ID)
	if err != nil {
		return err
	}
	d.Rec = recordingsSection{Items: recs, Views: views, Uploads: s.Uploads != nil, Form: recordingForm{Kind: "file"}}
	if f, ok := c.Locals("recording_form").(recordingForm); ok {
		d.Rec.Form, d.Rec.Problem, d.Problem = f, d.Problem, nil
	}
	return nil
}

// Bytes is a size for people: 1.5 GB, 320.4 MB, 12 KB.
func (l loc) Bytes(n int64) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + " GB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// adminAddRecording attaches an uploaded file or an external URL.
func (s *Server) adminAddRecording(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	mt, params, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if mt == fiber.MIMEMultipartForm && params["boundary"] != "" {
		in, obj, err := s.readUpload(c, id, multipart.NewReader(uploadStream(c), params["boundary"]))
		if errors.Is(err, errCSRF) {
			return err
		}
		if err == nil {
			_, _, err = s.Tickets.AttachRecording(ctx, id, in, obj)
		} else if obj != nil {
			s.Tickets.DiscardRecordingFile(ctx, *obj)
		}
		f := recordingForm{Kind: "file", Title: in.Title}
		if in.ExpiresAfterDays != nil {
			f.ExpiresAfterDays = strconv.FormatInt(*in.ExpiresAfterDays, 10)
		}
		return s.adminRecordingResult(c, id, "recording_added", f, err)
	}
	if err := readBounded(c); err != nil {
		return err
	}
	if err := csrfChecked(c, c.FormValue(csrfField)); err != nil {
		return err
	}
	f := recordingForm{Kind: "url", Title: strings.TrimSpace(c.FormValue("title")), URL: strings.TrimSpace(c.FormValue("url")),
		SessionID: strings.TrimSpace(c.FormValue("session_id")), ExpiresAfterDays: strings.TrimSpace(c.FormValue("expires_after_days"))}
	var notify notifyFlags
	for _, name := range []string{"notify", "notify_attendees", "notify_absentees"} {
		if v := lastFormValue(c, name); v != "" {
			notify.set(name, v == "true")
		}
	}
	in := ticketing.RecordingInput{Title: f.Title, URL: f.URL, Notify: notify.groups()}
	if in.ExpiresAfterDays, err = expiryDays(f.ExpiresAfterDays); err != nil {
		return s.adminRecordingResult(c, id, "", f, err)
	}
	if f.SessionID != "" {
		sid, perr := strconv.ParseInt(f.SessionID, 10, 64)
		if perr != nil || sid <= 0 {
			return s.adminRecordingResult(c, id, "", f, model.Invalid(map[string]string{"session_id": "must be a session id"}))
		}
		in.SessionID = &sid
	}
	_, _, err = s.Tickets.AttachRecording(ctx, id, in, nil)
	return s.adminRecordingResult(c, id, "recording_added", f, err)
}

// lastFormValue is the last value of a form field sent several times (a
// hidden "false" before a checkbox's "true").
func lastFormValue(c *fiber.Ctx, name string) string {
	var v string
	c.Request().PostArgs().VisitAll(func(k, val []byte) {
		if string(k) == name {
			v = string(val)
		}
	})
	return v
}

// adminRecordingResult shows the outcome on the event's page; an error is
// shown next to the recordings form, with what was typed.
func (s *Server) adminRecordingResult(c *fiber.Ctx, eventID int64, done string, f recordingForm, err error) error {
	if err == nil {
		return s.adminActionResult(c, eventID, 0, done, nil)
	}
	return s.eventFormFailed(c, eventID, "recording_form", f, "", err)
}

// adminDeleteRecording removes a recording once the organizer has ticked
// the confirmation.
func (s *Server) adminDeleteRecording(c *fiber.Ctx) error {
	id, rid, err := recordingParams(c)
	if err != nil {
		return err
	}
	if c.FormValue("confirm") != "yes" {
		return s.adminRecordingResult(c, id, "", recordingForm{Kind: "delete", RID: rid}, model.Invalid(map[string]string{
			"confirm_delete": "tick the box to confirm that the recording is to be deleted"}))
	}
	return s.adminActionResult(c, id, 0, "recording_deleted", s.Tickets.DeleteRecording(c.UserContext(), id, rid))
}
