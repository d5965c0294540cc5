package i18n

import (
	"bufio"
	"bytes"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"
)

// assets is the real assets/i18n folder, every message of it parsed.
func assets(t *testing.T) *Bundle {
	t.Helper()
	b, err := New(os.DirFS("../../assets/i18n"))
	if err == nil {
		err = b.check()
	}
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return b
}

func TestEveryLocaleIsShipped(t *testing.T) {
	b := assets(t)
	for _, l := range []string{"en", "fr", "es", "ru", "de"} {
		if !b.Supported(l) {
			t.Errorf("locale %q is not loaded (have %v)", l, b.Locales())
		}
	}
	if got := b.Locales(); len(got) == 0 || got[0] != "en" {
		t.Errorf("Locales() = %v, want en first", got)
	}
}

// TestTranslationsAreComplete fails when a locale file misses a message of
// en.toml, or has one en.toml does not.
func TestTranslationsAreComplete(t *testing.T) {
	b := assets(t)
	en := b.MessageIDs("en")
	if len(en) == 0 {
		t.Fatal("en.toml has no messages")
	}
	for _, l := range b.Locales() {
		if l == "en" {
			continue
		}
		t.Run(l, func(t *testing.T) {
			ids := b.MessageIDs(l)
			for _, id := range en {
				if _, found := slices.BinarySearch(ids, id); !found {
					t.Errorf("%s.toml: missing translation of %q", l, id)
				}
			}
			for _, id := range ids {
				if _, found := slices.BinarySearch(en, id); !found {
					t.Errorf("%s.toml: %q is not in en.toml", l, id)
				}
			}
		})
	}
}

var placeholder = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)

func fields(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestTranslationsKeepPlaceholders fails when a translation drops or renames a
// {{.Field}} of the English message.
func TestTranslationsKeepPlaceholders(t *testing.T) {
	b := assets(t)
	// Read the raw templates: rendering with no data would hide them.
	raw := map[string]map[string]string{}
	for _, l := range b.Locales() {
		raw[l] = rawMessages(t, "../../assets/i18n/"+l+".toml")
	}
	for _, l := range b.Locales() {
		for id, en := range raw["en"] {
			tr, ok := raw[l][id]
			if !ok {
				continue // reported by TestTranslationsAreComplete
			}
			if want, got := fields(en), fields(tr); !slices.Equal(want, got) {
				t.Errorf("%s.toml %q uses %v, en.toml uses %v", l, id, got, want)
			}
		}
	}
}

// TestFilesAreSorted keeps every file in the same order, so that adding a
// message to each of them stays a simple job.
func TestFilesAreSorted(t *testing.T) {
	b := assets(t)
	for _, l := range b.Locales() {
		f, err := os.ReadFile("../../assets/i18n/" + l + ".toml")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		sc := bufio.NewScanner(bytes.NewReader(f))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
				ids = append(ids, strings.Trim(line, `[]"`))
			}
		}
		for i := 1; i < len(ids); i++ {
			if ids[i-1] >= ids[i] {
				t.Errorf("%s.toml: [%s] comes after [%s]; keep the tables sorted by id", l, ids[i], ids[i-1])
			}
		}
	}
}

// rawMessages reads `[id]` / `other = "..."` pairs without go-i18n, which
// would execute the templates.
func rawMessages(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var id string
	sc := bufio.NewScanner(bytes.NewReader(f))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "["):
			id = strings.Trim(line, `[]"`)
		case strings.HasPrefix(line, "other") && id != "":
			out[id] += line
		}
	}
	return out
}

func TestMatch(t *testing.T) {
	b := assets(t)
	tests := []struct {
		name, query, accept, want string
	}{
		{"nothing", "", "", "en"},
		{"query", "fr", "", "fr"},
		{"query wins over header", "ru", "de-DE,de;q=0.9", "ru"},
		{"query upper case", "ES", "", "es"},
		{"query region", "fr-CA", "", "fr"},
		{"query unsupported falls to header", "ja", "de-AT", "de"},
		{"query garbage falls to header", "<script>", "es-MX,es;q=0.9", "es"},
		{"header", "", "ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"},
		{"header weights", "", "fr;q=0.5, de;q=0.9", "de"},
		{"header first supported", "", "ja, zh;q=0.9, es;q=0.8", "es"},
		{"header unsupported", "", "ja,zh-CN;q=0.8", "en"},
		{"header english variant", "", "en-GB", "en"},
		{"header wildcard", "", "*", "en"},
		{"header garbage", "", ";;;===", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := b.Match(tt.query, tt.accept); got != tt.want {
				t.Errorf("Match(%q, %q) = %q, want %q", tt.query, tt.accept, got, tt.want)
			}
		})
	}
}

func TestSupported(t *testing.T) {
	b := assets(t)
	for tag, want := range map[string]bool{"en": true, "FR": true, " de ": true, "fr-CA": false, "it": false, "": false} {
		if got := b.Supported(tag); got != want {
			t.Errorf("Supported(%q) = %v, want %v", tag, got, want)
		}
	}
}

func testBundle(t *testing.T) *Bundle {
	t.Helper()
	b, err := New(fstest.MapFS{
		"en.toml": {Data: []byte(`
[hello]
other = "Hello {{.Name}}"

[only.english]
other = "Only in English"

[seats]
one = "{{.Count}} seat"
other = "{{.Count}} seats"
`)},
		"ru.toml": {Data: []byte(`
[hello]
other = "Привет, {{.Name}}"

[seats]
one = "{{.Count}} место"
few = "{{.Count}} места"
many = "{{.Count}} мест"
other = "{{.Count}} места"
`)},
		"README.md": {Data: []byte("not a locale")},
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return b
}

func TestT(t *testing.T) {
	b := testBundle(t)
	tests := []struct {
		name, locale, id string
		data             map[string]any
		want             string
	}{
		{"translated", "ru", "hello", map[string]any{"Name": "Аня"}, "Привет, Аня"},
		{"english", "en", "hello", map[string]any{"Name": "Ann"}, "Hello Ann"},
		{"missing in locale falls back to English", "ru", "only.english", nil, "Only in English"},
		{"unknown locale falls back to English", "it", "hello", map[string]any{"Name": "Ann"}, "Hello Ann"},
		{"empty locale", "", "hello", map[string]any{"Name": "Ann"}, "Hello Ann"},
		{"regional variant", "ru-RU", "hello", map[string]any{"Name": "Аня"}, "Привет, Аня"},
		{"unknown id gives the id", "ru", "no.such.id", nil, "no.such.id"},
		{"data is not escaped here", "en", "hello", map[string]any{"Name": "<b>"}, "Hello <b>"},
		{"plural one", "en", "seats", map[string]any{"Count": 1}, "1 seat"},
		{"plural other", "en", "seats", map[string]any{"Count": 3}, "3 seats"},
		{"plural few", "ru", "seats", map[string]any{"Count": 3}, "3 места"},
		{"plural many", "ru", "seats", map[string]any{"Count": 5}, "5 мест"},
		{"plural one ru", "ru", "seats", map[string]any{"Count": 21}, "21 место"},
		{"bad plural count does not panic", "ru", "seats", map[string]any{"Count": struct{}{}}, "seats"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := b.T(tt.locale, tt.id, tt.data); got != tt.want {
				t.Errorf("T(%q, %q) = %q, want %q", tt.locale, tt.id, got, tt.want)
			}
		})
	}
}

func TestNewRejectsBrokenFiles(t *testing.T) {
	tests := map[string]fstest.MapFS{
		"no english":      {"fr.toml": {Data: []byte("[a]\nother = \"b\"\n")}},
		"bad toml":        {"en.toml": {Data: []byte("[a\nother = ")}},
		"bad template":    {"en.toml": {Data: []byte("[a]\nother = \"{{.Name\"\n")}},
		"bad file name":   {"en.toml": {Data: []byte("[a]\nother = \"b\"\n")}, "french.toml": {Data: []byte("[a]\nother = \"b\"\n")}},
		"mixed keys":      {"en.toml": {Data: []byte("[a]\nother = \"b\"\nfoo = \"c\"\n")}},
		"name not canon.": {"en.toml": {Data: []byte("[a]\nother = \"b\"\n")}, "FR.toml": {Data: []byte("[a]\nother = \"b\"\n")}},
	}
	for name, fsys := range tests {
		t.Run(name, func(t *testing.T) {
			b, err := New(fsys)
			if err == nil {
				err = b.check() // "bad template": found by the tests, not at start
			}
			if err == nil {
				t.Error("the catalogs loaded, want an error")
			}
		})
	}
}

func TestFormatSession(t *testing.T) {
	b := assets(t)
	// 17:00 UTC is 18:00 in Paris in January.
	start := time.Date(2026, 1, 5, 17, 0, 0, 0, time.UTC)
	tests := []struct {
		locale, tz string
		minutes    int64
		want       string
	}{
		{"en", "Europe/Paris", 90, "Monday 5 January 2026, 18:00–19:30 (Paris time)"},
		{"fr", "Europe/Paris", 60, "lundi 5 janvier 2026, 18:00–19:00 (heure\u00a0: Paris)"},
		{"es", "America/Mexico_City", 60, "lunes, 5 de enero de 2026, 11:00–12:00 (hora de Ciudad de México)"},
		{"ru", "Europe/Moscow", 60, "понедельник, 5 января 2026\u00a0г., 20:00–21:00 (Москва)"},
		{"de", "Europe/Berlin", 45, "Montag, 5. Januar 2026, 18:00–18:45 Uhr (Ortszeit Berlin)"},
		{"en", "Asia/Tokyo", 60, "Tuesday 6 January 2026, 02:00–03:00 (Tokyo time)"},
		{"en", "Europe/Paris", 420, "Monday 5 January 2026, 18:00 – Tuesday 6 January 2026, 01:00 (Paris time)"},
		{"en", "", 60, "Monday 5 January 2026, 17:00–18:00 (UTC)"},
		{"en", "Not/AZone", 60, "Monday 5 January 2026, 17:00–18:00 (UTC)"},
	}
	for _, tt := range tests {
		if got := b.FormatSession(tt.locale, start, tt.minutes, tt.tz); got != tt.want {
			t.Errorf("FormatSession(%s, %s) = %q, want %q", tt.locale, tt.tz, got, tt.want)
		}
	}
	// Summer time is the zone's, not a fixed offset.
	summer := time.Date(2026, 7, 1, 16, 0, 0, 0, time.UTC)
	if got, want := b.FormatDateTime("de", summer, "Europe/Berlin"), "Mittwoch, 1. Juli 2026, 18:00 Uhr (Ortszeit Berlin)"; got != want {
		t.Errorf("FormatDateTime = %q, want %q", got, want)
	}
	if got, want := b.FormatDate("fr", summer, "Europe/Paris"), "mercredi 1er juillet 2026"; got != want {
		t.Errorf("FormatDate = %q, want %q", got, want)
	}
}

// TestAmbiguousTimesShowTheirOffset: when clocks go back, a wall-clock
// time happens twice (02:30 CEST, then 02:30 CET, on 25 October 2026 in
// Paris); such a time shows its UTC offset, others do not (before, an hour
// from 02:30 CEST read "02:30–02:30").
func TestAmbiguousTimesShowTheirOffset(t *testing.T) {
	b := assets(t)
	cest := time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC) // 02:30 CEST
	cet := time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC)  // 02:30 CET
	tests := []struct {
		locale, tz string
		start      time.Time
		minutes    int64
		want       string
	}{
		{"en", "Europe/Paris", cest, 60, "Sunday 25 October 2026, 02:30 UTC+2–02:30 UTC+1 (Paris time)"},
		{"en", "Europe/Paris", cet, 60, "Sunday 25 October 2026, 02:30 UTC+1–03:30 (Paris time)"},
		{"en", "Europe/Paris", cest.Add(-time.Hour), 30, "Sunday 25 October 2026, 01:30–02:00 UTC+2 (Paris time)"},
		{"en", "Europe/Paris", cet.Add(time.Hour), 30, "Sunday 25 October 2026, 03:30–04:00 (Paris time)"},
		{"de", "Europe/Berlin", cest, 60, "Sonntag, 25. Oktober 2026, 02:30 UTC+2–02:30 UTC+1 Uhr (Ortszeit Berlin)"},
		// Spring forward skips an hour: nothing is ambiguous.
		{"en", "Europe/Paris", time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC), 60, "Sunday 29 March 2026, 01:30–03:30 (Paris time)"},
		// A half-hour offset (Newfoundland goes back at 02:00 local time).
		{"en", "America/St_Johns", time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC), 30, "Sunday 1 November 2026, 01:30 UTC-2:30–01:00 UTC-3:30 (St. John’s time)"},
	}
	for _, tt := range tests {
		if got := b.FormatSession(tt.locale, tt.start, tt.minutes, tt.tz); got != tt.want {
			t.Errorf("FormatSession(%s, %s, %s) = %q, want %q", tt.locale, tt.tz, tt.start, got, tt.want)
		}
	}
	if got, want := b.FormatDateTime("en", cet, "Europe/Paris"), "Sunday 25 October 2026, 02:30 UTC+1 (Paris time)"; got != want {
		t.Errorf("FormatDateTime = %q, want %q", got, want)
	}
}

// TestConcurrentUse makes every kind of lookup from several goroutines at
// once, on a Bundle fresh from New (its zone cache empty), and checks each
// answer against the one the same call gives on its own. scripts/test.sh
// runs this package under the race detector.
func TestConcurrentUse(t *testing.T) {
	// 29 March 2026 is a summer-time change in Europe.
	start := time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC)
	zones := []string{"", "UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Not/AZone"}
	accept := []string{"", "fr-CA,fr;q=0.9", "de-AT", "ru", "es-419,en;q=0.5", "zz", "*"}
	type call struct {
		name string
		do   func(b *Bundle) string
	}
	ref := assets(t)
	var calls []call
	for _, l := range append(ref.Locales(), "fr-CA", "xx") {
		for n, id := range ref.MessageIDs("en") {
			data := map[string]any{"Name": "Ada", "EventTitle": "Intro", "Count": n % 3}
			calls = append(calls, call{"T(" + l + ", " + id + ")", func(b *Bundle) string { return b.T(l, id, data) }})
		}
		for i, tz := range zones {
			at := start.Add(time.Duration(i) * 7 * time.Hour)
			minutes := int64(30 + i*120)
			calls = append(calls,
				call{"FormatSession(" + l + ", " + tz + ")", func(b *Bundle) string { return b.FormatSession(l, at, minutes, tz) }},
				call{"FormatDateTime(" + l + ", " + tz + ")", func(b *Bundle) string { return b.FormatDateTime(l, at, tz) }},
				call{"FormatDate(" + l + ", " + tz + ")", func(b *Bundle) string { return b.FormatDate(l, at, tz) }},
				call{"Location(" + tz + ")", func(b *Bundle) string { return b.Location(tz).String() }})
		}
		for _, a := range accept {
			calls = append(calls, call{"Match(" + l + ", " + a + ")", func(b *Bundle) string { return b.Match(l, a) }})
		}
	}
	want := make([]string, len(calls))
	for i, c := range calls {
		want[i] = c.do(ref)
	}

	b := assets(t)
	const workers = 8
	var (
		wg    sync.WaitGroup
		wrong atomic.Int64
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each goroutine goes through every call, from its own start.
			for k := range calls {
				i := (k + w*len(calls)/workers) % len(calls)
				if got := calls[i].do(b); got != want[i] && wrong.Add(1) <= 10 {
					t.Errorf("%s = %q while other lookups ran, %q alone", calls[i].name, got, want[i])
				}
			}
		}()
	}
	wg.Wait()
	if n := wrong.Load(); n > 10 {
		t.Errorf("%d answers in all differed", n)
	}
	t.Logf("%d lookups, each made by %d goroutines at once", len(calls), workers)
}
