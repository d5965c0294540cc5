package ticketing

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/store"
)

// StreamLinkTTL is how long a signed stream link opens a recording after
// it was issued. A device that keeps fetching keeps its link open (see
// StartStream): a long video plays to its end.
const StreamLinkTTL = 5 * time.Minute

// DeviceIdle is how long a device counts as watching a registration's
// recordings after its last fetch.
const DeviceIdle = 5 * time.Minute

// DefaultMaxDevices is recordings.max_devices' default.
const DefaultMaxDevices = 2

// mac signs parts with the secret key for one purpose (an HMAC-SHA256,
// base64url): "purpose:part1:part2...".
func (s *Service) mac(purpose string, parts ...string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(purpose + ":" + strings.Join(parts, ":")))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Device is who asks for a recording: the ids a stream link may be bound
// to. A browser that opened its access page carries a random device cookie;
// any client also has a network id, from its address (an IPv6 client's /64)
// and its user agent.
type Device struct {
	Cookie  string // "" without a device cookie
	Network string
}

// ID is the id a new stream link is bound to: the cookie's, else the
// network's.
func (d Device) ID() string {
	if d.Cookie != "" {
		return d.Cookie
	}
	return d.Network
}

// owns reports whether a link bound to id is this device's.
func (d Device) owns(id string) bool {
	return id != "" && (hmac.Equal([]byte(id), []byte(d.Cookie)) || hmac.Equal([]byte(id), []byte(d.Network)))
}

// deviceCookieSize is the random bytes of a device cookie.
const deviceCookieSize = 16

// NewDeviceCookie draws the value of a device cookie.
func NewDeviceCookie() string {
	b := make([]byte, deviceCookieSize)
	_, _ = rand.Read(b) // crypto/rand does not fail on supported systems
	return base64.RawURLEncoding.EncodeToString(b)
}

// ValidDeviceCookie reports whether v can be a device cookie.
func ValidDeviceCookie(v string) bool {
	b, err := base64.RawURLEncoding.DecodeString(v)
	return err == nil && len(b) == deviceCookieSize
}

// Device derives the ids of a client from its device cookie (ignored when
// it is not one), its address and its user agent. The cookie itself never
// appears in a link.
func (s *Service) Device(cookie, clientIP, userAgent string) Device {
	var d Device
	if ValidDeviceCookie(cookie) {
		d.Cookie = "c" + s.mac("admit-device-v1", cookie)[:22]
	}
	network := clientIP
	if a, err := netip.ParseAddr(clientIP); err == nil {
		a = a.Unmap()
		if a.Is6() {
			p, _ := a.Prefix(64)
			a = p.Addr()
		}
		network = a.String()
	}
	d.Network = "n" + s.mac("admit-network-v1", network, userAgent)[:22]
	return d
}

// StreamPath is a signed stream link to a recording through an access
// token, bound to a device id and open for StreamLinkTTL:
// /a/{token}/recordings/{id}?dev=...&exp=...&sig=...
func (s *Service) StreamPath(token string, recordingID int64, device string) string {
	id := strconv.FormatInt(recordingID, 10)
	exp := strconv.FormatInt(s.now().Add(StreamLinkTTL).Unix(), 10)
	q := url.Values{"dev": {device}, "exp": {exp}, "sig": {s.mac("admit-stream-v1", token, id, exp, device)}}
	return "/a/" + token + "/recordings/" + id + "?" + q.Encode()
}

// StreamLink is the query of a signed stream link.
type StreamLink struct{ Dev, Exp, Sig string }

// Signed reports whether a request carries any part of a signed link.
func (l StreamLink) Signed() bool { return l.Dev != "" || l.Exp != "" || l.Sig != "" }

// refusals of a stream, by code (the pages word them from page.deny.<code>).
func streamRefused(code, message string) error {
	return &model.Problem{Err: model.ErrForbidden, Code: code, Message: message}
}

func (s *Service) devicesFull() error {
	return streamRefused("devices_full", fmt.Sprintf("This link is already being watched on %d devices: try again once one of them has stopped.", s.devices.max))
}

// Viewer is what a view records of the client.
type Viewer struct {
	Device    Device
	ClientIP  string
	UserAgent string
}

// StartStream admits a device to a recording opened through a signed link
// (st from OpenRecording, its registration allowed to watch): the link must
// be signed for this token, recording and one of the device's ids, and not
// expired, unless that device is still watching this registration (its
// link then stays open while it keeps fetching). At most MaxDevices devices
// watch one registration at a time. The first fetch of a recording by a
// device (or its first after DeviceIdle without fetching it) is recorded as
// a view.
func (s *Service) StartStream(ctx context.Context, st *Stream, token string, link StreamLink, v Viewer) error {
	id := strconv.FormatInt(st.Recording.ID, 10)
	if link.Sig == "" || !hmac.Equal([]byte(link.Sig), []byte(s.mac("admit-stream-v1", token, id, link.Exp, link.Dev))) {
		return streamRefused("link_invalid", "This stream link is not valid: open the recording again from your access page.")
	}
	if !v.Device.owns(link.Dev) {
		return streamRefused("other_device", "This stream link belongs to another device or network: open the recording from your own access page.")
	}
	now := s.now()
	exp, err := strconv.ParseInt(link.Exp, 10, 64)
	if err != nil {
		return streamRefused("link_invalid", "This stream link is not valid: open the recording again from your access page.")
	}
	reg := st.Registration.ID
	if now.Unix() > exp && !s.devices.active(reg, link.Dev, now) {
		return streamRefused("link_expired", "This stream link has expired: open the recording again from your access page.")
	}
	ok, started := s.devices.admit(reg, link.Dev, st.Recording.ID, now)
	if !ok {
		return s.devicesFull()
	}
	if !started {
		return nil
	}
	view := &model.View{RegistrationID: reg, RecordingID: st.Recording.ID, Title: st.Recording.Title, Device: link.Dev,
		ClientIP: v.ClientIP, UserAgent: clip(v.UserAgent, 512)}
	if err := s.store.Write(ctx, func(tx *store.Tx) error { return tx.InsertView(view) }); err != nil {
		// The registrant still watches; the organizer misses one row.
		s.log.ErrorContext(ctx, "view not recorded", "registration_id", reg, "recording_id", st.Recording.ID, "error", err)
	}
	return nil
}

// clip cuts s to at most n bytes, on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// ReserveDevice counts a device as watching a registration (before it is
// handed a signed link); devices_full when MaxDevices others are.
func (s *Service) ReserveDevice(registrationID int64, device string) error {
	if ok, _ := s.devices.admit(registrationID, device, 0, s.now()); !ok {
		return s.devicesFull()
	}
	return nil
}

// DevicesFull reports whether a device would be refused because MaxDevices
// others are watching the registration now.
func (s *Service) DevicesFull(registrationID int64, device string) bool {
	return s.devices.full(registrationID, device, s.now())
}

// MaxDevices is how many devices may watch one registration at a time.
func (s *Service) MaxDevices() int { return s.devices.max }

// devices keeps, in memory, which devices watched which registration's
// recordings lately: a restart forgets them (every device may start again),
// while the views are in the database. Safe for concurrent use.
type devices struct {
	mu    sync.Mutex
	max   int
	regs  map[int64]map[string]*deviceUse
	swept time.Time
}

type deviceUse struct {
	last time.Time
	// recordings: when each recording was last fetched by the device.
	recordings map[int64]time.Time
}

func newDevices(max int) *devices {
	if max <= 0 {
		max = DefaultMaxDevices
	}
	return &devices{max: max, regs: map[int64]map[string]*deviceUse{}}
}

func idle(last, now time.Time) bool { return now.Sub(last) >= DeviceIdle }

// prune forgets the devices of a registration that are idle (the caller
// holds mu).
func (d *devices) prune(reg int64, now time.Time) map[string]*deviceUse {
	if idle(d.swept, now) { // now and then, every registration
		d.swept = now
		for r, devs := range d.regs {
			for id, u := range devs {
				if idle(u.last, now) {
					delete(devs, id)
				}
			}
			if len(devs) == 0 {
				delete(d.regs, r)
			}
		}
	}
	devs := d.regs[reg]
	for id, u := range devs {
		if idle(u.last, now) {
			delete(devs, id)
		}
	}
	return devs
}

// admit counts a fetch by device dev of a registration's recording (0:
// none yet): ok is false when max other devices are watching; started
// reports the start of a view of the recording.
func (d *devices) admit(reg int64, dev string, recording int64, now time.Time) (ok, started bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	devs := d.prune(reg, now)
	u := devs[dev]
	if u == nil {
		if len(devs) >= d.max {
			return false, false
		}
		if devs == nil {
			devs = map[string]*deviceUse{}
			d.regs[reg] = devs
		}
		u = &deviceUse{recordings: map[int64]time.Time{}}
		devs[strings.Clone(dev)] = u // kept: not the caller's buffer
	}
	u.last = now
	if recording == 0 {
		return true, false
	}
	last, seen := u.recordings[recording]
	u.recordings[recording] = now
	return true, !seen || idle(last, now)
}

// active reports whether device dev is watching the registration.
func (d *devices) active(reg int64, dev string, now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	u := d.prune(reg, now)[dev]
	return u != nil
}

// full reports whether device dev would be refused.
func (d *devices) full(reg int64, dev string, now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	devs := d.prune(reg, now)
	return devs[dev] == nil && len(devs) >= d.max
}

// forget drops a registration's devices (its link was replaced).
func (d *devices) forget(reg int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.regs, reg)
}

// RotateToken gives a registration a new access token: the old link
// answers 404 at once, the devices that watched through it are forgotten,
// and the registrant is mailed the new link (in their language).
func (s *Service) RotateToken(ctx context.Context, id int64) (*model.Registration, error) {
	nonce, _, hash, err := s.newToken()
	if err != nil {
		return nil, err
	}
	var out *model.Registration
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		r, err := tx.Registration(id)
		if err != nil {
			return err
		}
		e, err := tx.Event(r.EventID)
		if err != nil {
			return err
		}
		if err := tx.RotateToken(id, nonce, hash); err != nil {
			return err
		}
		r.TokenNonce, r.UpdatedAt = nonce, tx.Now()
		out = r
		return s.queueMail(tx, r, e, model.MailTokenRotated, nil)
	})
	if err != nil {
		return nil, err
	}
	s.devices.forget(id)
	return out, nil
}

// Views lists the views of a registration's recordings (model.ErrNotFound
// for no registration).
func (s *Service) Views(ctx context.Context, registrationID int64) ([]model.View, error) {
	if _, err := s.store.Registration(ctx, registrationID); err != nil {
		return nil, err
	}
	return s.store.Views(ctx, registrationID)
}

// ViewCounts counts the views of each registration of an event (absent:
// none).
func (s *Service) ViewCounts(ctx context.Context, eventID int64) (map[int64]int64, error) {
	return s.store.ViewCounts(ctx, eventID)
}

// RecordingViewCounts counts the views of each recording of an event
// (absent: none).
func (s *Service) RecordingViewCounts(ctx context.Context, eventID int64) (map[int64]int64, error) {
	return s.store.RecordingViewCounts(ctx, eventID)
}
