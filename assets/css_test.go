package assets

import (
	"io/fs"
	"strconv"
	"strings"
	"testing"
)

// TestStylesheetsBalanced: every block of every stylesheet is closed where
// it should be. A lost "}" (easily dropped when two changes meet) does not
// break the file for the browser: it silently moves every rule after it
// into the block above, such as a narrow-screen @media, and the desktop
// layout loses them.
func TestStylesheetsBalanced(t *testing.T) {
	err := fs.WalkDir(FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".css") {
			return err
		}
		b, err := FS.ReadFile(path)
		if err != nil {
			return err
		}
		if line, msg := unbalanced(string(b)); msg != "" {
			t.Errorf("%s:%d: %s", path, line, msg)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// unbalanced finds the first brace without its partner, outside comments
// and strings; a block opened inside an @media may hold only rules, not
// another @media of the same file's top level (the usual sign of a lost
// "}").
func unbalanced(css string) (int, string) {
	depth, line := 0, 1
	mediaLine := 0
	for i := 0; i < len(css); i++ {
		switch c := css[i]; {
		case c == '\n':
			line++
		case strings.HasPrefix(css[i:], "/*"):
			end := strings.Index(css[i+2:], "*/")
			if end < 0 {
				return line, "comment not closed"
			}
			line += strings.Count(css[i:i+2+end], "\n")
			i += end + 3
		case c == '"' || c == '\'':
			end := strings.IndexByte(css[i+1:], c)
			if end < 0 {
				return line, "string not closed"
			}
			i += end + 1
		case strings.HasPrefix(css[i:], "@media"):
			if depth > 0 {
				return line, "@media inside a block: the block of line " + strconv.Itoa(mediaLine) + " is not closed"
			}
			mediaLine = line
		case c == '{':
			depth++
			if depth > 2 {
				return line, "blocks nested too deep: a \"}\" is missing above"
			}
		case c == '}':
			depth--
			if depth < 0 {
				return line, "\"}\" without its \"{\""
			}
		}
	}
	if depth != 0 {
		return line, "a block is not closed at the end of the file (opened near line " + strconv.Itoa(mediaLine) + ")"
	}
	return 0, ""
}
