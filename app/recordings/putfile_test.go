package recordings

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// streamOnly hides Local's PutFile: the copy path of PutFile.
type streamOnly struct{ Storage }

// TestPutFile: a whole file is checked and taken into the storage (moved
// into a Local, copied into another Storage), leaving nothing at its path;
// a file that is not a video stays where it was and nothing is stored.
func TestPutFile(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		wrap func(*Local) Storage
	}{
		{"moved", func(l *Local) Storage { return l }},
		{"copied", func(l *Local) Storage { return streamOnly{l} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := NewLocal(filepath.Join(t.TempDir(), "recordings"))
			if err != nil {
				t.Fatal(err)
			}
			src := filepath.Join(t.TempDir(), "upload")
			body := video(3 << 20)
			os.WriteFile(src, body, 0o600)
			obj, err := PutFile(ctx, tc.wrap(l), "k.mp4", src)
			sum := sha256.Sum256(body)
			if err != nil || obj.Size != int64(len(body)) || obj.SHA256 != hex.EncodeToString(sum[:]) || obj.ContentType != "video/mp4" {
				t.Fatalf("%+v %v", obj, err)
			}
			if _, err := os.Stat(src); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the file is still at its path: %v", err)
			}
			got, _ := os.ReadFile(filepath.Join(l.Dir(), "k.mp4"))
			if !bytes.Equal(got, body) {
				t.Error("stored bytes differ")
			}
			os.WriteFile(src, bytes.Repeat([]byte("text "), 200), 0o600)
			if _, err := PutFile(ctx, tc.wrap(l), "t.mp4", src); !errors.Is(err, ErrMediaType) {
				t.Errorf("text: %v", err)
			}
			if _, err := os.Stat(src); err != nil {
				t.Errorf("a refused file is gone from its path: %v", err)
			}
			if _, err := l.Locate(ctx, "t.mp4"); err == nil {
				t.Error("a refused file is stored")
			}
		})
	}
}
