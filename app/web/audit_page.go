package web

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
)

// auditPageData is the admin UI's audit log: the filters as typed, one
// page of entries and the address of the next (older) one.
type auditPageData struct {
	Actor, Action, EventID, Outcome, Since, Until string
	Events                                        []*model.Event
	Items                                         []*model.AuditEntry
	// Titles are the events' titles by id, for the entries' links.
	Titles  map[int64]string
	Older   string
	Filters bool
	Problem *apiErrorBody
}

// adminAudit is GET /admin/settings/audit (administrators: the settings
// pages are theirs), the same filters as GET /api/v1/audit.
func (s *Server) adminAudit(c *fiber.Ctx) error {
	d := auditPageData{Actor: c.Query("actor"), Action: c.Query("action"), EventID: c.Query("event_id"), Outcome: c.Query("outcome"),
		Since: c.Query("since"), Until: c.Query("until")}
	d.Filters = d.Actor != "" || d.Action != "" || d.EventID != "" || d.Outcome != "" || d.Since != "" || d.Until != ""
	evs, err := s.visibleEvents(c)
	if err != nil {
		return err
	}
	d.Events, d.Titles = evs, map[int64]string{}
	for _, e := range evs {
		d.Titles[e.ID] = e.Title
	}
	status := fiber.StatusOK
	_, items, next, err := s.auditPage(c)
	if err != nil {
		st, body, known := classify(err)
		if !known {
			return err
		}
		status, d.Problem = st, &body
	}
	d.Items = items
	if next != "" {
		q := url.Values{"cursor": {next}, "lang": {s.admin.locale(c)}}
		for k, v := range map[string]string{"actor": d.Actor, "action": d.Action, "event_id": d.EventID, "outcome": d.Outcome, "since": d.Since, "until": d.Until} {
			if v != "" {
				q.Set(k, v)
			}
		}
		d.Older = "/admin/settings/audit?" + q.Encode()
	}
	return s.renderAdmin(c, status, "audit", s.adminT(c, "admin.audit.title"), d)
}
