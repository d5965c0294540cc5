package recordings

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// MP4 is the start of an MP4 file (an ftyp box), enough for Sniff.
var mp4Head = []byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2")

func video(n int) []byte {
	b := bytes.Repeat([]byte{7}, n)
	copy(b, mp4Head)
	return b
}

func TestLocalPut(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l, err := NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	body := video(1 << 20)
	obj, err := l.Put(ctx, "a.mp4", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	if obj.Size != int64(len(body)) || obj.SHA256 != hex.EncodeToString(sum[:]) || obj.ContentType != "video/mp4" {
		t.Errorf("object %+v", obj)
	}
	loc, err := l.Locate(ctx, "a.mp4")
	if err != nil || loc.Size != int64(len(body)) || loc.URL != "" || !filepath.IsAbs(loc.Path) {
		t.Fatalf("locate %+v %v", loc, err)
	}
	got, _ := os.ReadFile(loc.Path)
	if !bytes.Equal(got, body) {
		t.Error("stored bytes differ")
	}
	if n, err := l.Usage(ctx); err != nil || n != int64(len(body)) {
		t.Errorf("usage %d %v", n, err)
	}
	if err := l.Delete(ctx, "a.mp4"); err != nil {
		t.Fatal(err)
	}
	if err := l.Delete(ctx, "a.mp4"); err != nil {
		t.Errorf("second delete: %v", err)
	}
	if _, err := l.Locate(ctx, "a.mp4"); err == nil {
		t.Error("deleted file still located")
	}
}

type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestLocalPutLeavesNothing(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		r    io.Reader
		want error
	}{
		{"cut", &failingReader{bytes.NewReader(video(300 << 10)), io.ErrUnexpectedEOF}, io.ErrUnexpectedEOF},
		{"not media", bytes.NewReader([]byte("<html><body>hello</body></html>")), ErrMediaType},
		{"empty", bytes.NewReader(nil), ErrEmpty},
		{"disk full", &failingReader{bytes.NewReader(video(1000)), &os.PathError{Op: "write", Err: syscall.ENOSPC}}, ErrFull},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			l, _ := NewLocal(dir)
			_, err := l.Put(ctx, "x.mp4", tc.r)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}

func TestLocalKeys(t *testing.T) {
	l, _ := NewLocal(t.TempDir())
	for _, k := range []string{"", "../x", "a/b", ".hidden", ".."} {
		if _, err := l.Put(context.Background(), k, bytes.NewReader(video(100))); err == nil {
			t.Errorf("key %q accepted", k)
		}
	}
}

func TestNewLocalRemovesInterruptedUploads(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, tempPrefix+"123"), []byte("half"), 0o600)
	os.WriteFile(filepath.Join(dir, "kept.mp4"), video(10), 0o600)
	if _, err := NewLocal(dir); err != nil {
		t.Fatal(err)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 1 || left[0].Name() != "kept.mp4" {
		t.Errorf("left %v", left)
	}
}

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		head []byte
		want string
	}{
		{mp4Head, "video/mp4"},
		{[]byte("\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  "), "video/quicktime"},
		{[]byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm"), "video/webm"},
		{[]byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x80theora"), "video/ogg"},
		{[]byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01vorbis"), "audio/ogg"},
		{[]byte("ID3\x04\x00\x00\x00\x00\x00\x00"), "audio/mpeg"},
		{[]byte{0xff, 0xfb, 0x90, 0x64}, "audio/mpeg"},
		{[]byte("RIFF\x24\x00\x00\x00WAVEfmt "), "audio/wav"},
		{[]byte("%PDF-1.4"), ""},
		{[]byte("\x89PNG\r\n\x1a\n"), ""},
		{[]byte("MZ\x90\x00"), ""},
		{[]byte{0xff, 0xff, 0xff, 0xff}, ""},
	} {
		if got := Sniff(tc.head); got != tc.want {
			t.Errorf("Sniff(%q) = %q, want %q", tc.head, got, tc.want)
		}
	}
}
