package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/admit/admit/app/jobs"
)

// Jobs is what the admin API reads of the scheduler.
type Jobs interface {
	Statuses() []jobs.Status
}

type jobJSON struct {
	Name       string     `json:"name"`
	Schedule   string     `json:"schedule"`
	LastRunAt  *time.Time `json:"last_run_at"`
	DurationMS int64      `json:"duration_ms"`
	Outcome    string     `json:"outcome"`
	Error      string     `json:"error"`
	Running    bool       `json:"running"`
	NextRunAt  *time.Time `json:"next_run_at"`
}

// listJobs shows what each scheduled job did last.
func (s *Server) listJobs(c *fiber.Ctx) error {
	out := list[jobJSON]{Items: []jobJSON{}}
	if s.Jobs == nil {
		return c.JSON(out)
	}
	for _, st := range s.Jobs.Statuses() {
		j := jobJSON{Name: st.Name, Schedule: st.Schedule, DurationMS: st.Duration.Milliseconds(), Outcome: st.Outcome, Error: st.Err, Running: st.Running}
		if !st.LastRun.IsZero() {
			at := st.LastRun.UTC()
			j.LastRunAt = &at
		}
		if !st.NextRun.IsZero() {
			at := st.NextRun.UTC()
			j.NextRunAt = &at
		}
		out.Items = append(out.Items, j)
	}
	return c.JSON(out)
}
