//go:build cgo

package store

// CGO reports whether this binary was built with cgo, which go-sqlite3 needs.
const CGO = true
