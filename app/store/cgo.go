//go:build cgo

package store

import (
	"errors"

	"github.com/mattn/go-sqlite3"
)

// CGO reports whether this binary was built with cgo, which go-sqlite3 needs.
const CGO = true

// writerHook tunes the writer connection: the WAL is truncated back to
// 64 MB after each checkpoint, and its page cache holds 512 KB rather than
// SQLite's 2 MB. What the writer reads at every registration (the right
// edge of each table, the event's row and its counters, the indexes'
// upper levels) fits with room to spare; an index leaf it misses comes
// back from the operating system's page cache in microseconds, against
// the milliseconds of the commit's fsync. Once a database has grown past
// 2 MB, the default cache is 1.5 MB of memory held for good.
func writerHook(c *sqlite3.SQLiteConn) error {
	for _, pragma := range []string{"PRAGMA journal_size_limit = 67108864", "PRAGMA cache_size = -512"} {
		if _, err := c.Exec(pragma, nil); err != nil {
			return err
		}
	}
	return nil
}

// IsUnique reports whether err is a UNIQUE constraint violation.
func IsUnique(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique
}
