package web

import (
	"crypto/sha256"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// notifyFlags choose who gets a recording's mail: notify (default true)
// is the default of both groups, notify_attendees and notify_absentees
// set each.
type notifyFlags struct {
	Notify          *bool `json:"notify"`
	NotifyAttendees *bool `json:"notify_attendees"`
	NotifyAbsentees *bool `json:"notify_absentees"`
}

func (f *notifyFlags) set(name string, v bool) {
	switch name {
	case "notify":
		f.Notify = &v
	case "notify_attendees":
		f.NotifyAttendees = &v
	case "notify_absentees":
		f.NotifyAbsentees = &v
	}
}

func (f notifyFlags) groups() ticketing.Groups {
	all := f.Notify == nil || *f.Notify
	g := ticketing.Groups{Attendees: all, Absentees: all}
	if f.NotifyAttendees != nil {
		g.Attendees = *f.NotifyAttendees
	}
	if f.NotifyAbsentees != nil {
		g.Absentees = *f.NotifyAbsentees
	}
	return g
}

// notifiedJSON counts the mails queued per group.
type notifiedJSON struct {
	Attendees int `json:"attendees"`
	Absentees int `json:"absentees"`
}

// attachedJSON is an attached recording and the mails it queued.
type attachedJSON struct {
	recordingJSON
	Notified notifiedJSON `json:"notified"`
}

func attachedView(r *model.Recording, n ticketing.Notified) attachedJSON {
	return attachedJSON{recordingJSON: recordingView(r), Notified: notifiedJSON(n)}
}

type followUpRequest struct {
	Message   string `json:"message"`
	Subject   string `json:"subject"`
	Attendees *bool  `json:"attendees"`
	Absentees *bool  `json:"absentees"`
}

// followUp mails the organizer's message to the event's registrants with
// access, attendees and absentees (both unless one is false).
func (s *Server) followUp(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in followUpRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var key *ticketing.FollowUpKey
	if k, hash, err := idempotencyKey(c); err != nil {
		return err
	} else if k != "" {
		key = &ticketing.FollowUpKey{Key: k, RequestHash: hash}
	}
	g := ticketing.Groups{Attendees: in.Attendees == nil || *in.Attendees, Absentees: in.Absentees == nil || *in.Absentees}
	n, replayed, err := s.Tickets.FollowUp(c.UserContext(), id, ticketing.FollowUpInput{Message: in.Message, Subject: in.Subject, Groups: g}, key)
	if err != nil {
		return err
	}
	if replayed {
		c.Set("Idempotent-Replayed", "true")
	}
	return c.JSON(fiber.Map{"queued": notifiedJSON(n)})
}

// idempotencyKey reads the Idempotency-Key header: the key ("" when none)
// and the hash of the request's body.
func idempotencyKey(c *fiber.Ctx) (string, []byte, error) {
	key := c.Get("Idempotency-Key")
	if key == "" {
		return "", nil, nil
	}
	if len(key) > 255 || strings.ContainsFunc(key, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
		return "", nil, model.Invalid(map[string]string{"Idempotency-Key": "must be at most 255 printable ASCII characters"})
	}
	h := sha256.Sum256(c.Body())
	return key, h[:], nil
}
