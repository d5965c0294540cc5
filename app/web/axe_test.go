package web

// Accessibility measured: axe-core (Deque's engine) runs inside Chromium on
// a page, at a phone's width and a desktop's, and the test fails on every
// serious or critical violation of a WCAG 2 A/AA rule.
//
// axe-core is a test tool, not part of Admit: scripts/test.sh installs it
// from npm (axe-core@axeVersion) into a cache folder and points AXE_CORE_JS at
// its axe.min.js. Without it the tests skip, except on CI (CI=true) where
// they fail.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// axeVersion is the axe-core that scripts/test.sh installs (keep both equal).
const axeVersion = "4.10.2"

// axeViewports are the widths every page is checked at.
var axeViewports = []struct {
	name          string
	width, height int64
	mobile        bool
}{{"390", 390, 844, true}, {"1280", 1280, 800, false}}

// axeTags are the rules run: WCAG 2.0 and 2.1, levels A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

var axeScript struct {
	once sync.Once
	src  string
	err  error
}

// axePath is AXE_CORE_JS, else where scripts/test.sh installs it.
func axePath() string {
	if p := os.Getenv("AXE_CORE_JS"); p != "" {
		return p
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "admit-test", "axe-core-"+axeVersion, "node_modules", "axe-core", "axe.min.js")
}

// axeSource reads axe.min.js once; without it the test skips, or fails
// on CI.
func axeSource(t *testing.T) string {
	t.Helper()
	axeScript.once.Do(func() {
		p := axePath()
		b, err := os.ReadFile(p)
		if err == nil && len(b) < 1000 {
			err = fmt.Errorf("%s is too short to be axe-core", p)
		}
		axeScript.src, axeScript.err = string(b), err
	})
	if axeScript.err != nil {
		msg := fmt.Sprintf("axe-core is not installed (bash scripts/test.sh installs axe-core@%s from npm, or set AXE_CORE_JS): %v", axeVersion, axeScript.err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return axeScript.src
}

// axeViolation is one rule broken, with the elements that break it.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	URL    string `json:"helpUrl"`
	Nodes  []struct {
		Target  string `json:"target"`
		HTML    string `json:"html"`
		Summary string `json:"summary"`
	} `json:"nodes"`
}

// axeRun is the script that runs axe on the page and answers its
// violations as JSON.
func axeRun() string {
	tags, _ := json.Marshal(axeTags)
	return `(async () => {
  const r = await axe.run(document, {runOnly: {type: "tag", values: ` + string(tags) + `}, resultTypes: ["violations"]});
  return JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 300), summary: n.failureSummary}))})));
})()`
}

// checkAccessibility runs axe-core on the page open in ctx at each of
// axeViewports (a screenshot of each is written, see screenshot), and
// fails the test for each serious or critical violation; lesser ones are
// logged. The page is left at the desktop width.
func checkAccessibility(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	src := axeSource(t)
	defer func() {
		if _, err := chromedp.Call(ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}()
	for _, vp := range axeViewports {
		if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
			Width: vp.width, Height: vp.height, DeviceScaleFactor: 1, Mobile: vp.mobile}); err != nil {
			t.Fatalf("%s at %s px: %v", name, vp.name, err)
		}
		screenshot(t, ctx, name+"-"+vp.name)
		// Reflow (WCAG 1.4.10): the page never scrolls sideways; a wide
		// table scrolls inside its own box.
		if w, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`)); err != nil || w > vp.width {
			t.Errorf("%s at %s px: the page is %d px wide (%v)", name, vp.name, w, err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof axe !== "undefined" || (function(){`+src+`
; return true})()`)); err != nil {
			t.Fatalf("%s: loading axe-core: %v", name, err)
		}
		out, err := chromedp.Run(ctx, chromedp.Evaluate[string](axeRun(), chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s at %s px: running axe-core: %v", name, vp.name, err)
		}
		var violations []axeViolation
		if err := json.Unmarshal([]byte(out), &violations); err != nil {
			t.Fatalf("%s: axe-core's answer: %v\n%s", name, err, out)
		}
		for _, v := range violations {
			var b strings.Builder
			fmt.Fprintf(&b, "%s at %s px: %s (%s): %s — %s", name, vp.name, v.ID, v.Impact, v.Help, v.URL)
			for _, n := range v.Nodes {
				fmt.Fprintf(&b, "\n    %s  %s\n      %s", n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", "\n      "))
			}
			if v.Impact == "serious" || v.Impact == "critical" {
				t.Error(b.String())
			} else {
				t.Log(b.String())
			}
		}
	}
}

// a11yPage is a page to check: its path, with {placeholders} filled from
// the test's fixture, and whether it needs a signed-in browser.
type a11yPage struct {
	name, path string
	signedIn   bool
	// then, if set, acts on the page once open (fills and sends a form)
	// before it is checked as it is then.
	then func(t *testing.T, ctx context.Context)
}

// checkPages opens each page in the browser and checks it; vars fill the
// paths' {placeholders}.
func checkPages(t *testing.T, ctx context.Context, base string, vars map[string]string, pages []a11yPage) {
	t.Helper()
	signedIn := false
	for _, p := range pages {
		if p.signedIn && !signedIn {
			browserSignIn(t, ctx, base)
			signedIn = true
		}
		path := p.path
		for k, v := range vars {
			path = strings.ReplaceAll(path, "{"+k+"}", v)
		}
		if st := open(t, ctx, base+path); st >= 500 {
			t.Fatalf("%s: GET %s: %d", p.name, path, st)
		}
		if p.then != nil {
			p.then(t, ctx)
		}
		checkAccessibility(t, ctx, p.name)
	}
}
