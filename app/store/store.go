// Package store keeps Admit's data in SQLite: one writer connection that runs
// immediate transactions, a small read pool, embedded numbered migrations and
// every SQL statement named in queries/*.sql and prepared at start.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/admit/admit/app/model"
)

//go:embed migrations/*.sql queries/*.sql
var sqlFiles embed.FS

// Store is the database. Writes go through Write (one writer, BEGIN
// IMMEDIATE); reads use the pool.
type Store struct {
	w, r *sql.DB
	// wstmts are the queries prepared on the writer's connection, each the
	// first time a write used it (then prepared once more at the end of
	// its batch, for good); wsql holds every query, checked at start and
	// closed, and queries their SQL. Only the writer goroutine touches
	// wstmts and wanted once it runs.
	wstmts  map[string]*sql.Stmt
	wsql    map[string]*sql.Stmt
	wanted  map[string]bool
	queries map[string]string
	rstmts  map[string]*sql.Stmt
	now     func() time.Time

	// The group-commit writer (batch.go).
	queue      chan writeReq
	stopped    chan struct{}
	closeMu    sync.RWMutex
	closed     bool
	started    bool
	replicated bool
	// savepoints are SAVEPOINT, RELEASE and ROLLBACK TO, prepared once.
	savepoints [3]*sql.Stmt
	// observer receives each write's changes (webhooks.go).
	observer atomic.Pointer[ChangeObserver]
	// outcomes is told each status a registration reached (outcomes.go).
	outcomes outcomeObserver
	// events keeps events read, until a write changes them (eventcache.go).
	events eventCache
}

// Options tunes Open.
type Options struct {
	// Synchronous is the SQLite synchronous level: FULL (the default) makes
	// every committed registration and payment durable across power loss.
	Synchronous string
	Readers     int
	// Replicated leaves checkpoints to a replication tool (data.replicated):
	// Close then does not truncate the WAL.
	Replicated bool
}

// Open opens (creating if needed) the database at path, runs migrations and
// prepares every named query.
func Open(ctx context.Context, path string, opt Options) (*Store, error) {
	if opt.Synchronous == "" {
		opt.Synchronous = "FULL"
	}
	if opt.Readers <= 0 {
		opt.Readers = 4
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("store: create directory: %w", err)
	}
	// The database holds personal data and password hashes: it is created
	// 0600 before SQLite opens it, and SQLite gives its WAL and
	// shared-memory files the database file's mode.
	if err := private(path); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	common := "_journal_mode=WAL&_busy_timeout=10000&_foreign_keys=on&_synchronous=" + opt.Synchronous
	s := &Store{now: time.Now, replicated: opt.Replicated, queue: make(chan writeReq, maxBatch), stopped: make(chan struct{})}
	w := sql.OpenDB(connector{dsn: "file:" + path + "?" + common + "&_txlock=immediate", hook: func(c *sqlite3.SQLiteConn) error {
		s.events.watch(c)
		return writerHook(c)
	}})
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s.w = w
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	s.events.settle() // what the migrations changed
	r := sql.OpenDB(connector{dsn: "file:" + path + "?" + common + "&_query_only=1"})
	r.SetMaxOpenConns(opt.Readers)
	r.SetMaxIdleConns(opt.Readers)
	s.r = r
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.started = true
	go s.writer()
	return s, nil
}

// connector opens go-sqlite3 connections without registering a global driver.
type connector struct {
	dsn  string
	hook func(*sqlite3.SQLiteConn) error
}

func (c connector) Connect(context.Context) (driver.Conn, error) {
	d := &sqlite3.SQLiteDriver{ConnectHook: c.hook}
	return d.Open(c.dsn)
}

func (c connector) Driver() driver.Driver { return &sqlite3.SQLiteDriver{} }

// Close closes both pools, checkpointing the WAL.
func (s *Store) Close() error {
	s.closeMu.Lock()
	if !s.closed {
		s.closed = true
		close(s.queue)
		if s.started {
			<-s.stopped // let the writer finish the queue
		}
	}
	s.closeMu.Unlock()
	var errs []error
	for _, st := range s.wstmts {
		st.Close()
	}
	for _, st := range s.rstmts {
		st.Close()
	}
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		if !s.replicated {
			_, _ = s.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		}
		errs = append(errs, s.w.Close())
	}
	return errors.Join(errs...)
}

// SetClock replaces the clock used for timestamps (tests move time).
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// SchemaVersion is the newest migration applied.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.r.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v)
	return v, err
}

// IntegrityCheck runs PRAGMA integrity_check and returns its verdict.
func (s *Store) IntegrityCheck(ctx context.Context) (string, error) {
	var v string
	err := s.w.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&v)
	return v, err
}

// Checkpoint folds into the database file what of the WAL no reader still
// needs (PASSIVE: it never waits for a reader, so a replication tool that
// holds one keeps working).
func (s *Store) Checkpoint(ctx context.Context) error {
	_, err := s.w.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
	return err
}

// CheckFile runs PRAGMA integrity_check on the database file at path (a
// backup), read-only, and fails unless it answers ok.
func CheckFile(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	db := sql.OpenDB(connector{dsn: "file:" + path + "?mode=ro&_busy_timeout=10000"})
	defer db.Close()
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	problems, err := collect(rows, err, scanOne[string])
	if err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	if len(problems) != 1 || problems[0] != "ok" {
		return fmt.Errorf("check %s: integrity_check: %s", path, strings.Join(problems, "; "))
	}
	return nil
}

// Backup writes a consistent copy of the database to path while the
// database may be in use (VACUUM INTO reads one snapshot). The copy is
// created 0600 before its first byte is written, and removed if the backup
// fails.
func Backup(ctx context.Context, dbPath, dest string) (err error) {
	if strings.TrimSpace(dest) == "" {
		return errors.New("backup: name the file to write, e.g. admit backup /var/backups/admit.db")
	}
	if _, err := os.Stat(dbPath); err != nil {
		return fmt.Errorf("backup: database: %w", err)
	}
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("backup: %s already exists; choose a new file", dest)
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	err = f.Chmod(0o600) // whatever the umask
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	defer func() {
		if err != nil {
			os.Remove(dest)
		}
	}()
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	db := sql.OpenDB(connector{dsn: "file:" + dbPath + "?_busy_timeout=10000"})
	defer db.Close()
	// VACUUM INTO writes into an empty file as into a new one.
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", dest); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// private makes the database file at path readable and writable by its
// owner only: created so (whatever the umask) when it does not exist yet,
// its mode narrowed when it does, together with its WAL and shared-memory
// files. No descriptor of an existing file is opened: closing one would drop
// the SQLite locks this process holds on it.
func private(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		err = f.Chmod(0o600)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, fi.Mode().Perm()&0o700); err != nil {
				return fmt.Errorf("make %s private: %w", p, err)
			}
		}
	}
	return nil
}

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("store: migrations table: %w", err)
	}
	names, err := fs.Glob(sqlFiles, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	// Every migration not applied yet is applied, in order: numbers may
	// have gaps, and one that lands after a higher one is not skipped.
	rows, err := s.w.QueryContext(ctx, "SELECT version FROM schema_migrations")
	applied, err := collectMap(rows, err, func(row scanner) (int, bool, error) {
		v, err := scanOne[int](row)
		return v, true, err
	})
	if err != nil {
		return fmt.Errorf("store: schema version: %w", err)
	}
	current := 0
	for v := range applied {
		current = max(current, v)
	}
	latest := 0
	for _, name := range names {
		base := filepath.Base(name)
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("store: migration %s: name must start with its number", base)
		}
		latest = v
		if applied[v] {
			continue
		}
		body, err := sqlFiles.ReadFile(name)
		if err != nil {
			return err
		}
		tx, err := s.w.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migration %s: %w", base, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)", v, base, s.now().Unix()); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("store: migration %s: %w", base, err)
		}
	}
	if current > latest {
		return fmt.Errorf("store: the database has schema version %d but this binary knows only %d: run a newer Admit", current, latest)
	}
	return nil
}

// parseQueries reads every "-- name: x" block of queries/*.sql.
func parseQueries() (map[string]string, error) {
	files, err := fs.Glob(sqlFiles, "queries/*.sql")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, f := range files {
		body, err := sqlFiles.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var name string
		var buf strings.Builder
		flush := func() error {
			if name == "" {
				return nil
			}
			if _, dup := out[name]; dup {
				return fmt.Errorf("store: query %q defined twice", name)
			}
			out[name] = strings.TrimSpace(buf.String())
			buf.Reset()
			return nil
		}
		for _, line := range strings.Split(string(body), "\n") {
			if n, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
				if err := flush(); err != nil {
					return nil, err
				}
				name = strings.TrimSpace(n)
				continue
			}
			if name != "" {
				buf.WriteString(line)
				buf.WriteByte('\n')
			}
		}
		if err := flush(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) prepare(ctx context.Context) error {
	qs, err := parseQueries()
	if err != nil {
		return err
	}
	for i, q := range []string{"SAVEPOINT w", "RELEASE w", "ROLLBACK TO w"} {
		if s.savepoints[i], err = s.w.PrepareContext(ctx, q); err != nil {
			return fmt.Errorf("store: prepare %s: %w", q, err)
		}
	}
	s.wstmts = map[string]*sql.Stmt{}
	s.wsql = map[string]*sql.Stmt{}
	s.wanted = map[string]bool{}
	s.queries = qs
	s.rstmts = map[string]*sql.Stmt{}
	for name, q := range qs {
		// Every query is checked against the schema now, then closed: the
		// writer keeps a prepared statement (some kilobytes of SQLite's
		// memory each) only of those its writes use.
		st, err := s.w.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("store: prepare %s: %w", name, err)
		}
		st.Close()
		s.wsql[name] = st
		if isRead(q) {
			st, err := s.r.PrepareContext(ctx, q)
			if err != nil {
				return fmt.Errorf("store: prepare %s: %w", name, err)
			}
			s.rstmts[name] = st
		}
	}
	return nil
}

// isRead reports whether a query only reads (its first word after any
// comment lines is SELECT or WITH).
func isRead(q string) bool {
	for _, line := range strings.Split(q, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "--") {
			continue
		}
		first := strings.ToUpper(strings.Fields(line)[0])
		return first == "SELECT" || first == "WITH"
	}
	return false
}

// read returns the prepared read statement called name.
func (s *Store) read(name string) *sql.Stmt {
	st, ok := s.rstmts[name]
	if !ok {
		panic("store: no read query " + name)
	}
	return st
}

// Tx is a write transaction (BEGIN IMMEDIATE on the single writer).
type Tx struct {
	s   *Store
	tx  *sql.Tx
	ctx context.Context
	now time.Time
	// changes are what the write did that outgoing webhooks report.
	changes []model.Change
	// statuses are those the write gave registrations (outcomes.go).
	statuses []string
}

// Now is the time the transaction started, used for every timestamp in it.
func (t *Tx) Now() time.Time { return t.now }

// Context is the context of the write the transaction serves (not
// cancelled with it): what a line logged inside the transaction is about,
// such as the request's id.
func (t *Tx) Context() context.Context { return t.ctx }

func (t *Tx) stmt(name string) *sql.Stmt {
	if st, ok := t.s.wstmts[name]; ok {
		return t.tx.StmtContext(t.ctx, st)
	}
	st, ok := t.s.wsql[name]
	if !ok {
		panic("store: no query " + name)
	}
	// A closed statement is prepared again for this transaction only; the
	// writer prepares it for good once the batch is over (prepareWanted).
	t.s.wanted[name] = true
	return t.tx.StmtContext(t.ctx, st)
}

// prepareWanted prepares on the writer, for good, the queries the last
// batch used for the first time. Run by the writer goroutine between
// batches, when its connection is free; a query that fails to prepare is
// tried again after its next use.
func (s *Store) prepareWanted() {
	for name := range s.wanted {
		delete(s.wanted, name)
		if st, err := s.w.PrepareContext(context.Background(), s.queries[name]); err == nil {
			s.wstmts[name] = st
		}
	}
}

func (t *Tx) exec(name string, args ...any) (sql.Result, error) {
	res, err := t.stmt(name).ExecContext(t.ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", name, err)
	}
	return res, nil
}

func (t *Tx) queryRow(name string, args ...any) *sql.Row {
	return t.stmt(name).QueryRowContext(t.ctx, args...)
}

// Write runs fn in one immediate transaction on the writer and commits when
// fn returns nil. Nothing fn did is kept when it returns an error.
//
// Writes are committed in groups (see batch.go): Write returns once fn's
// changes are durable, or with fn's error and none of its changes.
func (s *Store) Write(ctx context.Context, fn func(tx *Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	done := make(chan error, 1)
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return errClosed
	}
	s.queue <- writeReq{ctx: ctx, fn: fn, done: done}
	s.closeMu.RUnlock()
	return <-done
}

var errClosed = errors.New("store: closed")

// notFound maps sql.ErrNoRows to model.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return model.ErrNotFound
	}
	return err
}

func unix(t time.Time) int64 { return t.UTC().Unix() }

func fromUnix(v int64) time.Time { return time.Unix(v, 0).UTC() }

func nullTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromUnix(v.Int64)
	return &t
}

func timeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Unix()
}

func nullID(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	id := v.Int64
	return &id
}

func idArg(id *int64) any {
	if id == nil {
		return nil
	}
	return *id
}
