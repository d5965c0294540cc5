package web

import "testing"

// FuzzParseRange: whatever the Range header and the file's size,
// parseRange does not panic, and a range it accepts lies inside the file
// (0 <= first <= last < size).
func FuzzParseRange(f *testing.F) {
	for _, h := range []string{"bytes=0-99", "bytes=100-", "bytes=-500", "bytes=0-0,5-9", "items=0-1", "bytes=9-3",
		"bytes=-0", "bytes= 00010 - 20", "BYTES=1-", "bytes=-", "bytes=x-y", "bytes=99999999999999999999-", "bytes=+1-2", ""} {
		f.Add(h, int64(1000))
		f.Add(h, int64(0))
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			size = -(size + 1) // a file's size is never negative
		}
		first, last, outcome := parseRange(h, size)
		if outcome == rangeOK && (first < 0 || first > last || last >= size) {
			t.Fatalf("parseRange(%q, %d) = %d-%d, outside the file", h, size, first, last)
		}
	})
}
