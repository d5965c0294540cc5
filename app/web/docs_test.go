package web

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestAPIReferenceListsEveryRoute: docs/API.md is the HTTP reference, so
// every route the server answers appears there as "METHOD /path", with
// route parameters written {name} (/static/* as /static/…).
func TestAPIReferenceListsEveryRoute(t *testing.T) {
	doc, err := os.ReadFile("../../docs/API.md")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	param := regexp.MustCompile(`:([A-Za-z_]+)`)
	seen := map[string]bool{}
	for _, r := range e.app.GetRoutes(true) {
		if r.Method == "HEAD" || r.Path == "/" {
			continue
		}
		p := param.ReplaceAllString(r.Path, "{$1}")
		p = strings.ReplaceAll(p, "*", "…")
		want := r.Method + " " + p
		if seen[want] {
			continue
		}
		seen[want] = true
		if !strings.Contains(string(doc), want) {
			t.Errorf("docs/API.md does not mention %q", want)
		}
	}
	if len(seen) < 30 {
		t.Fatalf("only %d routes found: the route table was not read", len(seen))
	}
}
