//go:build !cgo

package store

import "github.com/mattn/go-sqlite3"

// CGO reports whether this binary was built with cgo, which go-sqlite3 needs.
// Without it the driver is a stub: main says so and stops.
const CGO = false

func writerHook(*sqlite3.SQLiteConn) error { return nil }

// IsUnique reports whether err is a UNIQUE constraint violation.
func IsUnique(error) bool { return false }
