package web

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/model"
)

// attendanceJSON is one session a registration joined: it opened its join
// link while the session was open.
type attendanceJSON struct {
	SessionID int64     `json:"session_id"`
	FirstAt   time.Time `json:"first_at"`
	LastAt    time.Time `json:"last_at"`
	Opens     int64     `json:"opens"`
}

// listedRegistrationJSON is a registration in an event's list: itself and
// the sessions it joined (empty when none).
type listedRegistrationJSON struct {
	registrationJSON
	AttendedSessions []attendanceJSON `json:"attended_sessions"`
	// ProviderFee is what the provider kept of the payment (null: no
	// payment, or not known yet).
	ProviderFee *providerFeeJSON `json:"provider_fee"`
}

func attendanceView(as []model.Attendance) []attendanceJSON {
	out := make([]attendanceJSON, 0, len(as))
	for _, a := range as {
		out = append(out, attendanceJSON{SessionID: a.SessionID, FirstAt: a.FirstAt, LastAt: a.LastAt, Opens: a.Opens})
	}
	return out
}

// eventAttendance is who joined which session of the event of the route's
// id, by registration.
func (s *Server) eventAttendance(c *fiber.Ctx) (map[int64][]model.Attendance, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	return s.Tickets.Attendance(c.UserContext(), id)
}

// attendanceCells are the CSV cells of a registration's attendance (listed
// earliest first): how many sessions it joined, and when it first did (""
// when never).
func attendanceCells(as []model.Attendance) []string {
	first := ""
	if len(as) > 0 {
		first = as[0].FirstAt.Format(time.RFC3339)
	}
	return []string{strconv.Itoa(len(as)), first}
}
