package arch

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// providerWord is a payment provider's name as code would use it: in a
// string literal, lower case (a key, a route, a registry name).
var providerWord = regexp.MustCompile(`\b(stripe|paypal|banktransfer)\b`)

// TestNoProviderNamed: the configuration, the domain, pricing and the web
// layer learn the payment providers from the registry (payment.Modules),
// so that adding one is a folder under plugins/ and a line in main.go: no
// string literal of theirs names one, and no page template does.
func TestNoProviderNamed(t *testing.T) {
	root := filepath.Join("..", "..")
	for _, dir := range []string{"app/config", "app/ticketing", "app/pricing", "app/web"} {
		files, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			file, err := parser.ParseFile(fset, f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				v, err := strconv.Unquote(lit.Value)
				if err == nil && providerWord.MatchString(v) {
					t.Errorf("%s: %s names a payment provider: ask the registry (payment.Modules)", fset.Position(lit.Pos()), lit.Value)
				}
				return true
			})
		}
	}
	for _, dir := range []string{"assets/admin", "assets/public"} {
		files, _ := filepath.Glob(filepath.Join(root, dir, "*.html"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if m := regexp.MustCompile(`"(stripe|paypal|banktransfer)"`).Find(b); m != nil {
				t.Errorf("%s: %s names a payment provider: the page gets them from the registry", f, m)
			}
		}
	}
}
