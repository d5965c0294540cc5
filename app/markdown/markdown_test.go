package markdown

import (
	"strings"
	"testing"
)

func TestHTML(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string // substrings of the result
		absent    []string
	}{
		{"empty", "", nil, []string{"<"}},
		{"paragraphs and line breaks", "First line\nsecond line\n\nNew paragraph",
			[]string{"<p>First line<br>\nsecond line</p>", "<p>New paragraph</p>"}, nil},
		{"emphasis and lists", "**bold** and _em_\n\n- one\n- two\n\n1. first",
			[]string{"<strong>bold</strong>", "<em>em</em>", "<ul>", "<li>one</li>", "<ol>"}, nil},
		{"headings are shifted under the page's", "# Agenda\n## Part\n###### Deep",
			[]string{"<h3>Agenda</h3>", "<h4>Part</h4>", "<h6>Deep</h6>"}, []string{"<h1", "<h2"}},
		{"links leave in a new tab", "[site](https://example.org/x?a=1&b=2) and https://example.com",
			[]string{`href="https://example.org/x?a=1&amp;b=2"`, `rel="nofollow noreferrer noopener"`, `target="_blank"`, `href="https://example.com"`}, nil},
		{"mailto", "[write](mailto:a@example.org)", []string{`href="mailto:a@example.org"`}, nil},
		{"javascript links are dropped", "[click](javascript:alert(1)) [x](JaVaScRiPt:alert(2)) <a href=\"javascript:alert(3)\">y</a> [d](data:text/html;base64,PHNjcmlwdD4=)",
			[]string{"click", "x", "y"}, []string{"javascript", "JaVaScRiPt", "data:", "href"}},
		{"raw HTML: formatting kept, handlers and scripts dropped", "<b onmouseover=alert(3)>bold</b> <script>alert(1)</script><img src=x onerror=alert(2)><iframe src=https://evil.example></iframe><style>body{}</style>",
			[]string{"<b>bold</b>"}, []string{"onmouseover", "script", "alert", "<img", "iframe", "style", "onerror"}},
		{"raw h1 keeps its text only", "<h1 style=\"color:red\">Big</h1>", []string{"Big"}, []string{"<h1", "style"}},
		{"tables", "| a | b |\n|---|--:|\n| 1 | 2 |", []string{"<table>", "<th>a</th>", "<td>2</td>"}, nil},
		{"text is escaped", "5 < 6 & \"quotes\"", []string{"5 &lt; 6 &amp; &#34;quotes&#34;"}, nil},
	}
	for _, c := range cases {
		got := HTML(c.src)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", c.name, got, w)
			}
		}
		for _, a := range c.absent {
			if strings.Contains(got, a) {
				t.Errorf("%s: %q holds %q", c.name, got, a)
			}
		}
	}
}
