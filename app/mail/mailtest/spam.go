package mailtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Spam is how SpamAssassin scores one message with its local rules.
type Spam struct {
	Score float64
	// Rules are the rules that hit, with their points.
	Rules map[string]float64
}

// spamHeader is the header the scoring adds to each message it reads.
const spamHeader = "X-Spam-Admittest"

var spamLine = regexp.MustCompile(`(?m)^` + spamHeader + `:\s*(-?[0-9.]+)\s*(.*(?:\n[ \t].*)*)`)

// SpamScores scores raw messages with Debian's spamassassin, local rules
// only (-L: no network, no DNS lists), Bayes off. They are read in one run
// (an mbox), and each message that scores above 0 there is scored again
// alone, which is what counts: spamassassin 4.0.1 reading an mbox was seen
// to carry a rule's counts from one message to the next (MIXED_ES on a
// message that alone scores 0). Without spamassassin the test skips,
// except on CI (CI=true) where it fails.
func SpamScores(t testing.TB, raws [][]byte) []Spam {
	t.Helper()
	res := spamRun(t, raws)
	if len(raws) > 1 {
		for i := range res {
			if res[i].Score > 0 {
				res[i] = spamRun(t, raws[i:i+1])[0]
			}
		}
	}
	return res
}

// spamRun scores raws in one run of spamassassin.
func spamRun(t testing.TB, raws [][]byte) []Spam {
	t.Helper()
	bin, err := exec.LookPath("spamassassin")
	if err != nil {
		msg := "spamassassin is not installed (bash scripts/test.sh installs Debian's spamassassin)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	var mbox bytes.Buffer
	for _, raw := range raws {
		mbox.WriteString("From admit@localhost Thu Jan  1 00:00:00 2026\n")
		body := strings.ReplaceAll(string(raw), "\r\n", "\n")
		// mbox quoting: a body line starting "From " would start a message.
		body = regexp.MustCompile(`(?m)^(>*From )`).ReplaceAllString(body, ">$1")
		mbox.WriteString(strings.TrimRight(body, "\n") + "\n\n")
	}
	home := t.TempDir()
	cmd := exec.Command(bin, "-L", "-t", "--mbox",
		"--cf=use_bayes 0", "--cf=bayes_auto_learn 0",
		"--cf=add_header all Admittest _SCORE_ _TESTSSCORES(,)_")
	cmd.Stdin = &mbox
	cmd.Env = append(os.Environ(), "HOME="+home)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	// -t exits with the spam status of the last message: only a run that
	// printed no score at all failed.
	found := spamLine.FindAllStringSubmatch(string(out), -1)
	if len(found) != len(raws) {
		t.Fatalf("spamassassin scored %d of %d messages (%v)\n%s\n%s", len(found), len(raws), err, stderr.String(), out)
	}
	res := make([]Spam, len(found))
	for i, m := range found {
		score, perr := strconv.ParseFloat(m[1], 64)
		if perr != nil {
			t.Fatalf("spamassassin score %q: %v", m[1], perr)
		}
		res[i] = Spam{Score: score, Rules: map[string]float64{}}
		for _, r := range strings.Split(strings.Join(strings.Fields(m[2]), ""), ",") {
			name, pts, ok := strings.Cut(r, "=")
			if !ok {
				continue
			}
			v, _ := strconv.ParseFloat(pts, 64)
			res[i].Rules[name] = v
		}
	}
	return res
}

// String lists the rules that hit.
func (s Spam) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%.3f", s.Score)
	for r, v := range s.Rules {
		fmt.Fprintf(&b, " %s=%.3f", r, v)
	}
	return b.String()
}
