package web

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/admit/admit/app/i18n"
	"github.com/admit/admit/app/payment"
)

// TestEveryPageParses: the public and admin pages are parsed on their
// first render, not at start-up, so this test parses each of them.
func TestEveryPageParses(t *testing.T) {
	tr, err := i18n.New(sub(t, "i18n"))
	if err != nil {
		t.Fatal(err)
	}
	for dir, names := range map[string][]string{"public": pageNames, "admin": adminPageNames} {
		p, err := newPages(sub(t, dir), tr, payment.NewModules(), names)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		if err := p.check(); err != nil {
			t.Errorf("%s: %v", dir, err)
		}
	}
}

// TestBrokenPageFails: a page that does not parse is an error of check
// (and of its render), naming the page.
func TestBrokenPageFails(t *testing.T) {
	tr, err := i18n.New(sub(t, "i18n"))
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{
		"layout.html": {Data: []byte(`{{template "content" .}}`)},
		"good.html":   {Data: []byte(`{{define "content"}}ok{{end}}`)},
		"bad.html":    {Data: []byte(`{{define "content"}}{{if}}{{end}}`)},
	}
	p, err := newPages(fsys, tr, payment.NewModules(), []string{"good", "bad"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.check(); err == nil || !strings.Contains(err.Error(), "page bad") {
		t.Errorf("check: %v, want an error naming page bad", err)
	}
	if _, err := p.views["good"](); err != nil {
		t.Errorf("good: %v", err)
	}
}
