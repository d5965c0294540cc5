package i18n

import (
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// pluralCounts reach every cardinal plural category of the five languages:
// Russian one (1, 21), few (2, 22), many (0, 5, 11), other (1.5); French
// and Spanish many (1000000).
var pluralCounts = []string{"0", "1", "2", "3", "5", "11", "21", "22", "101", "1000000", "1.5"}

// category is the CLDR plural category of a count in a language.
func category(t *testing.T, lang, count string) plural.Form {
	t.Helper()
	whole, frac, _ := strings.Cut(count, ".")
	i, err := strconv.Atoi(whole)
	if err != nil {
		t.Fatal(err)
	}
	f := 0
	if frac != "" {
		f, _ = strconv.Atoi(frac)
	}
	return plural.Cardinal.MatchPlural(language.MustParse(lang), i, len(frac), len(frac), f, f)
}

// TestEveryPluralCategoryRenders renders every message of every language
// with a count of every plural category that language has: none shows its
// id (a form the file leaves out falls back to "other").
func TestEveryPluralCategoryRenders(t *testing.T) {
	b := assets(t)
	for _, l := range b.Locales() {
		seen := map[plural.Form]bool{}
		for _, c := range pluralCounts {
			seen[category(t, l, c)] = true
		}
		// x/text's rules predate CLDR's "many" for French and Spanish
		// (1000000, which go-i18n knows): it counts two there.
		want := map[string]int{"en": 2, "de": 2, "fr": 2, "es": 2, "ru": 4}[l]
		if len(seen) < want {
			t.Errorf("%s: the counts reach %d plural categories, want %d", l, len(seen), want)
		}
		for _, id := range b.MessageIDs(l) {
			for _, c := range pluralCounts {
				if got := b.T(l, id, map[string]any{"Count": c}); got == id || got == "" {
					t.Errorf("%s: %s with Count %s (%v) = %q", l, id, c, category(t, l, c), got)
				}
			}
		}
	}
}

// TestMissingPluralFormFallsBack: a Russian message without "few" shows its
// "other" form for 3, not its id; a message with only "other" takes a count.
func TestMissingPluralFormFallsBack(t *testing.T) {
	b, err := New(fstest.MapFS{
		"en.toml": {Data: []byte("[seats]\none = \"{{.Count}} seat\"\nother = \"{{.Count}} seats\"\n\n[plain]\nother = \"Plain\"\n")},
		"ru.toml": {Data: []byte("[seats]\none = \"{{.Count}} место\"\nother = \"{{.Count}} мест\"\n\n[plain]\nother = \"Просто\"\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		locale, id string
		count      any
		want       string
	}{
		{"ru", "seats", 3, "3 мест"},
		{"ru", "seats", 1, "1 место"},
		{"ru", "plain", 1, "Просто"},
		{"en", "plain", 1, "Plain"},
		{"en", "seats", 1, "1 seat"},
	} {
		if got := b.T(tt.locale, tt.id, map[string]any{"Count": tt.count}); got != tt.want {
			t.Errorf("T(%s, %s, %v) = %q, want %q", tt.locale, tt.id, tt.count, got, tt.want)
		}
	}
}

func TestLanguageNames(t *testing.T) {
	b := assets(t)
	want := map[string]string{"en": "English", "fr": "Français", "es": "Español", "ru": "Русский", "de": "Deutsch"}
	for l, name := range want {
		if got := b.LanguageName(l); got != name {
			t.Errorf("LanguageName(%s) = %q, want %q", l, got, name)
		}
	}
}

// TestZoneNames: zones are named by their city in the reader's language.
func TestZoneNames(t *testing.T) {
	b := assets(t)
	for _, tt := range []struct{ locale, tz, want string }{
		{"en", "Europe/Moscow", "Moscow time"},
		{"fr", "Europe/Moscow", "heure\u00a0: Moscou"},
		{"es", "Europe/Moscow", "hora de Moscú"},
		{"ru", "Europe/Moscow", "Москва"},
		{"de", "Europe/Moscow", "Ortszeit Moskau"},
		{"en", "America/New_York", "New York time"},
		{"ru", "America/New_York", "Нью-Йорк"},
		{"en", "Asia/Kolkata", "Kolkata time"}, // IANA's newer name, CLDR's Asia/Calcutta
		{"de", "Asia/Kolkata", "Ortszeit Kalkutta"},
		{"ru", "Europe/Kyiv", "Киев"},
		{"fr-CA", "Europe/Paris", "heure\u00a0: Paris"},
		{"en", "UTC", "UTC"},
		{"en", "", "UTC"},
		{"en", "Not/AZone", "UTC"},
		{"en", "Etc/GMT+3", "Etc/GMT+3"},
	} {
		if got := b.ZoneName(tt.locale, tt.tz); got != tt.want {
			t.Errorf("ZoneName(%s, %q) = %q, want %q", tt.locale, tt.tz, got, tt.want)
		}
	}
}

// TestFirstOfTheMonth: French writes "1er", the others the number.
func TestFirstOfTheMonth(t *testing.T) {
	b := assets(t)
	first := time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)
	for l, want := range map[string]string{
		"fr": "mardi 1er décembre 2026",
		"en": "Tuesday 1 December 2026",
		"de": "Dienstag, 1. Dezember 2026",
		"es": "martes, 1 de diciembre de 2026",
		"ru": "вторник, 1 декабря 2026\u00a0г.",
	} {
		if got := b.FormatDate(l, first, "Europe/Paris"); got != want {
			t.Errorf("FormatDate(%s) = %q, want %q", l, got, want)
		}
	}
	if got := b.FormatDate("fr", first.AddDate(0, 0, 1), "Europe/Paris"); got != "mercredi 2 décembre 2026" {
		t.Errorf("the 2nd: %q", got)
	}
}

func TestMatchTag(t *testing.T) {
	b := assets(t)
	for _, tt := range []struct{ query, accept, want string }{
		{"es-MX", "", "es-MX"},
		{"es", "es-MX", "es"},
		{"", "es-MX,es;q=0.9", "es-MX"},
		{"", "de-CH", "de-CH"},
		{"", "it,fr-CA;q=0.8", "fr-CA"},
		{"fr", "", "fr"},
		{"xx", "ru-RU", "ru-RU"},
		{"", "", "en"},
		{"es-419", "", "es-419"},
	} {
		if got := b.MatchTag(tt.query, tt.accept); got != tt.want {
			t.Errorf("MatchTag(%q, %q) = %q, want %q", tt.query, tt.accept, got, tt.want)
		}
	}
	if !b.Has("fr-CA") || b.Has("it") || b.Has("") {
		t.Error("Has")
	}
}
