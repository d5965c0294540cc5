package web

import (
	"strings"
	"testing"
)

// scenario is one request and what its answer must show.
type scenario struct {
	name    string
	method  string
	path    string
	body    any
	admin   bool
	headers []string
	status  int
	// contains must all appear in the body; absent must not.
	contains []string
	absent   []string
	// answer are header name and value pairs the answer must carry.
	answer []string
}

func (e *env) run(t *testing.T, scenarios []scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			e.t = t
			r := e.do(sc.method, sc.path, sc.body, sc.admin, sc.headers...)
			if r.Status != sc.status {
				t.Fatalf("%s %s: status %d, want %d\n%s", sc.method, sc.path, r.Status, sc.status, r.Body)
			}
			for _, c := range sc.contains {
				if !strings.Contains(string(r.Body), c) {
					t.Errorf("body lacks %q:\n%s", c, r.Body)
				}
			}
			for _, c := range sc.absent {
				if strings.Contains(string(r.Body), c) {
					t.Errorf("body has %q:\n%s", c, r.Body)
				}
			}
			for i := 0; i+1 < len(sc.answer); i += 2 {
				if got := r.Header.Get(sc.answer[i]); got != sc.answer[i+1] {
					t.Errorf("header %s = %q, want %q", sc.answer[i], got, sc.answer[i+1])
				}
			}
		})
	}
}
