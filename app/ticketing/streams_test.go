package ticketing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestDevicesTable: the device tracker step by step, on a clock the test
// sets.
func TestDevicesTable(t *testing.T) {
	d := newDevices(2)
	at := func(min int) time.Time { return day0.Add(time.Duration(min) * time.Minute) }
	for i, step := range []struct {
		op      string // admit, full, active, forget
		reg     int64
		dev     string
		rec     int64
		min     int
		ok      bool // admit: admitted; full, active: the answer
		started bool
	}{
		{op: "admit", reg: 1, dev: "a", rec: 7, min: 0, ok: true, started: true},
		{op: "admit", reg: 1, dev: "a", rec: 7, min: 1, ok: true},                // same playback
		{op: "admit", reg: 1, dev: "a", rec: 8, min: 1, ok: true, started: true}, // another recording
		{op: "admit", reg: 1, dev: "b", rec: 0, min: 2, ok: true},                // reserved, no view
		{op: "full", reg: 1, dev: "c", min: 2, ok: true},
		{op: "full", reg: 1, dev: "a", min: 2, ok: false}, // already in
		{op: "full", reg: 2, dev: "c", min: 2, ok: false}, // another registration
		{op: "admit", reg: 1, dev: "c", rec: 7, min: 2, ok: false},
		{op: "active", reg: 1, dev: "a", min: 5, ok: true},
		{op: "active", reg: 1, dev: "a", min: 6, ok: false}, // idle DeviceIdle
		{op: "admit", reg: 1, dev: "c", rec: 7, min: 6, ok: true, started: true},
		{op: "admit", reg: 1, dev: "a", rec: 7, min: 6, ok: false}, // b (until 7) and c
		{op: "admit", reg: 1, dev: "b", rec: 7, min: 6, ok: true, started: true},
		{op: "admit", reg: 1, dev: "b", rec: 7, min: 12, ok: true, started: true}, // back after a pause
		{op: "forget", reg: 1},
		{op: "full", reg: 1, dev: "z", min: 12, ok: false},
	} {
		var ok, started bool
		switch step.op {
		case "admit":
			ok, started = d.admit(step.reg, step.dev, step.rec, at(step.min))
		case "full":
			ok = d.full(step.reg, step.dev, at(step.min))
		case "active":
			ok = d.active(step.reg, step.dev, at(step.min))
		case "forget":
			d.forget(step.reg)
			continue
		}
		if ok != step.ok || started != step.started {
			t.Errorf("step %d %+v: ok %v started %v", i, step, ok, started)
		}
	}
	// Idle registrations are swept away.
	d.admit(3, "x", 1, at(20))
	d.admit(4, "y", 1, at(40))
	if _, kept := d.regs[3]; kept || len(d.regs) != 1 {
		t.Errorf("registrations kept: %v", d.regs)
	}
}

// TestDevicesConcurrent: devices arriving together, exactly max watch, and
// one device's many ranges start one view.
func TestDevicesConcurrent(t *testing.T) {
	d := newDevices(3)
	var wg sync.WaitGroup
	var mu sync.Mutex
	admitted, started := map[string]bool{}, 0
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dev := fmt.Sprintf("dev-%d", i%10)
			ok, s := d.admit(1, dev, 5, day0)
			mu.Lock()
			defer mu.Unlock()
			if ok {
				admitted[dev] = true
			}
			if s {
				started++
			}
		}()
	}
	wg.Wait()
	if len(admitted) != 3 || started != 3 {
		t.Errorf("admitted %v, %d views; want 3 devices, 3 views", admitted, started)
	}
}

// TestSignatures: the return pages' signature is what it was before the
// HMAC helper served stream links too, and the helper keys each purpose
// apart.
func TestSignatures(t *testing.T) {
	w := newWorld(t)
	m := hmac.New(sha256.New, w.svc.secret)
	m.Write([]byte("admit-return-v1:stripe:42"))
	if got, want := w.svc.returnSig("stripe", 42), base64.RawURLEncoding.EncodeToString(m.Sum(nil)); got != want {
		t.Errorf("returnSig %q, want %q", got, want)
	}
	if w.svc.mac("admit-stream-v1", "a", "b") == w.svc.mac("admit-return-v1", "a", "b") {
		t.Error("two purposes sign alike")
	}
	p := w.svc.StreamPath("tok", 3, "dev")
	if !strings.HasPrefix(p, "/a/tok/recordings/3?dev=dev&exp=") || !strings.Contains(p, "&sig=") {
		t.Errorf("StreamPath %q", p)
	}
}

// TestDeviceIDs: the cookie's id when it is one, the network's otherwise;
// an IPv6 client is its /64.
func TestDeviceIDs(t *testing.T) {
	w := newWorld(t)
	ck := NewDeviceCookie()
	d := w.svc.Device(ck, "192.0.2.1", "UA")
	if !strings.HasPrefix(d.Cookie, "c") || !strings.HasPrefix(d.Network, "n") || d.ID() != d.Cookie || strings.Contains(d.Cookie, ck) {
		t.Errorf("device %+v", d)
	}
	for _, tc := range []struct {
		cookie, ip, ua string
		same           bool
	}{
		{"not-a-cookie", "192.0.2.1", "UA", true}, // ignored: the network's id
		{"", "192.0.2.2", "UA", false},
		{"", "192.0.2.1", "UA2", false},
		{"", "::ffff:192.0.2.1", "UA", true},
	} {
		o := w.svc.Device(tc.cookie, tc.ip, tc.ua)
		if o.Cookie != "" || (o.Network == d.Network) != tc.same || o.ID() != o.Network {
			t.Errorf("%+v: %+v against %+v", tc, o, d)
		}
	}
	a, b := w.svc.Device("", "2001:db8:1:2::1", "UA"), w.svc.Device("", "2001:db8:1:2:ffff::9", "UA")
	if a.Network != b.Network || a.Network == w.svc.Device("", "2001:db8:1:3::1", "UA").Network {
		t.Error("IPv6 clients are not their /64")
	}
}
