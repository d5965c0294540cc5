package banktransfer

import (
	"fmt"
	"regexp"
	"strconv"
)

// A payment reference is an ISO 11649 creditor reference ("RF" + two check
// digits + the reference), which banks across Europe recognize and check:
// RF + check + "A" + the registration id on at least seven digits, such as
// RF30 A000 0042. It is unique because registration ids are, short enough
// to type, and a mistyped character fails its check digits.

// Reference is the payment reference of registration id.
func Reference(id int64) string {
	body := fmt.Sprintf("A%07d", id)
	return "RF" + fmt.Sprintf("%02d", 98-mod97("RF00"+body)) + body
}

var referenceShape = regexp.MustCompile(`^RF[0-9]{2}A[0-9]{7,19}$`)

// ParseReference reads a reference as typed (spaces, lower case) back to
// its registration id; ok is false when it is not one of ours or its check
// digits are wrong.
func ParseReference(v string) (id int64, ok bool) {
	s := compact(v)
	if !referenceShape.MatchString(s) || mod97(s) != 1 {
		return 0, false
	}
	id, err := strconv.ParseInt(s[5:], 10, 64)
	if err != nil || id <= 0 || Reference(id) != s {
		return 0, false
	}
	return id, true
}

// FormatReference groups a reference by four, as it is printed.
func FormatReference(ref string) string { return group4(compact(ref)) }
