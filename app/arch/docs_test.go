package arch

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/admit/admit/app/pricing"
)

// TestDocsStandAlone: the repository describes itself. No file points to a
// document outside it; comments cite docs/API.md.
func TestDocsStandAlone(t *testing.T) {
	// Spelled in pieces so that this file does not match itself.
	outside := []string{"../" + "shared", "shared/" + "CONTRACT", "CONTRACT" + ".md", "CONTRACT" + " §"}
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == ".git" || name == "node_modules" || name == "data" {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".md", ".toml", ".sh", ".html", ".sql", ".yml", ".yaml", ".txt":
		default:
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range outside {
			if strings.Contains(string(b), s) {
				t.Errorf("%s refers to %q, outside the repository: cite docs/API.md instead", path, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDocsCountCurrencies: README.md and docs/API.md give the number of
// currencies app/pricing sells in.
func TestDocsCountCurrencies(t *testing.T) {
	n := len(pricing.Codes())
	count := regexp.MustCompile(`(\d+) currencies`)
	for _, name := range []string{"README.md", "docs/API.md"} {
		b, err := os.ReadFile(filepath.Join("..", "..", name))
		if err != nil {
			t.Fatal(err)
		}
		found := count.FindAllStringSubmatch(string(b), -1)
		if len(found) == 0 {
			t.Errorf("%s does not say how many currencies there are", name)
		}
		for _, m := range found {
			if got, _ := strconv.Atoi(m[1]); got != n {
				t.Errorf("%s says %q; app/pricing has %d", name, m[0], n)
			}
		}
	}
}
