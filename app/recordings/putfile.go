package recordings

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// FilePutter is a Storage that can take a whole file already on this
// machine (a finished resumable upload) without copying it.
type FilePutter interface {
	// PutFile checks the file at path as Put checks a stream (type sniffed,
	// size and SHA-256 computed) and stores it under key, taking the file
	// away from path. On any error nothing is left under key and the file
	// stays at path.
	PutFile(ctx context.Context, key, path string) (Object, error)
}

// PutFile stores the file at path under key: moved in place when st can
// take files (FilePutter), otherwise streamed through Put and removed from
// path once stored. On any error the file stays at path.
func PutFile(ctx context.Context, st Storage, key, path string) (Object, error) {
	if fp, ok := st.(FilePutter); ok {
		return fp.PutFile(ctx, key, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return Object{}, fmt.Errorf("recordings: %w", err)
	}
	defer f.Close()
	obj, err := st.Put(ctx, key, f)
	if err != nil {
		return obj, err
	}
	_ = os.Remove(path)
	return obj, nil
}

// PutFile reads the file once (type, size, checksum) and renames it into
// the folder; across file systems it is copied through Put instead.
func (l *Local) PutFile(ctx context.Context, key, path string) (Object, error) {
	if err := validKey(key); err != nil {
		return Object{}, err
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return Object{}, fmt.Errorf("recordings: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	head, err := br.Peek(SniffLen)
	if err != nil && !errors.Is(err, io.EOF) {
		return Object{}, fmt.Errorf("recordings: read: %w", err)
	}
	if len(head) == 0 {
		return Object{}, ErrEmpty
	}
	obj := Object{Key: key, ContentType: Sniff(head)}
	if obj.ContentType == "" {
		return Object{}, ErrMediaType
	}
	h := sha256.New()
	if obj.Size, err = copyCtx(ctx, h, br); err != nil {
		return Object{}, fmt.Errorf("recordings: read: %w", err)
	}
	obj.SHA256 = hex.EncodeToString(h.Sum(nil))
	if err := f.Sync(); err != nil {
		return Object{}, storageErr(err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		return Object{}, storageErr(err)
	}
	dest := filepath.Join(l.dir, key)
	err = os.Rename(path, dest)
	if errors.Is(err, syscall.EXDEV) { // another file system: copy
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return Object{}, fmt.Errorf("recordings: %w", err)
		}
		copied, err := l.Put(ctx, key, f)
		if err != nil {
			return Object{}, err
		}
		_ = os.Remove(path)
		return copied, nil
	}
	if err != nil {
		return Object{}, storageErr(err)
	}
	return obj, nil
}
