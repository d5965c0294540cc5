package recordings

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tus/tusd/v2/pkg/filelocker"
	"github.com/tus/tusd/v2/pkg/filestore"
	"github.com/tus/tusd/v2/pkg/handler"
)

// Uploads is the folder of resumable uploads (the tus protocol, through
// tusd's filestore and its file locker) while they arrive: each is <id>
// (the bytes received so far), <id>.info (its length and metadata) and,
// while a request works on it, <id>.lock. Nothing in it is a recording:
// a finished upload is checked and moved into the Storage
// (PutFile), an abandoned one removed by Clean.
type Uploads struct {
	dir    string
	store  filestore.FileStore
	locker filelocker.FileLocker
}

// NewUploads uses dir (created if needed).
func NewUploads(dir string) (*Uploads, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("recordings: %w", err)
	}
	st := filestore.New(dir)
	st.DirModePerm, st.FileModePerm = 0o750, 0o640
	return &Uploads{dir: dir, store: st, locker: filelocker.New(dir)}, nil
}

// Dir is the folder.
func (u *Uploads) Dir() string { return u.dir }

// Composer is the store and locker for tusd's handler.
func (u *Uploads) Composer() *handler.StoreComposer {
	c := handler.NewStoreComposer()
	u.store.UseIn(c)
	u.locker.UseIn(c)
	return c
}

// Path is where the bytes of upload id are.
func (u *Uploads) Path(id string) string { return filepath.Join(u.dir, id) }

func (u *Uploads) infoPath(id string) string { return filepath.Join(u.dir, id+".info") }

// Info reads an upload's length, offset and metadata (handler.ErrNotFound
// when there is no such upload).
func (u *Uploads) Info(ctx context.Context, id string) (handler.FileInfo, error) {
	if id == "" || id != filepath.Base(id) || strings.HasPrefix(id, ".") {
		return handler.FileInfo{}, handler.ErrNotFound
	}
	up, err := u.store.GetUpload(ctx, id)
	if errors.Is(err, fs.ErrNotExist) {
		return handler.FileInfo{}, handler.ErrNotFound
	}
	if err != nil {
		return handler.FileInfo{}, err
	}
	return up.GetInfo(ctx)
}

// Lock takes the lock of upload id, as tusd's requests do (asking a
// request that holds it to let go).
func (u *Uploads) Lock(ctx context.Context, id string) (unlock func(), err error) {
	l, err := u.locker.NewLock(id)
	if err != nil {
		return nil, err
	}
	if err := l.Lock(ctx, func() {}); err != nil {
		return nil, err
	}
	return func() { _ = l.Unlock() }, nil
}

// Remove deletes what is left of upload id.
func (u *Uploads) Remove(id string) error {
	for _, p := range []string{u.Path(id), u.infoPath(id)} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("recordings: %w", err)
		}
	}
	return nil
}

// Touch marks upload id as active at t (the clock of whoever calls; Clean
// compares against the same clock).
func (u *Uploads) Touch(id string, t time.Time) error {
	return os.Chtimes(u.infoPath(id), t, t)
}

// Clean removes the uploads last touched before before (abandoned: never
// finished). An upload whose lock is held is left for the next run.
func (u *Uploads) Clean(ctx context.Context, before time.Time) (int, error) {
	infos, err := filepath.Glob(filepath.Join(u.dir, "*.info"))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range infos {
		fi, err := os.Stat(p)
		if err != nil || !fi.ModTime().Before(before) {
			continue
		}
		id := strings.TrimSuffix(filepath.Base(p), ".info")
		lctx, cancel := context.WithTimeout(ctx, time.Second)
		unlock, err := u.Lock(lctx, id)
		cancel()
		if err != nil {
			continue
		}
		err = u.Remove(id)
		unlock()
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
