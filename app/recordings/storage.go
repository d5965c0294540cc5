// Package recordings keeps the files of recorded sessions: a small Storage
// interface, the local folder (data/recordings) as its default backend, and
// the check of what a file is from its first bytes.
//
// Storage is shaped for an object store as well: Put streams and reports
// the size and checksum it saw, and Locate answers either a local file to
// serve (with Range, through the web server's file serving) or a URL to
// redirect to (a presigned, short-lived one for an S3-compatible bucket).
package recordings

import (
	"context"
	"errors"
	"io"
	"time"
)

// Errors a caller can act on.
var (
	// ErrFull: the storage has no room left for the file.
	ErrFull = errors.New("recordings: no space left for the file")
	// ErrMediaType: the file is not audio or video of a type browsers play.
	ErrMediaType = errors.New("recordings: not a supported audio or video file")
	// ErrEmpty: the file has no bytes.
	ErrEmpty = errors.New("recordings: the file is empty")
)

// Object is a stored file as Put saw it.
type Object struct {
	Key         string
	Size        int64
	SHA256      string // hex
	ContentType string // sniffed from the first bytes
}

// Location is where a stored file is served from: a file on this machine
// (Path, served with Range by the web server) or a URL to redirect the
// client to (an object store's presigned URL, valid until Expires).
type Location struct {
	Path    string
	ModTime time.Time
	Size    int64
	URL     string
	Expires time.Time
}

// Storage keeps recording files under keys chosen by the caller.
type Storage interface {
	// Put stores r under key. The content type is sniffed from the first
	// bytes and refused (ErrMediaType) before anything is kept; the size and
	// SHA-256 are computed while writing. On any error nothing is left
	// under key.
	Put(ctx context.Context, key string, r io.Reader) (Object, error)
	// Locate says where key is served from (model-free: the caller checks
	// who may see it first).
	Locate(ctx context.Context, key string) (Location, error)
	// Delete removes key; a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// Usage is the number of bytes stored.
	Usage(ctx context.Context) (int64, error)
}
