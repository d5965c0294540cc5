package i18n

import (
	_ "embed"
	"strings"
	"sync"
)

// Time zones are shown by their city in the reader's language ("heure :
// Moscou", "Москва"), not by their IANA name ("Europe/Moscow"). The cities
// are CLDR's exemplar cities for en, fr, es, ru and de, kept in zones.tsv
// (written by scripts/cldr-zones.py, about 20 KB in the binary): only the
// zones whose city differs, in some language, from the one the IANA name
// gives ("America/New_York" gives "New York"). Every other zone is named by
// that rule, which is also CLDR's.

//go:embed zones.tsv
var zonesTSV string

// zoneLocales are the columns of zones.tsv after the zone.
var zoneLocales = []string{"en", "fr", "es", "ru", "de"}

// zoneAliases are IANA names newer than the ones CLDR keys its cities by.
var zoneAliases = map[string]string{
	"Asia/Kolkata":                   "Asia/Calcutta",
	"Europe/Kyiv":                    "Europe/Kiev",
	"Asia/Ho_Chi_Minh":               "Asia/Saigon",
	"Asia/Kathmandu":                 "Asia/Katmandu",
	"Asia/Yangon":                    "Asia/Rangoon",
	"America/Nuuk":                   "America/Godthab",
	"Atlantic/Faroe":                 "Atlantic/Faeroe",
	"Pacific/Chuuk":                  "Pacific/Truk",
	"Pacific/Pohnpei":                "Pacific/Ponape",
	"Pacific/Kanton":                 "Pacific/Enderbury",
	"America/Argentina/Buenos_Aires": "America/Buenos_Aires",
	"America/Indiana/Indianapolis":   "America/Indianapolis",
	"America/Kentucky/Louisville":    "America/Louisville",
	"America/Argentina/Cordoba":      "America/Cordoba",
	"America/Argentina/Jujuy":        "America/Jujuy",
	"America/Argentina/Mendoza":      "America/Mendoza",
	"America/Atikokan":               "America/Coral_Harbour",
	"Africa/Asmera":                  "Africa/Asmara",
}

var zoneCities = sync.OnceValue(func() map[string][]string {
	m := map[string][]string{}
	for _, line := range strings.Split(zonesTSV, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		m[f[0]] = f[1:]
	}
	return m
})

// ZoneCity names the city of an IANA zone in a locale: "Moscou" for
// Europe/Moscow in French, "New York" for America/New_York in English; ""
// for UTC, an empty or unknown zone, and the Etc/ zones, which have none.
func ZoneCity(locale, tz string) string {
	if tz == "" || tz == "UTC" || strings.HasPrefix(tz, "Etc/") || !strings.Contains(tz, "/") {
		return ""
	}
	lang := strings.ToLower(strings.SplitN(strings.SplitN(locale, "-", 2)[0], "_", 2)[0])
	row, ok := zoneCities()[tz]
	if !ok {
		row = zoneCities()[zoneAliases[tz]]
	}
	for i, l := range zoneLocales {
		if l == lang && i < len(row) && row[i] != "" {
			return row[i]
		}
	}
	return strings.ReplaceAll(tz[strings.LastIndex(tz, "/")+1:], "_", " ")
}

// ZoneName names a zone for people of a locale: "Paris time", "heure :
// Moscou", "Москва" (message "date.zone" around the city); "UTC" for UTC and
// for a zone without a city.
func (b *Bundle) ZoneName(locale, tz string) string {
	name := b.Location(tz).String() // "UTC" for an unknown zone
	if city := ZoneCity(locale, name); city != "" {
		return b.T(locale, "date.zone", map[string]any{"City": city})
	}
	return name
}
