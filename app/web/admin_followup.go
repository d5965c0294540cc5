package web

import (
	"crypto/sha256"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/ticketing"
)

// The follow-up form of an event's page: the organizer's message to the
// attendees and the absentees. Posted, it shows a page that says how many
// of each group would get it (the sending made and rolled back), with a
// button that sends it through the same call as
// POST /api/v1/events/{id}/follow_up.

// followUpForm is the follow-up form as typed, kept to show it again.
type followUpForm struct {
	Subject, Message     string
	Attendees, Absentees bool
	// Key makes the confirmed form send once, however often it is posted.
	Key string
}

// followUpPreview is the confirmation page of a follow-up.
type followUpPreview struct {
	Event *model.Event
	Form  followUpForm
	// Count is how many of each group would get it; Subject its subject.
	Count   ticketing.Notified
	Subject string
}

// followUpOf fills the follow-up form of an event's page: both groups
// ticked, or the form that failed with its error.
func followUpOf(c *fiber.Ctx, d *eventPageAdmin) {
	d.FollowUp = followUpForm{Attendees: true, Absentees: true}
	if f, ok := c.Locals("follow_up_form").(followUpForm); ok {
		d.FollowUp, d.FollowUpProblem, d.Problem = f, d.Problem, nil
	}
}

func readFollowUpForm(c *fiber.Ctx) followUpForm {
	f := followUpForm{Subject: strings.TrimSpace(c.FormValue("subject")), Message: c.FormValue("message"),
		Attendees: c.FormValue("attendees") == "true", Absentees: c.FormValue("absentees") == "true", Key: c.FormValue("key")}
	if len(f.Key) != 32 || strings.Trim(f.Key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		f.Key = ""
	}
	return f
}

func (f followUpForm) input() ticketing.FollowUpInput {
	return ticketing.FollowUpInput{Message: f.Message, Subject: f.Subject, Groups: ticketing.Groups{Attendees: f.Attendees, Absentees: f.Absentees}}
}

// adminFollowUp takes the follow-up form: without confirm=yes the
// confirmation page, with it the mails.
func (s *Server) adminFollowUp(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	f := readFollowUpForm(c)
	if c.FormValue("confirm") != "yes" {
		n, p, err := s.Tickets.PreviewFollowUp(ctx, id, f.input())
		if err != nil {
			return s.eventFormFailed(c, id, "follow_up_form", f, "followup_", err)
		}
		fp := followUpPreview{Event: p.Event, Form: f, Count: n}
		if len(p.Mails) > 0 {
			fp.Subject = p.Mails[0].Subject
		}
		fp.Form.Key = randomToken()[:32]
		return s.renderAdmin(c, fiber.StatusOK, "followup_confirm", p.Event.Title, fp)
	}
	var key *ticketing.FollowUpKey
	if f.Key != "" {
		h := sha256.Sum256(fmt.Appendf(nil, "%t %t %q %q", f.Attendees, f.Absentees, f.Subject, f.Message))
		key = &ticketing.FollowUpKey{Key: "admin:" + f.Key, RequestHash: h[:]}
	}
	n, _, err := s.Tickets.FollowUp(ctx, id, f.input(), key)
	if err != nil {
		return s.eventFormFailed(c, id, "follow_up_form", f, "followup_", err)
	}
	return c.Redirect(s.adminURL(c, fmt.Sprintf("/admin/events/%d?done=follow_up&attendees=%d&absentees=%d", id, n.Attendees, n.Absentees)),
		fiber.StatusSeeOther)
}

// eventFormFailed shows an event's page again with the error of one of its
// forms, kept in Locals under name with what was typed (the section shows
// it next to its inputs, the fields named with prefix); an unknown error
// goes through.
func (s *Server) eventFormFailed(c *fiber.Ctx, eventID int64, name string, form any, prefix string, err error) error {
	status, body, known := classify(err)
	if !known {
		return err
	}
	c.Locals(name, form)
	p := &body
	if prefix != "" {
		p = prefixed(p, prefix, nil)
	}
	return s.renderAdminEvent(c, status, eventID, 0, p)
}

// Total is how many would get the follow-up.
func (p followUpPreview) Total() int { return p.Count.Attendees + p.Count.Absentees }
