package ticketing

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"testing"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/recordings"
)

// memStorage keeps files in memory and records what was deleted.
type memStorage struct {
	mu      sync.Mutex
	files   map[string][]byte
	deleted []string
}

func (m *memStorage) Put(_ context.Context, key string, r io.Reader) (recordings.Object, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return recordings.Object{}, err
	}
	ct := recordings.Sniff(b)
	if ct == "" {
		return recordings.Object{}, recordings.ErrMediaType
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[key] = b
	return recordings.Object{Key: key, Size: int64(len(b)), ContentType: ct, SHA256: "x"}, nil
}

func (m *memStorage) Locate(_ context.Context, key string) (recordings.Location, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.files[key]
	if !ok {
		return recordings.Location{}, errors.New("no file")
	}
	return recordings.Location{Path: "/mem/" + key, Size: int64(len(b))}, nil
}

func (m *memStorage) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.files, key)
	m.deleted = append(m.deleted, key)
	return nil
}

func (m *memStorage) Usage(context.Context) (int64, error) { return 0, nil }

var wav = append([]byte("RIFF\x24\x00\x00\x00WAVEfmt "), make([]byte, 100)...)

// TestAttachRecording: a stored file becomes a recording with its mails in
// one transaction; when the attach is refused the file is removed, and no
// mail is queued.
func TestAttachRecording(t *testing.T) {
	w := newWorld(t)
	files := &memStorage{files: map[string][]byte{}}
	w.svc.files = files
	e := w.event(eventSpec{price: 2000})
	unpaid := w.mustRegister(e, "unpaid@example.org", nil)
	buyer := w.pay(w.mustRegister(e, "buyer@example.org", nil))

	mails := func() map[int64]int {
		out := map[int64]int{}
		all, err := w.store.Outbox(w.ctx, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range all {
			if m.Kind == model.MailRecording {
				out[*m.RegistrationID]++
			}
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		in    RecordingInput
		field string
	}{
		{"a session of no event", RecordingInput{SessionID: ptr(int64(9999)), Notify: AllGroups}, "session_id"},
		{"a url besides the file", RecordingInput{URL: "https://v.example.org/x", Notify: AllGroups}, "url"},
		{"a title on two lines", RecordingInput{Title: "a\nb", Notify: AllGroups}, "title"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj, err := w.svc.StoreRecordingFile(w.ctx, e.ID, bytes.NewReader(wav))
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = w.svc.AttachRecording(w.ctx, e.ID, tc.in, &obj)
			var p *model.Problem
			if !errors.As(err, &p) || p.Fields[tc.field] == "" {
				t.Fatalf("err %v, want a problem with %s", err, tc.field)
			}
			if _, kept := files.files[obj.Key]; kept || files.deleted[len(files.deleted)-1] != obj.Key {
				t.Errorf("the refused file was kept")
			}
		})
	}
	if got := mails(); len(got) != 0 {
		t.Fatalf("refused attaches mailed %v", got)
	}
	if _, err := w.svc.StoreRecordingFile(w.ctx, 9999, bytes.NewReader(wav)); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("an upload for no event: %v", err)
	}
	if _, err := w.svc.StoreRecordingFile(w.ctx, e.ID, bytes.NewReader([]byte("hello"))); !errors.Is(err, model.ErrValidation) {
		t.Errorf("not media: %v", err)
	}

	obj, err := w.svc.StoreRecordingFile(w.ctx, e.ID, bytes.NewReader(wav))
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := w.svc.AttachRecording(w.ctx, e.ID, RecordingInput{Notify: AllGroups, FileName: "week-1.wav"}, &obj)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Title != "week-1" || rec.ContentType != "audio/wav" || rec.StorageKey != obj.Key {
		t.Errorf("recording %+v", rec)
	}
	if got := mails(); got[buyer.ID] != 1 || got[unpaid.ID] != 0 {
		t.Errorf("mails %v: want one to the buyer, none to the unpaid", got)
	}
	// The buyer may watch it, the unpaid registrant is told why not.
	for _, r := range []struct {
		reg  *model.Registration
		deny string
	}{{buyer, ""}, {unpaid, model.StatusPendingPayment}} {
		st, err := w.svc.OpenRecording(w.ctx, w.svc.tokenFor(r.reg.TokenNonce), rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Deny != r.deny || (r.deny == "" && st.Location.Path != "/mem/"+obj.Key) {
			t.Errorf("%s: deny %q, location %+v", r.reg.Email, st.Deny, st.Location)
		}
	}
	if err := w.svc.DeleteRecording(w.ctx, e.ID, rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, kept := files.files[obj.Key]; kept {
		t.Error("the deleted recording's file was kept")
	}
	if _, err := w.svc.OpenRecording(w.ctx, w.svc.tokenFor(buyer.TokenNonce), rec.ID); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("a deleted recording opens: %v", err)
	}
}
