package recordings

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// tempPrefix marks files being written; they are never listed and are
// removed when found at start.
const tempPrefix = ".upload-"

// Local keeps files in one folder of this machine (data/recordings).
type Local struct {
	dir string
}

// NewLocal uses dir (created if needed) and removes what an interrupted
// upload left in it.
func NewLocal(dir string) (*Local, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("recordings: %w", err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, tempPrefix+"*"))
	for _, f := range left {
		_ = os.Remove(f)
	}
	return &Local{dir: dir}, nil
}

// Dir is the folder.
func (l *Local) Dir() string { return l.dir }

// validKey: keys are single file names, never paths.
func validKey(key string) error {
	if key == "" || key != filepath.Base(key) || strings.HasPrefix(key, ".") || strings.ContainsAny(key, `/\`) {
		return fmt.Errorf("recordings: invalid key %q", key)
	}
	return nil
}

// Put writes r to a temporary file in the folder, then renames it to key:
// an upload that fails or is cut leaves no file under key.
func (l *Local) Put(ctx context.Context, key string, r io.Reader) (obj Object, err error) {
	if err := validKey(key); err != nil {
		return Object{}, err
	}
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(SniffLen)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return Object{}, fmt.Errorf("recordings: read: %w", err)
	}
	if len(head) == 0 {
		return Object{}, ErrEmpty
	}
	obj.Key, obj.ContentType = key, Sniff(head)
	if obj.ContentType == "" {
		return Object{}, ErrMediaType
	}
	f, err := os.CreateTemp(l.dir, tempPrefix+"*")
	if err != nil {
		return Object{}, storageErr(err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	h := sha256.New()
	n, err := copyCtx(ctx, io.MultiWriter(f, h), br)
	if err != nil {
		return Object{}, storageErr(err)
	}
	if err = f.Sync(); err != nil {
		return Object{}, storageErr(err)
	}
	if err = f.Close(); err != nil {
		return Object{}, storageErr(err)
	}
	if err = os.Chmod(f.Name(), 0o640); err != nil {
		return Object{}, storageErr(err)
	}
	if err = os.Rename(f.Name(), filepath.Join(l.dir, key)); err != nil {
		return Object{}, storageErr(err)
	}
	obj.Size, obj.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	return obj, nil
}

// copyCtx copies through one 256 KB buffer, stopping when ctx ends.
func copyCtx(ctx context.Context, w io.Writer, r io.Reader) (int64, error) {
	buf := make([]byte, 256<<10)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		m, rerr := r.Read(buf)
		if m > 0 {
			if _, err := w.Write(buf[:m]); err != nil {
				return n, err
			}
			n += int64(m)
		}
		if errors.Is(rerr, io.EOF) {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

// storageErr names a full disk (or quota) as ErrFull.
func storageErr(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EFBIG) {
		return fmt.Errorf("%w: %v", ErrFull, err)
	}
	return fmt.Errorf("recordings: %w", err)
}

// Locate answers the file's path on this machine.
func (l *Local) Locate(_ context.Context, key string) (Location, error) {
	if err := validKey(key); err != nil {
		return Location{}, err
	}
	p := filepath.Join(l.dir, key)
	fi, err := os.Stat(p)
	if err != nil {
		return Location{}, fmt.Errorf("recordings: %w", err)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return Location{}, err
	}
	return Location{Path: abs, ModTime: fi.ModTime(), Size: fi.Size()}, nil
}

// Delete removes the file of key.
func (l *Local) Delete(_ context.Context, key string) error {
	if err := validKey(key); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(l.dir, key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("recordings: %w", err)
	}
	return nil
}

// Usage adds up the stored files (not those being written).
func (l *Local) Usage(context.Context) (int64, error) {
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		return 0, fmt.Errorf("recordings: %w", err)
	}
	var n int64
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if fi, err := e.Info(); err == nil {
			n += fi.Size()
		}
	}
	return n, nil
}
