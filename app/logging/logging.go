// Package logging carries what a log line is about — the HTTP request it
// serves, or the run of a scheduled job — in a context.Context, and adds it
// to every record logged with that context (slog.InfoContext and the
// like): request_id for a request, job and run_id for a job's run.
package logging

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
)

// The keys of the attributes the handler adds.
const (
	RequestIDKey = "request_id"
	JobKey       = "job"
	RunIDKey     = "run_id"
)

type ctxKey int

const (
	requestKey ctxKey = iota
	runKey
)

type run struct{ job, id string }

// WithRequestID is ctx carrying the id of the request it serves.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestKey, id)
}

// RequestID is the request id ctx carries ("" when none).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestKey).(string)
	return id
}

// WithRun is ctx carrying a run of a job: its name and an id of its own
// (NewID).
func WithRun(ctx context.Context, job, id string) context.Context {
	return context.WithValue(ctx, runKey, run{job, id})
}

// Run is the job and run id ctx carries (empty when none).
func Run(ctx context.Context) (job, id string) {
	r, _ := ctx.Value(runKey).(run)
	return r.job, r.id
}

// NewID is a fresh random id (16 hex digits), for a request that came
// without one or a job's run.
func NewID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Wrap is log with the context's ids added to its records; a logger
// already wrapped is returned as it is, and nil stays nil.
func Wrap(log *slog.Logger) *slog.Logger {
	if log == nil {
		return nil
	}
	if _, ok := log.Handler().(handler); ok {
		return log
	}
	return slog.New(handler{log.Handler()})
}

// handler adds the context's request id, job and run id to each record,
// unless the record has the attribute already.
type handler struct{ slog.Handler }

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	if ctx == nil {
		return h.Handler.Handle(ctx, r)
	}
	var add []slog.Attr
	if id := RequestID(ctx); id != "" {
		add = append(add, slog.String(RequestIDKey, id))
	}
	if job, id := Run(ctx); id != "" {
		add = append(add, slog.String(JobKey, job), slog.String(RunIDKey, id))
	}
	if len(add) == 0 {
		return h.Handler.Handle(ctx, r)
	}
	r.Attrs(func(a slog.Attr) bool {
		for i := range add {
			if add[i].Key == a.Key {
				add[i].Key = "" // the record says it already
			}
		}
		return true
	})
	r = r.Clone()
	for _, a := range add {
		if a.Key != "" {
			r.AddAttrs(a)
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return handler{h.Handler.WithAttrs(attrs)}
}

func (h handler) WithGroup(name string) slog.Handler {
	return handler{h.Handler.WithGroup(name)}
}
