package banktransfer

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ibanLengths is the length of an IBAN in each country that has them, from
// the SWIFT IBAN Registry (release 2024).
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
	"BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
	"EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
	"GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
	"IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
	"LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28,
	"NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
	"RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
	"SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

// compact is v without spaces, upper case: how IBANs and references are
// compared ("DE89 3704 …" as printed, "de8937…" as typed).
func compact(v string) string {
	return strings.ToUpper(strings.Join(strings.Fields(v), ""))
}

// mod97 is the ISO 7064 MOD 97-10 remainder of s (digits and upper-case
// letters, A = 10 … Z = 35) after its first four characters are moved to
// the end, as IBANs (ISO 13616) and creditor references (ISO 11649) are
// checked: a valid one gives 1.
func mod97(s string) int {
	s = s[4:] + s[:4]
	r := 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			r = (r*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			r = (r*100 + int(c-'A'+10)) % 97
		}
	}
	return r
}

var ibanShape = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$`)

// CheckIBAN says what is wrong with an IBAN (spaces allowed), nil when its
// country, length and check digits are right.
func CheckIBAN(v string) error {
	s := compact(v)
	if !ibanShape.MatchString(s) {
		return errors.New("is not an IBAN: two letters of the country, two check digits, then the account (such as DE89 3704 0044 0532 0130 00)")
	}
	n, ok := ibanLengths[s[:2]]
	if !ok {
		return fmt.Errorf("%s is not a country with IBANs", s[:2])
	}
	if len(s) != n {
		return fmt.Errorf("has %d characters; an IBAN of %s has %d", len(s), s[:2], n)
	}
	if mod97(s) != 1 {
		return errors.New("has wrong check digits: a character is mistyped")
	}
	return nil
}

var bicShape = regexp.MustCompile(`^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$`)

// CheckBIC says what is wrong with a BIC (ISO 9362), nil when it has its
// shape: four letters of the bank, two of the country, two letters or
// digits of the place, and optionally three of the branch.
func CheckBIC(v string) error {
	s := compact(v)
	if !bicShape.MatchString(s) {
		return errors.New("is not a BIC: 8 or 11 letters and digits, such as COBADEFFXXX")
	}
	if _, ok := ibanLengths[s[4:6]]; !ok && !isCountry(s[4:6]) {
		return fmt.Errorf("%s is not a country code", s[4:6])
	}
	return nil
}

// isCountry: BICs exist for countries without IBANs too (US, CA, JP …);
// the letters must at least be an ISO 3166 code of a country with banks,
// checked loosely (the shape already holds).
func isCountry(cc string) bool {
	return strings.Contains(otherCountries, cc)
}

// otherCountries are ISO 3166-1 codes of countries without IBANs, space
// separated.
const otherCountries = "US CA MX AU NZ JP CN HK SG IN ID MY TH PH VN KR TW AR CL CO PE UY ZA NG KE MA DZ GH CI SN CM ET TZ UG ZM ZW AO MZ NA BW IR AF BD LK NP MM KH LA MO BN PG FJ EC VE BO PY PA CU JM HT TT BS BB KY BM"

// formatIBAN groups an IBAN by four, as it is printed.
func formatIBAN(v string) string { return group4(compact(v)) }

func group4(s string) string {
	var b strings.Builder
	for i, c := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}
