// Package arch checks the dependency rules of STYLE.md on the import graph.
package arch

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/admit/admit"

// rules: a package (prefix) must not import any of these (prefixes).
var rules = []struct {
	pkg       string
	forbidden []string
	why       string
}{
	{module + "/app/", []string{module + "/plugins/"}, "nothing in app/ imports plugins/"},
	{module + "/app/model", []string{module + "/", "github.com/"}, "model is stdlib only"},
	{module + "/app/store", []string{module + "/app/web", module + "/app/ticketing", "github.com/gofiber/"}, "store is below the domain"},
	{module + "/app/ticketing", []string{module + "/app/web", "github.com/gofiber/"}, "fiber stays in app/web"},
	{module + "/app/ticketing", []string{"github.com/valyala/", "net/http/httptest", "net/http/httputil", "net/http/pprof", "net/http/cgi", "net/http/fcgi"},
		"the domain serves no HTTP: answering requests stays in app/web"},
	{module + "/app/ticketing", []string{"flag", "os"},
		"the domain reads no command line, no file of the data directory and starts no process: commands (serve, reconcile) and their start-up (the database, secret.key) are main.go's and app/server's"},
	{module + "/app/mail", []string{module + "/app/web", module + "/app/ticketing", "github.com/gofiber/"}, "mail knows no domain"},
	{module + "/app/pricing", []string{module + "/app/store", module + "/app/web", "github.com/"}, "pricing is pure"},
	{module + "/app/config", []string{module + "/app/"}, "config depends on nothing of ours"},
	{module + "/app/payment", []string{module + "/app/store", module + "/app/ticketing", module + "/app/web", module + "/app/config"}, "payment is the contract: below the domain, the store and the configuration"},
	{module + "/app/recordings", []string{module + "/app/", "github.com/gofiber/"}, "recording storage knows no domain"},
	{module + "/app/outhooks", []string{module + "/app/", "github.com/"}, "sending webhooks knows no domain"},
	{module + "/app/logging", []string{module + "/", "github.com/"}, "the log context is standard library only"},
	{module + "/app/", []string{"github.com/stripe/", "github.com/plutov/"}, "vendor SDKs stay in plugins/"},
	{module + "/app/ticketing", []string{"github.com/prometheus/", module + "/app/metrics"}, "the domain counts through its own Metrics interface"},
	{module + "/app/store", []string{"github.com/prometheus/", module + "/app/metrics"}, "Prometheus stays in app/metrics"},
	{module + "/app/mail", []string{"github.com/prometheus/", module + "/app/metrics"}, "mail counts through Dispatcher.Observe"},
	{module + "/app/jobs", []string{"github.com/prometheus/", module + "/app/metrics"}, "jobs count through Options.Observe"},
	{module + "/app/web", []string{"github.com/prometheus/"}, "Prometheus stays in app/metrics"},
}

func TestImportGraph(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(p.ImportPath, "/mailtest") || strings.HasSuffix(p.ImportPath, "/e2e") || strings.HasSuffix(p.ImportPath, "/arch") {
			continue
		}
		for _, r := range rules {
			if !strings.HasPrefix(p.ImportPath, r.pkg) {
				continue
			}
			for _, imp := range p.Imports {
				for _, f := range r.forbidden {
					if strings.HasPrefix(imp, f) && imp != p.ImportPath && !(r.pkg == module+"/app/model" && strings.HasPrefix(imp, module+"/app/model")) {
						t.Errorf("%s imports %s: %s", p.ImportPath, imp, r.why)
					}
				}
			}
		}
	}
}
