package ticketing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"strings"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/recordings"
	"github.com/admit/admit/app/store"
)

// RecordingInput is what an organizer attaches besides the file.
type RecordingInput struct {
	Title string
	// URL is an external recording (https only); empty for an upload.
	URL string
	// SessionID is the session it records (nil: the whole event).
	SessionID *int64
	// Notify are the groups the recording mail is queued to, among the
	// registrations that may watch it.
	Notify Groups
	// FileName is the uploaded file's name, the title when none is given.
	FileName string
	// ExpiresAfterDays: the recording stops being watchable this many
	// days after it is attached, and the retention job removes it (nil:
	// kept until deleted).
	ExpiresAfterDays *int64
}

// StoreRecordingFile streams an uploaded file into the recordings storage
// for an event (which must exist): its type is sniffed from its first bytes,
// its size and checksum computed while it is written. Nothing is listed
// until AttachRecording; a failed write leaves nothing.
func (s *Service) StoreRecordingFile(ctx context.Context, eventID int64, r io.Reader) (recordings.Object, error) {
	return s.storeRecording(ctx, eventID, func(key string) (recordings.Object, error) { return s.files.Put(ctx, key, r) })
}

// StoreRecordingPath is StoreRecordingFile for a whole file on this machine
// (a finished resumable upload): it is checked the same way and moved into
// the storage. On an error the file stays at path.
func (s *Service) StoreRecordingPath(ctx context.Context, eventID int64, path string) (recordings.Object, error) {
	return s.storeRecording(ctx, eventID, func(key string) (recordings.Object, error) {
		return recordings.PutFile(ctx, s.files, key, path)
	})
}

// storeRecording stores a file under a new random key with put, and names
// what went wrong in words the organizer can act on.
func (s *Service) storeRecording(ctx context.Context, eventID int64, put func(key string) (recordings.Object, error)) (recordings.Object, error) {
	if s.files == nil {
		return recordings.Object{}, model.Fail(model.ErrConflict, "This Admit keeps no recording files: link an external one with {\"url\"}.")
	}
	if _, err := s.store.Event(ctx, eventID); err != nil {
		return recordings.Object{}, err
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return recordings.Object{}, err
	}
	obj, err := put(hex.EncodeToString(b))
	switch {
	case errors.Is(err, recordings.ErrMediaType):
		return obj, model.Invalid(fields{"file": "is not audio or video of a type browsers play (MP4, WebM, Ogg, QuickTime, MP3, WAV, FLAC, AAC)"})
	case errors.Is(err, recordings.ErrEmpty):
		return obj, model.Invalid(fields{"file": "is empty"})
	case errors.Is(err, recordings.ErrFull):
		s.log.ErrorContext(ctx, "recording not stored: storage full", "event_id", eventID, "error", err)
		return obj, model.Fail(model.ErrStorageFull, "There is no space left to keep this recording: free some space (or delete old recordings) and upload it again.")
	}
	return obj, err
}

// DiscardRecordingFile removes a stored file that will not be attached.
func (s *Service) DiscardRecordingFile(ctx context.Context, obj recordings.Object) {
	if obj.Key == "" || s.files == nil {
		return
	}
	if err := s.files.Delete(ctx, obj.Key); err != nil {
		s.log.ErrorContext(ctx, "recording file not removed", "key", obj.Key, "error", err)
	}
}

// AttachRecording lists a recording of an event: the file stored by
// StoreRecordingFile (obj) or the external in.URL. The recording mail is
// queued, in the same transaction as its row, to the registrations that may
// watch it in the groups of in.Notify: those who joined the session it
// records (or any session, for a recording of the whole event) are thanked
// for coming, the others told they were missed. On any error the file is
// removed.
func (s *Service) AttachRecording(ctx context.Context, eventID int64, in RecordingInput, obj *recordings.Object) (rec *model.Recording, n Notified, err error) {
	defer func() {
		if err != nil && obj != nil {
			s.DiscardRecordingFile(context.WithoutCancel(ctx), *obj)
		}
	}()
	in.Title, in.URL = strings.TrimSpace(in.Title), strings.TrimSpace(in.URL)
	f := fields{}
	checkLine(f, "title", in.Title, false, maxTitle)
	switch {
	case obj == nil && in.URL == "":
		f.add("file", "is required: upload the video in the multipart field file, or send JSON {\"url\"} for an external one")
	case obj != nil && in.URL != "":
		f.add("url", "cannot be given with an uploaded file")
	case in.URL != "":
		checkHTTPURL(f, "url", in.URL)
		if _, bad := f["url"]; !bad && !strings.HasPrefix(strings.ToLower(in.URL), "https://") {
			f.add("url", "must start with https://")
		}
	}
	checkExpiryDays(f, in.ExpiresAfterDays)
	if len(f) > 0 {
		return nil, n, model.Invalid(f)
	}
	if in.Title == "" {
		in.Title = titleFromFile(in.FileName)
	}
	rec = &model.Recording{EventID: eventID, SessionID: in.SessionID, Title: in.Title, URL: in.URL}
	if obj != nil {
		rec.StorageKey, rec.Size, rec.ContentType, rec.SHA256 = obj.Key, obj.Size, obj.ContentType, obj.SHA256
	}
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		e, err := tx.Event(eventID)
		if err != nil {
			return err
		}
		var session int64
		if in.SessionID != nil {
			session = *in.SessionID
			if !hasSession(e, session) {
				return model.Invalid(fields{"session_id": "is not a session of this event"})
			}
		}
		if rec.Title == "" {
			rec.Title = e.Title
		}
		rec.ExpiresAt = expiryAfter(tx.Now(), in.ExpiresAfterDays)
		if err := tx.InsertRecording(rec); err != nil {
			return err
		}
		n, err = s.notifyGroups(tx, e, session, in.Notify, model.MailRecording, "", map[string]any{"recording_id": rec.ID})
		return err
	})
	if err != nil {
		return nil, n, err
	}
	return rec, n, nil
}

// CheckRecording checks what an upload will be attached with before its
// bytes arrive (a resumable upload says it first): the title, and the
// session as a session of the event.
func (s *Service) CheckRecording(ctx context.Context, eventID int64, in RecordingInput) error {
	e, err := s.store.Event(ctx, eventID)
	if err != nil {
		return err
	}
	if s.files == nil {
		return model.Fail(model.ErrConflict, "This Admit keeps no recording files: link an external one with {\"url\"}.")
	}
	f := fields{}
	checkLine(f, "title", strings.TrimSpace(in.Title), false, maxTitle)
	if in.SessionID != nil && !hasSession(e, *in.SessionID) {
		f.add("session_id", "is not a session of this event")
	}
	checkExpiryDays(f, in.ExpiresAfterDays)
	if len(f) > 0 {
		return model.Invalid(f)
	}
	return nil
}

func hasSession(e *model.Event, id int64) bool {
	for _, ss := range e.Sessions {
		if ss.ID == id {
			return true
		}
	}
	return false
}

// titleFromFile is an uploaded file's name without its extension.
func titleFromFile(name string) string {
	name = strings.TrimSpace(name)
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	f := fields{}
	if checkLine(f, "title", name, false, maxTitle); len(f) > 0 {
		return ""
	}
	return name
}

// Recordings lists an event's recordings (model.ErrNotFound for no event).
func (s *Service) Recordings(ctx context.Context, eventID int64) ([]*model.Recording, error) {
	if _, err := s.store.Event(ctx, eventID); err != nil {
		return nil, err
	}
	return s.store.Recordings(ctx, eventID)
}

// DeleteRecording removes a recording: its row first (it is no longer
// listed or served), then its file.
func (s *Service) DeleteRecording(ctx context.Context, eventID, id int64) error {
	var rec *model.Recording
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		var err error
		if rec, err = tx.Recording(eventID, id); err != nil {
			return err
		}
		return tx.DeleteRecording(eventID, id)
	})
	if err != nil {
		return err
	}
	if rec.StorageKey != "" {
		s.DiscardRecordingFile(ctx, recordings.Object{Key: rec.StorageKey})
	}
	return nil
}

// Watchable lists the recordings a registration may watch: none when it
// gives no access; in a series registered per session, those of the whole
// event and of its own session.
func (s *Service) Watchable(ctx context.Context, a *Access) ([]*model.Recording, error) {
	out, _, err := s.AccessRecordings(ctx, a)
	return out, err
}

// AccessRecordings lists, for a registration that gives access, the
// recordings it may watch and those that expired (no longer available).
func (s *Service) AccessRecordings(ctx context.Context, a *Access) (watchable, expired []*model.Recording, err error) {
	watchable = []*model.Recording{}
	if a.DenyReason() != "" {
		return watchable, nil, nil
	}
	all, err := s.store.Recordings(ctx, a.Event.ID)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	for _, r := range all {
		switch {
		case !a.mayWatch(r):
		case r.Expired(now):
			expired = append(expired, r)
		default:
			watchable = append(watchable, r)
		}
	}
	return watchable, expired, nil
}

// mayWatch: a recording of the whole event, or of a session this
// registration is for (ignoring whether it may attend now).
func (a *Access) mayWatch(r *model.Recording) bool {
	if r.SessionID == nil || a.Registration.SessionID == nil {
		return true
	}
	return *r.SessionID == *a.Registration.SessionID
}

// Stream is a recording opened through an access link.
type Stream struct {
	*Access
	Recording *model.Recording
	// Deny says why the registration may not watch ("" when it may; see
	// Access.DenyReason).
	Deny string
	// Location is where the file is served from (uploaded recordings the
	// registration may watch).
	Location recordings.Location
}

// OpenRecording finds recording id through an access token: unknown
// tokens, and recordings of another event or of a session the registration
// is not for, are model.ErrNotFound; a registration that may not watch gets
// its reason in Deny.
func (s *Service) OpenRecording(ctx context.Context, token string, id int64) (*Stream, error) {
	// Runs on every Range request of a stream: the registration and its
	// event, without what only the access page shows (Access); the event
	// is the event cache's own (store.EventView), which nothing on the
	// stream's path changes.
	a, err := s.accessBy(ctx, token, s.store.RegistrationByToken, s.store.EventView)
	if err != nil {
		return nil, err
	}
	rec, err := s.store.Recording(ctx, a.Event.ID, id)
	if err != nil {
		return nil, err
	}
	if !a.mayWatch(rec) {
		return nil, model.ErrNotFound
	}
	st := &Stream{Access: a, Recording: rec, Deny: a.DenyReason()}
	if st.Deny == "" && rec.Expired(s.now()) {
		return nil, expiredProblem(rec)
	}
	if st.Deny != "" || rec.External() {
		return st, nil
	}
	if s.files == nil {
		return nil, model.ErrNotFound
	}
	if st.Location, err = s.files.Locate(ctx, rec.StorageKey); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			s.log.ErrorContext(ctx, "recording file missing", "recording_id", rec.ID, "key", rec.StorageKey)
			return nil, model.ErrNotFound
		}
		return nil, err
	}
	return st, nil
}
