//go:build cgo

package store

import (
	"errors"

	"github.com/mattn/go-sqlite3"
)

// CGO reports whether this binary was built with cgo, which go-sqlite3 needs.
const CGO = true

// writerHook tunes the writer connection: the WAL is truncated back to
// 64 MB after each checkpoint.
func writerHook(c *sqlite3.SQLiteConn) error {
	_, err := c.Exec("PRAGMA journal_size_limit = 67108864", nil)
	return err
}

// IsUnique reports whether err is a UNIQUE constraint violation.
func IsUnique(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique
}
