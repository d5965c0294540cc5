package server

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
)

// A connection from the tracking listener keeps the TCP connection's
// ReadFrom: without it, bufio's writer (and so fasthttp's SendFile) copies
// a file through user space instead of using sendfile, and recordings were
// served at less than half the speed.
func TestTrackedConnectionKeepsReadFrom(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := trackUnused(ln)
	defer l.Close()
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(io.Discard, c)
	}()
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rf, ok := c.(io.ReaderFrom)
	if !ok {
		t.Fatalf("%T has no ReadFrom: files are copied through user space", c)
	}
	want := bytes.Repeat([]byte("admit "), 100000)
	path := filepath.Join(t.TempDir(), "rec.bin")
	if err := os.WriteFile(path, want, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if n, err := rf.ReadFrom(f); err != nil || n != int64(len(want)) {
		t.Fatalf("ReadFrom: %d, %v; want %d", n, err, len(want))
	}
}
