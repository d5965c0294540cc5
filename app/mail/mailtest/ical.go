package mailtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// ICalJSVersion is the version of Mozilla's ical.js that scripts/test.sh
// installs from npm into a cache folder (and names in ICAL_JS).
const ICalJSVersion = "2.1.0"

// ICS is a calendar file as ical.js, a parser independent of the one that
// writes it, reads it.
type ICS struct {
	Method string     `json:"method"`
	Events []ICSEvent `json:"events"`
}

// ICSEvent is one VEVENT.
type ICSEvent struct {
	UID      string `json:"uid"`
	Sequence int64  `json:"sequence"`
	Status   string `json:"status"`
	Summary  string `json:"summary"`
	// Unix seconds.
	Stamp, Start, End int64
}

// Times of the event.
func (e ICSEvent) Times() (stamp, start, end time.Time) {
	return time.Unix(e.Stamp, 0).UTC(), time.Unix(e.Start, 0).UTC(), time.Unix(e.End, 0).UTC()
}

const icalScript = `
const ICAL = require(process.env.ICALJS);
let src = "";
process.stdin.on("data", d => src += d);
process.stdin.on("end", () => {
  const cal = new ICAL.Component(ICAL.parse(src));
  const out = {method: cal.getFirstPropertyValue("method") || "", events: []};
  for (const v of cal.getAllSubcomponents("vevent")) {
    const e = new ICAL.Event(v);
    out.events.push({uid: e.uid, sequence: e.sequence || 0, status: v.getFirstPropertyValue("status") || "",
      summary: e.summary, Stamp: v.getFirstPropertyValue("dtstamp").toUnixTime(),
      Start: e.startDate.toUnixTime(), End: e.endDate.toUnixTime()});
  }
  process.stdout.write(JSON.stringify(out));
});`

// icalJSPath is ICAL_JS, else where scripts/test.sh installs ical.js.
func icalJSPath() string {
	if p := os.Getenv("ICAL_JS"); p != "" {
		return p
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "admit-test", "icaljs-"+ICalJSVersion, "node_modules", "ical.js", "dist", "ical.es5.cjs")
}

// ParseICS reads data with ical.js under node. Without node or ical.js the
// test skips, except on CI (CI=true) where it fails.
func ParseICS(t testing.TB, data []byte) ICS {
	t.Helper()
	p := icalJSPath()
	_, err := os.Stat(p)
	if err == nil {
		_, err = exec.LookPath("node")
	}
	if err != nil {
		msg := fmt.Sprintf("ical.js is not installed (bash scripts/test.sh installs ical.js@%s from npm, or set ICAL_JS): %v", ICalJSVersion, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cmd := exec.Command("node", "-e", icalScript)
	cmd.Env = append(os.Environ(), "ICALJS="+p)
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ical.js cannot read the calendar: %v\n%s\n%s", err, stderr.String(), data)
	}
	var c ICS
	if err := json.Unmarshal(out, &c); err != nil {
		t.Fatalf("ical.js output %q: %v", out, err)
	}
	return c
}
