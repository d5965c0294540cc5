package web

import (
	"fmt"
	"testing"
)

// TestEventReminders: an event sets its own reminder offsets, switches them
// off with [] or goes back to the configured ones with null; a bad offset
// is a 422 naming the field.
func TestEventReminders(t *testing.T) {
	e := newEnv(t)
	ev := e.createEvent(liveEvent(map[string]any{"reminders": []string{"45m", "24h", "1h30m"}}))
	path := fmt.Sprintf("/api/v1/events/%d", num(ev["id"]))
	e.run(t, []scenario{
		{name: "own offsets", method: "GET", path: path, admin: true, status: 200, contains: []string{`"reminders":["24h","1h30m","45m"]`}},
		{name: "off", method: "PATCH", path: path, admin: true, body: map[string]any{"reminders": []string{}}, status: 200, contains: []string{`"reminders":[]`}},
		{name: "configured", method: "PATCH", path: path, admin: true, body: map[string]any{"reminders": nil}, status: 200, contains: []string{`"reminders":null`}},
		{name: "not a duration", method: "PATCH", path: path, admin: true, body: map[string]any{"reminders": []string{"soon"}}, status: 422, contains: []string{`"reminders":"\"soon\" is not a duration`}},
		{name: "too far", method: "PATCH", path: path, admin: true, body: map[string]any{"reminders": []string{"1000h"}}, status: 422, contains: []string{`"reminders"`}},
		{name: "not a list", method: "PATCH", path: path, admin: true, body: map[string]any{"reminders": "1h"}, status: 422, contains: []string{`reminders`}},
	})
}
