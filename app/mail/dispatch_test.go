package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/admit/admit/app/clocktest"
	"github.com/admit/admit/app/mail/mailtest"
	"github.com/admit/admit/app/model"
)

// fakeOutbox keeps mails in memory the way the store does.
type fakeOutbox struct {
	mu       sync.Mutex
	mails    map[int64]*model.OutboxMail
	limits   []int
	failMark bool // Mark* answer an error
}

func newFakeOutbox(n int, now time.Time) *fakeOutbox {
	ob := &fakeOutbox{mails: map[int64]*model.OutboxMail{}}
	for i := 1; i <= n; i++ {
		ob.add(now, int64(i))
	}
	return ob
}

func (o *fakeOutbox) add(now time.Time, id int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.mails[id] = &model.OutboxMail{
		ID: id, To: fmt.Sprintf("r%d@example.com", id), ToName: "R", Subject: fmt.Sprintf("Your access %d", id),
		Kind: model.MailAccess, Locale: "en", Status: model.MailQueued, NextAttemptAt: now,
	}
}

func (o *fakeOutbox) get(id int64) model.OutboxMail {
	o.mu.Lock()
	defer o.mu.Unlock()
	return *o.mails[id]
}

func (o *fakeOutbox) QueuedAfter(_ context.Context, after int64, limit int) ([]model.OutboxMail, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []model.OutboxMail
	for _, m := range o.mails {
		if m.Status == model.MailQueued && m.ID > after {
			out = append(out, *m)
		}
	}
	slices.SortFunc(out, func(a, b model.OutboxMail) int { return int(a.ID - b.ID) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (o *fakeOutbox) DueMail(_ context.Context, now time.Time, limit int) ([]model.OutboxMail, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.limits = append(o.limits, limit)
	var out []model.OutboxMail
	for _, m := range o.mails {
		if m.Status == model.MailQueued && !m.NextAttemptAt.After(now) {
			out = append(out, *m)
		}
	}
	slices.SortFunc(out, func(a, b model.OutboxMail) int { return int(a.ID - b.ID) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (o *fakeOutbox) MarkSent(_ context.Context, id int64, at time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.failMark {
		return errors.New("database is locked")
	}
	m := o.mails[id]
	m.Status, m.SentAt = model.MailSent, &at
	m.Attempts++
	return nil
}

func (o *fakeOutbox) MarkRetry(_ context.Context, id int64, attempts int, next time.Time, lastErr string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.failMark {
		return errors.New("database is locked")
	}
	m := o.mails[id]
	m.Attempts, m.NextAttemptAt, m.LastError = attempts, next, lastErr
	return nil
}

func (o *fakeOutbox) MarkFailed(_ context.Context, id int64, attempts int, lastErr string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.failMark {
		return errors.New("database is locked")
	}
	m := o.mails[id]
	m.Status, m.Attempts, m.LastError = model.MailFailed, attempts, lastErr
	return nil
}

// fakeComposer writes a body holding a secret link.
type fakeComposer struct{ gone map[int64]bool }

func (c fakeComposer) Compose(_ context.Context, m model.OutboxMail) (Message, error) {
	if c.gone[m.ID] {
		return Message{}, fmt.Errorf("registration of mail %d: %w", m.ID, model.ErrNotFound)
	}
	return Message{To: m.To, ToName: m.ToName, Subject: m.Subject, Text: "https://admit.example/a/SECRET"}, nil
}

// fakeSender records, and fails when err is set.
type fakeSender struct {
	mu      sync.Mutex
	sent    []Message
	calls   int
	err     error
	block   chan struct{} // when set, Send waits on it
	entered chan struct{}
}

func (s *fakeSender) Send(ctx context.Context, m Message) error {
	if s.entered != nil {
		s.entered <- struct{}{}
	}
	if s.block != nil {
		select {
		case <-s.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.err != nil {
		return s.err
	}
	s.sent = append(s.sent, m)
	return nil
}

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func TestBackoff(t *testing.T) {
	want := map[int]time.Duration{
		1: time.Minute, 2: 2 * time.Minute, 3: 4 * time.Minute, 4: 8 * time.Minute, 5: 16 * time.Minute,
		6: 32 * time.Minute, 7: time.Hour, 8: time.Hour, 11: time.Hour, 100: time.Hour, 0: time.Minute,
	}
	for n, d := range want {
		if got := Backoff(n); got != d {
			t.Errorf("Backoff(%d) = %s, want %s", n, got, d)
		}
	}
}

func TestDispatcherDeliversEverythingDue(t *testing.T) {
	clk := clocktest.New(t0)
	ob := newFakeOutbox(120, t0)
	ob.add(t0.Add(time.Hour), 500) // not due yet
	s := &fakeSender{}
	d := NewDispatcher(ob, fakeComposer{}, s, nil, clk.Now)
	if err := d.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(s.sent) != 120 {
		t.Fatalf("sent %d, want 120", len(s.sent))
	}
	for id := int64(1); id <= 120; id++ {
		if m := ob.get(id); m.Status != model.MailSent || m.SentAt == nil || !m.SentAt.Equal(t0) {
			t.Errorf("mail %d: %s at %v", id, m.Status, m.SentAt)
		}
	}
	if m := ob.get(500); m.Status != model.MailQueued {
		t.Errorf("mail not due was %s", m.Status)
	}
	for _, l := range ob.limits {
		if l != BatchSize {
			t.Errorf("DueMail limit %d, want %d", l, BatchSize)
		}
	}
	if len(ob.limits) < 3 {
		t.Errorf("%d batches for 120 mails", len(ob.limits))
	}
}

func TestDispatcherBacksOffThenFails(t *testing.T) {
	clk := clocktest.New(t0)
	ob := newFakeOutbox(1, t0)
	s := &fakeSender{err: errors.New("451 try again later")}
	d := NewDispatcher(ob, fakeComposer{}, s, nil, clk.Now)
	ctx := context.Background()

	wantDelays := []time.Duration{1, 2, 4, 8, 16, 32, 60, 60, 60, 60, 60}
	for i, delay := range wantDelays {
		if err := d.Run(ctx); err != nil {
			t.Fatal(err)
		}
		m := ob.get(1)
		if m.Status != model.MailQueued || m.Attempts != i+1 {
			t.Fatalf("after attempt %d: %s, %d attempts", i+1, m.Status, m.Attempts)
		}
		if want := clk.Now().Add(delay * time.Minute); !m.NextAttemptAt.Equal(want) {
			t.Fatalf("after attempt %d: next at %s, want %s", i+1, m.NextAttemptAt, want)
		}
		if !strings.Contains(m.LastError, "451") {
			t.Errorf("last error %q", m.LastError)
		}
		// Not due before its time: nothing happens.
		clk.Set(m.NextAttemptAt.Add(-time.Second))
		if err := d.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if s.calls != i+1 {
			t.Fatalf("sent before due: %d calls after attempt %d", s.calls, i+1)
		}
		clk.Set(m.NextAttemptAt)
	}
	if err := d.Run(ctx); err != nil {
		t.Fatal(err)
	}
	m := ob.get(1)
	if m.Status != model.MailFailed || m.Attempts != MaxAttempts {
		t.Fatalf("after %d attempts: %s, %d attempts", MaxAttempts, m.Status, m.Attempts)
	}
	clk.Set(clk.Now().Add(24 * time.Hour))
	if err := d.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if s.calls != MaxAttempts {
		t.Errorf("%d sends, want %d", s.calls, MaxAttempts)
	}
}

func TestDispatcherFailsMailThatCannotBeComposed(t *testing.T) {
	clk := clocktest.New(t0)
	ob := newFakeOutbox(2, t0)
	s := &fakeSender{}
	d := NewDispatcher(ob, fakeComposer{gone: map[int64]bool{1: true}}, s, nil, clk.Now)
	if err := d.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m := ob.get(1); m.Status != model.MailFailed || m.Attempts != 1 {
		t.Errorf("mail 1: %s after %d attempts", m.Status, m.Attempts)
	}
	if m := ob.get(2); m.Status != model.MailSent {
		t.Errorf("mail 2: %s", m.Status)
	}
}

func TestDispatcherDoesNotSpinWhenMarkingFails(t *testing.T) {
	clk := clocktest.New(t0)
	ob := newFakeOutbox(3, t0)
	ob.failMark = true
	s := &fakeSender{}
	d := NewDispatcher(ob, fakeComposer{}, s, nil, clk.Now)
	done := make(chan error)
	go func() { done <- d.Run(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute): // three fake sends take microseconds; a loop never ends
		t.Fatal("Run loops on mails it cannot mark")
	}
	if s.calls != 3 {
		t.Errorf("%d sends, want 3 (each once)", s.calls)
	}
}

func TestDispatcherWithoutSenderLogsOnce(t *testing.T) {
	clk := clocktest.New(t0)
	ob := newFakeOutbox(60, t0)
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	var none *SMTP // what main has when smtp.host is empty
	d := NewDispatcher(ob, fakeComposer{}, none, log, clk.Now)
	for i := 0; i < 3; i++ {
		if err := d.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	out := buf.String()
	if n := strings.Count(out, "no SMTP server"); n != 60 {
		t.Errorf("%d log lines for 60 mails over 3 runs:\n%s", n, out)
	}
	if !strings.Contains(out, "r7@example.com") || !strings.Contains(out, `"Your access 7"`) || !strings.Contains(out, "kind=access") {
		t.Errorf("log lacks to/subject/kind:\n%s", out)
	}
	if strings.Contains(out, "SECRET") {
		t.Error("the body (access link) was logged")
	}
	for id := int64(1); id <= 60; id++ {
		if m := ob.get(id); m.Status != model.MailQueued || m.Attempts != 0 {
			t.Fatalf("mail %d: %s, %d attempts", id, m.Status, m.Attempts)
		}
	}
	ob.add(t0, 61)
	buf.Reset()
	if err := d.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "no SMTP server"); n != 1 || !strings.Contains(buf.String(), "r61@") {
		t.Errorf("new mail: %d lines:\n%s", n, buf.String())
	}
}

func TestDispatcherRunIsExclusive(t *testing.T) {
	clk := clocktest.New(t0)
	ob := newFakeOutbox(1, t0)
	s := &fakeSender{block: make(chan struct{}), entered: make(chan struct{}, 1)}
	d := NewDispatcher(ob, fakeComposer{}, s, nil, clk.Now)
	first := make(chan error)
	go func() { first <- d.Run(context.Background()) }()
	<-s.entered // the first Run is inside Send

	second := make(chan error)
	go func() { second <- d.Run(context.Background()) }()
	select {
	case err := <-second:
		if err != nil {
			t.Errorf("second Run: %v", err)
		}
	case <-time.After(time.Minute): // the first Run is blocked until the test ends it
		t.Fatal("second Run waited for the first")
	}
	close(s.block)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if s.calls != 1 || ob.get(1).Status != model.MailSent {
		t.Errorf("%d sends, status %s", s.calls, ob.get(1).Status)
	}
}

func TestDispatcherStopsWithContext(t *testing.T) {
	clk := clocktest.New(t0)
	ob := newFakeOutbox(2, t0)
	s := &fakeSender{block: make(chan struct{}), entered: make(chan struct{}, 2)}
	d := NewDispatcher(ob, fakeComposer{}, s, nil, clk.Now)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()
	<-s.entered
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	// Interrupted by shutdown: not counted as an attempt.
	if m := ob.get(1); m.Status != model.MailQueued || m.Attempts != 0 {
		t.Errorf("mail 1: %s, %d attempts", m.Status, m.Attempts)
	}
}

// With the real SMTP sender: a refused message is retried and then arrives.
func TestDispatcherWithSMTP(t *testing.T) {
	srv := mailtest.NewServer(t)
	sender := testSMTP(t, srv, SMTPConfig{})
	clk := clocktest.New(t0)
	ob := newFakeOutbox(2, t0)
	d := NewDispatcher(ob, fakeComposer{}, sender, nil, clk.Now)
	srv.FailNext(1)
	if err := d.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m := ob.get(1); m.Status != model.MailQueued || m.Attempts != 1 || !strings.Contains(m.LastError, "451") {
		t.Fatalf("mail 1 after a refusal: %+v", m)
	}
	clk.Set(t0.Add(time.Minute))
	if err := d.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, 2, 5*time.Second)
	if ob.get(1).Status != model.MailSent || ob.get(2).Status != model.MailSent {
		t.Errorf("statuses %s %s", ob.get(1).Status, ob.get(2).Status)
	}
	if !strings.Contains(got[0].Text+got[1].Text, "https://admit.example/a/SECRET") {
		t.Error("body lost")
	}
}

// With the real SMTP sender: a recipient refused for good (550) fails at
// once with the server's answer, while a mail refused for now (451) and a
// server that is down are retried.
func TestDispatcherPermanentRefusal(t *testing.T) {
	srv := mailtest.NewServer(t)
	sender := testSMTP(t, srv, SMTPConfig{})
	clk := clocktest.New(t0)
	ob := newFakeOutbox(2, t0)
	d := NewDispatcher(ob, fakeComposer{}, sender, nil, clk.Now)
	srv.Refuse("r1@example.com")
	srv.Stop()
	if err := d.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for id := int64(1); id <= 2; id++ {
		if m := ob.get(id); m.Status != model.MailQueued || m.Attempts != 1 {
			t.Fatalf("mail %d while down: %s, %d attempts, %q", id, m.Status, m.Attempts, m.LastError)
		}
	}
	srv.Start(t)
	clk.Set(t0.Add(time.Minute))
	if err := d.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m := ob.get(1); m.Status != model.MailFailed || m.Attempts != 2 || !strings.Contains(m.LastError, "550") {
		t.Fatalf("refused mail: %+v", m)
	}
	if m := ob.get(2); m.Status != model.MailSent {
		t.Fatalf("mail 2: %s", m.Status)
	}
	if got := srv.WaitFor(t, 1, 5*time.Second); len(got) != 1 || got[0].To[0] != "r2@example.com" {
		t.Fatalf("received %+v", got)
	}
}
