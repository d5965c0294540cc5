package ticketing

import (
	"encoding/hex"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/admit/admit/app/mail"
	"github.com/admit/admit/app/model"
)

// Calendar is the iCalendar file of the sessions a registration may attend
// (none when it gives no access: cancelled, refunded, unpaid, or the event
// cancelled); accessURL is the registrant's page, where the join button
// lives.
func (s *Service) Calendar(a *Access, accessURL string) ([]byte, error) {
	return s.calendar(a, accessURL, false)
}

// calendar writes the file; cancel writes instead the METHOD:CANCEL file of
// the sessions the registration was for, every one STATUS:CANCELLED, for
// the mail that says the registration or the event is cancelled.
func (s *Service) calendar(a *Access, accessURL string, cancel bool) ([]byte, error) {
	cd := mail.CalendarData{
		Title:       a.Event.Title,
		Description: a.Event.Description,
		URL:         WithLang(accessURL, a.Registration.Locale),
		Timezone:    a.Event.Timezone,
		Stamp:       s.now(),
		Cancel:      cancel,
	}
	sessions := a.Sessions
	if a.DenyReason() != "" && !cancel {
		sessions = nil
	}
	for _, ss := range sessions {
		// The room link stays behind the access page, which checks the
		// registration each time.
		cd.Sessions = append(cd.Sessions, mail.CalendarSession{
			UID: s.calendarUID(a.Registration.ID, ss.ID), Sequence: ss.Revision,
			StartsAt: ss.StartsAt, DurationMinutes: ss.DurationMinutes, JoinURL: WithLang(accessURL+"/join", a.Registration.Locale),
		})
	}
	return mail.Calendar(cd)
}

// calendarCancelled: the registration held a seat that is gone (cancelled,
// refunded), or the event is cancelled.
func (a *Access) calendarCancelled() bool {
	st := a.Registration.Status
	return a.Event.Status == model.EventCancelled || st == model.StatusCancelled || st == model.StatusRefunded
}

// calendarUID is the UID of a registration's session in calendar files:
// "reg-<registration>-<session>-<mac>@<domain>". The domain is the host of
// http.public_url, or an id of this installation when that is a local name;
// the mac, keyed by the installation's secret, keeps two installations
// apart even when they share a host. The same registration and session get
// the same UID each time.
func (s *Service) calendarUID(regID, sessionID int64) string {
	id := "reg-" + strconv.FormatInt(regID, 10) + "-" + strconv.FormatInt(sessionID, 10)
	return id + "-" + s.mac("calendar-uid", id)[:11] + "@" + s.calendarDomain()
}

// calendarDomain is the host of the public URL, or "<installation id>.admit.invalid"
// for an installation that has no public name (localhost, an IP address).
func (s *Service) calendarDomain() string {
	host := ""
	if u, err := url.Parse(s.publicURL); err == nil {
		host = strings.ToLower(u.Hostname())
	}
	if host == "" || host == "localhost" || strings.HasSuffix(host, ".localhost") || net.ParseIP(host) != nil || !strings.Contains(host, ".") {
		// Hex of the mac's first characters: a valid host label.
		return hex.EncodeToString([]byte(s.mac("installation-id")[:12])) + ".admit.invalid"
	}
	return host
}
