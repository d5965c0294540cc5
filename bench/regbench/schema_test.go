package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// TestRawQueriesMatchServer: the RAW phases run the server's own statements
// where they do the same thing (app/store/queries, by name).
func TestRawQueriesMatchServer(t *testing.T) {
	files, err := filepath.Glob("../../app/store/queries/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("server queries not found: %v", err)
	}
	named := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := ""
		for _, line := range strings.Split(string(b), "\n") {
			if n, ok := strings.CutPrefix(line, "-- name: "); ok {
				name = strings.TrimSpace(n)
				continue
			}
			if name == "" || strings.HasPrefix(strings.TrimSpace(line), "--") {
				continue
			}
			named[name] += line + "\n"
		}
	}
	for name, raw := range map[string]string{
		"count-seats":          rawCount,
		"insert-payment-event": rawMarkEvent,
		"set-paid":             rawSetPaid,
		"insert-outbox":        rawQueueAccess,
		"insert-reminder-sent": rawReminderSent,
		"close-reminder-pass":  rawReminderPass,
	} {
		server, ok := named[name]
		if !ok {
			t.Errorf("the server has no query %s", name)
			continue
		}
		if squeeze(strings.TrimSuffix(strings.TrimSpace(server), ";")) != squeeze(raw) {
			t.Errorf("%s differs from the server's:\nserver: %s\nraw:    %s", name, server, raw)
		}
	}
}

func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
