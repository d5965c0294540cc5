package arch

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// serverHTTP are the parts of net/http that answer requests. The domain
// may call out over HTTP (outgoing webhooks) and pass a webhook's headers
// as an http.Header, but it never answers a request nor picks a status.
var serverHTTP = map[string]bool{
	"ResponseWriter": true, "Handler": true, "HandlerFunc": true, "Server": true, "ServeMux": true, "NewServeMux": true,
	"ListenAndServe": true, "ListenAndServeTLS": true, "Serve": true, "ServeTLS": true, "Error": true, "Redirect": true,
	"NotFound": true, "NotFoundHandler": true, "ServeContent": true, "ServeFile": true, "FileServer": true, "StripPrefix": true,
	"TimeoutHandler": true, "MaxBytesReader": true, "MaxBytesHandler": true, "Hijacker": true, "Flusher": true,
	"ResponseController": true, "NewResponseController": true, "SetCookie": true,
}

// TestDomainAnswersNoHTTP: app/ticketing uses none of net/http's server
// pieces and names no HTTP status (http.Status…, except StatusText for a
// status an outgoing webhook's receiver gave): what a request is answered
// is app/web's (errors.go turns the domain's model.Problem into HTTP).
func TestDomainAnswersNoHTTP(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "ticketing", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no files: %v", err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		local := ""
		for _, imp := range f.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); path == "net/http" {
				local = "http"
				if imp.Name != nil {
					local = imp.Name.Name
				}
			}
		}
		if local == "" {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == local {
				s := sel.Sel.Name
				if serverHTTP[s] || (strings.HasPrefix(s, "Status") && s != "StatusText") {
					t.Errorf("%s: http.%s: the domain answers no HTTP request", fset.Position(sel.Pos()), s)
				}
			}
			return true
		})
	}
}
