package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"testing"
)

// mp4Head is the start of an MP4 file (its ftyp box).
var mp4Head = []byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2")

// videoReader gives size bytes that sniff as MP4, generated as they are
// read (the test holds no more than a buffer of them), and hashes them.
type videoReader struct {
	size, off int64
	h         interface {
		io.Writer
		Sum([]byte) []byte
	}
}

func newVideo(size int64) *videoReader { return &videoReader{size: size, h: sha256.New()} }

func (v *videoReader) Read(p []byte) (int, error) {
	if v.off >= v.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), v.size-v.off))
	for i := range n {
		o := v.off + int64(i)
		if o < int64(len(mp4Head)) {
			p[i] = mp4Head[o]
		} else {
			p[i] = byte(o*7%251) ^ byte(o>>20)
		}
	}
	v.h.Write(p[:n])
	v.off += int64(n)
	return n, nil
}

func (v *videoReader) sum() string { return hex.EncodeToString(v.h.Sum(nil)) }

type recordingOut struct {
	ID     int64  `json:"id"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// TestLargeUploadsKeepMemoryLow: 200 MB uploaded to the real binary, once
// as a multipart form and once through the tus protocol in 16 MB pieces,
// are stored whole with the right checksum while the process's peak
// resident memory (its own VmHWM) stays far below the file's size.
func TestLargeUploadsKeepMemoryLow(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 400 MB")
	}
	t.Parallel()
	s := startServer(t, serverOpts{Admin: true})
	token := s.login(t, adminEmail, adminPassword)
	ev := s.createEvent(t, token, "Big files", 10)
	pid := s.cmd.Process.Pid
	const size = 200 << 20
	client := &http.Client{}
	before := peakRSS(t, pid)

	// Multipart, streamed as it is generated.
	video := newVideo(size)
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		mw.WriteField("title", "Multipart")
		fw, err := mw.CreateFormFile("file", "big.mp4")
		if err == nil {
			_, err = io.Copy(fw, video)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/events/%d/recordings", s.base, ev.ID), pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	var rec recordingOut
	if status, body, _ := send(t, client, req, &rec); status != 201 || rec.Size != size || rec.SHA256 != video.sum() {
		t.Fatalf("multipart: %d %s, want size %d sha256 %s", status, body, size, video.sum())
	}
	afterMultipart := peakRSS(t, pid)

	// tus, in pieces.
	video = newVideo(size)
	req, _ = http.NewRequest("POST", fmt.Sprintf("%s/api/v1/events/%d/recordings/uploads", s.base, ev.ID), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Length", strconv.Itoa(size))
	status, body, header := send(t, client, req, nil)
	loc := header.Get("Location")
	if status != 201 || loc == "" {
		t.Fatalf("tus create: %d %s", status, body)
	}
	const piece = 16 << 20
	for off := int64(0); off < size; off += piece {
		n := min(piece, size-off)
		req, _ = http.NewRequest("PATCH", s.base+loc, io.LimitReader(video, n))
		req.ContentLength = n
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Upload-Offset", strconv.FormatInt(off, 10))
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		rec = recordingOut{}
		status, body, _ = send(t, client, req, &rec)
		if off+n < size && status != 204 {
			t.Fatalf("tus PATCH at %d: %d %s", off, status, body)
		}
	}
	if status != 200 || rec.Size != size || rec.SHA256 != video.sum() {
		t.Fatalf("tus: %d %s, want size %d sha256 %s", status, body, size, video.sum())
	}
	after := peakRSS(t, pid)
	t.Logf("peak RSS: %d MB at start, %d MB after the multipart upload, %d MB after the tus upload (files of %d MB)",
		before>>10, afterMultipart>>10, after>>10, size>>20)
	if after > size>>10/4 || after-before > 48<<10 {
		t.Errorf("peak RSS %d MB (from %d MB) for uploads of %d MB: the body is held in memory", after>>10, before>>10, size>>20)
	}
	s.stop(t)
}

// send does req and decodes a JSON answer into out (when given).
func send(t *testing.T, c *http.Client, req *http.Request, out any) (int, string, http.Header) {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && len(b) > 0 {
		_ = json.Unmarshal(b, out)
	}
	return res.StatusCode, string(b), res.Header
}
