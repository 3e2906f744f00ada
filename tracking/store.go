package tracking

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/mattn/go-sqlite3"
)

// Errors a caller may test for with errors.Is.
var (
	ErrNotFound  = errors.New("tracking: not found")
	ErrAmbiguous = errors.New("tracking: ambiguous id prefix")
	ErrExists    = errors.New("tracking: already exists")
	ErrInvalid   = errors.New("tracking: invalid argument")
	ErrConflict  = errors.New("tracking: conflicting state")
)

// Run and sweep statuses.
const (
	StatusRunning     = "running"
	StatusCompleted   = "completed"
	StatusFailed      = "failed"
	StatusInterrupted = "interrupted"
	StatusStopped     = "stopped"
)

// Connection settings live in the DSN: a pragma sent with db.Exec would reach
// one pooled connection only.
const (
	writerParams = "_journal_mode=WAL&_busy_timeout=10000&_txlock=immediate&_foreign_keys=on&_synchronous=NORMAL"
	readerParams = "_busy_timeout=10000&_foreign_keys=on&_query_only=1"
	readerConns  = 4
)

// timeFormat is RFC 3339 with a fixed-width fraction, so stored times sort
// as text (time.RFC3339Nano trims trailing zeros and does not).
const timeFormat = "2006-01-02T15:04:05.000000000Z"

// idLen is the length of run and sweep ids in hex characters; minPrefix the
// shortest prefix Run and Sweep accept.
const (
	idLen     = 12
	minPrefix = 4
)

// Store is an open exp database.
type Store struct {
	// Now is the clock every stored time comes from. Open sets it to
	// time.Now; tests replace it.
	Now func() time.Time

	path   string
	writer *sql.DB // one connection; every write transaction begins IMMEDIATE
	reader *sql.DB // query_only pool

	host  string             // this machine's name, for MarkStale
	alive func(pid int) bool // whether a process of this host is alive
}

// Open opens the database at path, creating it if needed, and applies the
// migrations it lacks. Several processes may open the same fresh file at
// once: the migrations are applied exactly once.
func Open(path string) (*Store, error) {
	ms, err := loadMigrations(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	return open(context.Background(), path, ms)
}

func open(ctx context.Context, path string, ms []migration) (*Store, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: empty database path", ErrInvalid)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("tracking: %w", err)
	}
	host, _ := os.Hostname()
	s := &Store{Now: time.Now, path: abs, host: host, alive: processAlive}

	s.writer, err = sql.Open("sqlite3", dsn(abs, writerParams))
	if err != nil {
		return nil, fmt.Errorf("tracking: open %s: %w", abs, err)
	}
	s.writer.SetMaxOpenConns(1)
	s.writer.SetMaxIdleConns(1)
	s.writer.SetConnMaxLifetime(0)
	s.writer.SetConnMaxIdleTime(0)
	if err := retryBusy(ctx, busyWait, func() error { return s.writer.PingContext(ctx) }); err != nil {
		s.writer.Close()
		return nil, fmt.Errorf("tracking: open %s: %w", abs, err)
	}
	if err := migrate(ctx, s.writer, ms, s.Now); err != nil {
		s.writer.Close()
		return nil, fmt.Errorf("tracking: migrate %s: %w", abs, err)
	}

	s.reader, err = sql.Open("sqlite3", dsn(abs, readerParams))
	if err != nil {
		s.writer.Close()
		return nil, fmt.Errorf("tracking: open %s: %w", abs, err)
	}
	s.reader.SetMaxOpenConns(readerConns)
	s.reader.SetMaxIdleConns(readerConns)
	return s, nil
}

// busyWait is the DSNs' busy timeout: how long SQLite waits for another
// process's lock before giving up with SQLITE_BUSY.
const busyWait = 10 * time.Second

// writeWait bounds how long a write waits for the lock in all, over
// retries of BEGIN IMMEDIATE.
const writeWait = 60 * time.Second

// retryBusy calls fn until it returns something other than SQLITE_BUSY or
// SQLITE_LOCKED, or until total has passed, sleeping a little longer each
// time. It is for steps that have changed nothing when they fail:
//
//   - A fresh file's switch to WAL (the DSN's journal_mode, run when a
//     connection opens) takes an exclusive lock without calling the busy
//     handler, so processes opening the same new file at once get
//     SQLITE_BUSY at once.
//   - SQLite's busy handler is not fair: under sustained contention one
//     process can sleep past the busy timeout while others keep taking the
//     lock. A BEGIN IMMEDIATE that failed has done nothing, so waiting longer
//     beats failing a training run over a metric row.
func retryBusy(ctx context.Context, total time.Duration, fn func() error) error {
	deadline := time.Now().Add(total)
	wait := time.Millisecond
	for {
		err := fn()
		if err == nil || !isBusy(err) || !time.Now().Before(deadline) {
			return err
		}
		// Jitter keeps processes from retrying in lockstep; it never
		// reaches a stored value.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait + rand.N(wait)):
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
}

func isBusy(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked)
}

// dsn builds a file: URI so that any character in the path survives; the
// go-sqlite3 parameters follow the first '?'.
func dsn(abs, params string) string {
	u := url.URL{Path: filepath.ToSlash(abs)}
	return "file:" + u.EscapedPath() + "?" + params
}

// Close closes the database.
func (s *Store) Close() error {
	var errs []error
	if s.reader != nil {
		errs = append(errs, s.reader.Close())
	}
	if s.writer != nil {
		errs = append(errs, s.writer.Close())
	}
	return errors.Join(errs...)
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// write runs fn in a write transaction (BEGIN IMMEDIATE on the one writer
// connection) and commits it if fn returns nil.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	var tx *sql.Tx
	err := retryBusy(ctx, writeWait, func() (err error) {
		tx, err = s.writer.BeginTx(ctx, nil)
		return err
	})
	if err != nil {
		return fmt.Errorf("tracking: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("tracking: commit: %w", err)
	}
	return nil
}

// read runs fn in a read transaction, so that everything fn reads comes from
// one snapshot of the database.
func (s *Store) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.reader.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("tracking: begin: %w", err)
	}
	defer tx.Rollback()
	return fn(tx)
}

func (s *Store) now() time.Time { return s.Now() }

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("tracking: stored time %q: %w", s, err)
	}
	return t, nil
}

// parseNullTime reads a nullable time column; NULL is the zero time.
func parseNullTime(ns sql.NullString) (time.Time, error) {
	if !ns.Valid {
		return time.Time{}, nil
	}
	return parseTime(ns.String)
}

// newID returns idLen random lowercase hex characters.
func newID() string {
	var b [idLen / 2]byte
	if _, err := crand.Read(b[:]); err != nil {
		panic("tracking: crypto/rand: " + err.Error()) // documented never to fail
	}
	return hex.EncodeToString(b[:])
}

// validID reports whether id has the form newID produces.
func validID(id string) bool {
	if len(id) != idLen {
		return false
	}
	for _, c := range id {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// idTables are the tables whose rows are named by a random id; the table
// name in resolveID comes from here, never from a caller.
var idTables = map[string]string{"run": "runs", "sweep": "sweeps"}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// resolveID turns a full id or a unique prefix of at least minPrefix
// characters into the id of a row of the given kind ("run" or "sweep").
func resolveID(ctx context.Context, q querier, kind, idOrPrefix string) (string, error) {
	table, ok := idTables[kind]
	if !ok {
		panic("tracking: resolveID of unknown kind " + kind)
	}
	p := strings.ToLower(strings.TrimSpace(idOrPrefix))
	if p == "" {
		return "", fmt.Errorf("%w: empty %s id", ErrNotFound, kind)
	}
	var id string
	err := q.QueryRowContext(ctx, "SELECT id FROM "+table+" WHERE id = ?", p).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("tracking: find %s %q: %w", kind, idOrPrefix, err)
	}
	if len(p) < minPrefix {
		return "", fmt.Errorf("%w: no %s %q (a prefix needs at least %d characters)", ErrNotFound, kind, idOrPrefix, minPrefix)
	}
	const shown = 10
	rows, err := q.QueryContext(ctx,
		"SELECT id FROM "+table+" WHERE substr(id, 1, length(?1)) = ?1 ORDER BY id LIMIT ?2", p, shown+1)
	if err != nil {
		return "", fmt.Errorf("tracking: find %s %q: %w", kind, idOrPrefix, err)
	}
	var ids []string
	for rows.Next() {
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return "", fmt.Errorf("tracking: find %s %q: %w", kind, idOrPrefix, err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("tracking: find %s %q: %w", kind, idOrPrefix, err)
	}
	switch {
	case len(ids) == 0:
		return "", fmt.Errorf("%w: no %s %q", ErrNotFound, kind, idOrPrefix)
	case len(ids) == 1:
		return ids[0], nil
	case len(ids) > shown:
		ids = append(ids[:shown], "...")
	}
	return "", fmt.Errorf("%w: %s prefix %q matches %s", ErrAmbiguous, kind, idOrPrefix, strings.Join(ids, ", "))
}

// ensureExperiment returns the id of the experiment called name, creating
// it if needed.
func ensureExperiment(ctx context.Context, tx *sql.Tx, name string, now time.Time) (int64, error) {
	if _, err := tx.ExecContext(ctx,
		"INSERT INTO experiments (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
		name, formatTime(now)); err != nil {
		return 0, fmt.Errorf("tracking: experiment %q: %w", name, err)
	}
	var id int64
	if err := tx.QueryRowContext(ctx, "SELECT id FROM experiments WHERE name = ?", name).Scan(&id); err != nil {
		return 0, fmt.Errorf("tracking: experiment %q: %w", name, err)
	}
	return id, nil
}

// terminal reports whether status ends a run or sweep.
func terminal(status string) bool {
	switch status {
	case StatusCompleted, StatusFailed, StatusInterrupted, StatusStopped:
		return true
	}
	return false
}

func validStatus(status string) bool { return status == StatusRunning || terminal(status) }

// processAlive reports whether a process with this pid exists on this
// machine. EPERM means it exists but belongs to someone else.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
