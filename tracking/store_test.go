package tracking

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/mattn/go-sqlite3"
)

// childEnv selects what a re-executed test binary does instead of running
// tests (see TestMain); the child* functions are its modes.
const childEnv = "EXP_TRACKING_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(child(mode))
	}
	os.Exit(m.Run())
}

func child(mode string) int {
	var err error
	switch mode {
	case "open":
		err = childOpen()
	case "soak":
		err = childSoak()
	case "exit":
	default:
		err = fmt.Errorf("unknown child mode %q", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	return 0
}

// MustOpen opens a fresh store on a temp file with a clock that starts at
// t0 and advances one second per reading, and closes it when the test ends.
func MustOpen(tb testing.TB) *Store {
	tb.Helper()
	s, err := Open(filepath.Join(tb.TempDir(), "exp.db"))
	if err != nil {
		tb.Fatal(err)
	}
	s.Now = (&clock{t: t0}).Now
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

// startChildren re-executes the test binary n times in mode, with extra
// environment, and returns the commands started; each child waits at the
// barrier in dir until release is called, so that they start at once.
func startChildren(t *testing.T, n int, mode, dir string, env ...string) (cmds []*exec.Cmd, outs []*strings.Builder, release func()) {
	t.Helper()
	for i := range n {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), childEnv+"="+mode, "EXP_TRACKING_BARRIER="+dir, "EXP_TRACKING_INDEX="+strconv.Itoa(i))
		cmd.Env = append(cmd.Env, env...)
		out, errb := &strings.Builder{}, &strings.Builder{}
		cmd.Stdout, cmd.Stderr = out, errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, out)
		t.Cleanup(func() {
			if cmd.ProcessState == nil {
				cmd.Process.Kill()
				cmd.Wait()
			}
			if errb.Len() > 0 {
				t.Logf("child %d stderr: %s", i, errb.String())
			}
		})
	}
	release = func() {
		deadline := time.Now().Add(60 * time.Second)
		for i := 0; i < n; {
			if _, err := os.Stat(filepath.Join(dir, "ready."+strconv.Itoa(i))); err == nil {
				i++
				continue
			}
			if time.Now().After(deadline) {
				t.Fatalf("child %d never reached the barrier", i)
			}
			time.Sleep(2 * time.Millisecond)
		}
		if err := os.WriteFile(filepath.Join(dir, "go"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return cmds, outs, release
}

// barrier is the child's side of startChildren's barrier.
func barrier() error {
	dir := os.Getenv("EXP_TRACKING_BARRIER")
	if err := os.WriteFile(filepath.Join(dir, "ready."+os.Getenv("EXP_TRACKING_INDEX")), nil, 0o644); err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go")); err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("barrier never released")
		}
		time.Sleep(200 * time.Microsecond)
	}
}

func childOpen() error {
	if err := barrier(); err != nil {
		return err
	}
	s, err := Open(os.Getenv("EXP_TRACKING_DB"))
	if err != nil {
		return err
	}
	return s.Close()
}

func wantMigrations(t *testing.T) []migration {
	t.Helper()
	ms, err := loadMigrations(migrationFS, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// appliedMigrations returns the versions recorded in schema_migrations.
func appliedMigrations(t *testing.T, s *Store) []int {
	t.Helper()
	rows, err := s.reader.Query("SELECT version FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return vs
}

func checkOneRowPerMigration(t *testing.T, path string) {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := appliedMigrations(t, s)
	ms := wantMigrations(t)
	if len(got) != len(ms) {
		t.Fatalf("schema_migrations has versions %v, want 1..%d once each", got, len(ms))
	}
	for i, v := range got {
		if v != i+1 {
			t.Fatalf("schema_migrations has versions %v, want 1..%d once each", got, len(ms))
		}
	}
	integrityOK(t, s)
}

func integrityOK(t *testing.T, s *Store) {
	t.Helper()
	var res string
	if err := s.reader.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil {
		t.Fatal(err)
	}
	if res != "ok" {
		t.Fatalf("integrity_check: %s", res)
	}
}

func TestOpenFresh(t *testing.T) {
	s := MustOpen(t)
	ms := wantMigrations(t)
	if v, err := schemaVersion(context.Background(), s.reader); err != nil || v != len(ms) {
		t.Fatalf("schema version %d, %v; want %d", v, err, len(ms))
	}
	var mode string
	if err := s.writer.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode %q, %v; want wal", mode, err)
	}
	for name, db := range map[string]*sql.DB{"writer": s.writer, "reader": s.reader} {
		var fk, timeout int
		if err := db.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
			t.Errorf("%s: foreign_keys %d, %v; want 1", name, fk, err)
		}
		if err := db.QueryRow("PRAGMA busy_timeout").Scan(&timeout); err != nil || timeout != 10000 {
			t.Errorf("%s: busy_timeout %d, %v; want 10000", name, timeout, err)
		}
	}
	if _, err := s.reader.Exec("INSERT INTO experiments (name, created_at) VALUES ('x', 'y')"); err == nil {
		t.Error("the read pool accepted a write")
	}
	if s.Path() != filepath.Clean(s.Path()) || !filepath.IsAbs(s.Path()) {
		t.Errorf("Path() = %q, want a clean absolute path", s.Path())
	}
}

func TestOpenPathWithOddCharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a dir?with#odd%chars")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "exp.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at the path given: %v", err)
	}
}

func TestOpenMissingDirectory(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "no", "such", "exp.db")); err == nil {
		t.Fatal("Open in a missing directory succeeded")
	}
}

func TestReopenDoesNotReapply(t *testing.T) {
	path := filepath.Join(t.TempDir(), "exp.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var applied string
	if err := s.reader.QueryRow("SELECT applied_at FROM schema_migrations WHERE version = 1").Scan(&applied); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var again string
	if err := s.reader.QueryRow("SELECT applied_at FROM schema_migrations WHERE version = 1").Scan(&again); err != nil {
		t.Fatal(err)
	}
	if again != applied {
		t.Errorf("migration 1 recorded again: applied_at %s, then %s", applied, again)
	}
	if got, want := len(appliedMigrations(t, s)), len(wantMigrations(t)); got != want {
		t.Errorf("%d migrations recorded, want %d", got, want)
	}
}

// testMigrations is a two-step schema for the migration machinery itself.
func testMigrations(t *testing.T, n int) []migration {
	t.Helper()
	all := []migration{
		{1, "0001_a.sql", "CREATE TABLE a (x INTEGER);"},
		{2, "0002_b.sql", "ALTER TABLE a ADD COLUMN y TEXT; CREATE TABLE b (z INTEGER);"},
	}
	return all[:n]
}

func TestMigrateInOrderOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	s, err := open(ctx, path, testMigrations(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	if got := appliedMigrations(t, s); len(got) != 1 {
		t.Fatalf("after 1 migration: %v", got)
	}
	s.Close()

	// The second one is applied on the next open, on top of the first;
	// ALTER TABLE would fail if the first ran again or the second ran twice.
	for range 2 {
		s, err = open(ctx, path, testMigrations(t, 2))
		if err != nil {
			t.Fatal(err)
		}
		if got := appliedMigrations(t, s); len(got) != 2 || got[0] != 1 || got[1] != 2 {
			t.Fatalf("after 2 migrations: %v", got)
		}
		if _, err := s.writer.Exec("INSERT INTO a (x, y) VALUES (1, 'one'); INSERT INTO b (z) VALUES (2)"); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}

	// An older binary refuses a newer schema instead of writing to it.
	if _, err := open(ctx, path, testMigrations(t, 1)); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("opening a newer schema: %v, want an error saying it is newer", err)
	}
}

func TestMigrateFailureRollsBack(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	bad := append(testMigrations(t, 1), migration{2, "0002_bad.sql", "CREATE TABLE c (x); CREATE TABLE oops ("})
	if _, err := open(ctx, path, bad); err == nil {
		t.Fatal("a broken migration was accepted")
	}
	s, err := open(ctx, path, testMigrations(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := appliedMigrations(t, s); len(got) != 1 {
		t.Errorf("versions %v after a failed migration 2, want [1]", got)
	}
	var n int
	s.reader.QueryRow("SELECT count(*) FROM sqlite_master WHERE name = 'c'").Scan(&n)
	if n != 0 {
		t.Error("the failed migration left table c behind")
	}
}

func TestLoadMigrationsChecksNames(t *testing.T) {
	for name, files := range map[string][]string{
		"gap":       {"0001_a.sql", "0003_c.sql"},
		"repeat":    {"0001_a.sql", "0001_b.sql"},
		"bad name":  {"0001_a.sql", "2_b.sql"},
		"no zero":   {"0002_b.sql"},
		"uppercase": {"0001_A.sql"},
	} {
		fsys := fstestFS(files)
		if _, err := loadMigrations(fsys, "m"); err == nil {
			t.Errorf("%s: %v accepted", name, files)
		}
	}
	ms, err := loadMigrations(fstestFS([]string{"0002_b.sql", "0001_a.sql", "README"}), "m")
	if err != nil || len(ms) != 2 || ms[0].name != "0001_a.sql" || ms[1].version != 2 {
		t.Errorf("good set: %v, %v", ms, err)
	}
}

func TestConcurrentOpenGoroutines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "exp.db")
	const n = 8
	start := make(chan struct{})
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			s, err := Open(path)
			if err == nil {
				// Write at once too: the schema must be complete.
				_, err = s.CreateRun(context.Background(), RunInfo{Experiment: "e", Source: "x"})
				err = errors.Join(err, s.Close())
			}
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	checkOneRowPerMigration(t, path)
}

func TestConcurrentOpenProcesses(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "exp.db")
	const n = 8
	cmds, _, release := startChildren(t, n, "open", dir, "EXP_TRACKING_DB="+path)
	release()
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("child %d: %v", i, err)
		}
	}
	checkOneRowPerMigration(t, path)
}

func TestTimeFormatSorts(t *testing.T) {
	ts := []time.Time{
		t0, t0.Add(time.Nanosecond), t0.Add(500 * time.Millisecond), t0.Add(time.Second),
		t0.Add(-time.Nanosecond), t0.Add(999999999 * time.Nanosecond),
	}
	var text []string
	for _, x := range ts {
		s := formatTime(x)
		back, err := parseTime(s)
		if err != nil || !back.Equal(x) {
			t.Fatalf("%v -> %q -> %v, %v", x, s, back, err)
		}
		text = append(text, s)
	}
	sort.Strings(text)
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	for i := range ts {
		if text[i] != formatTime(ts[i]) {
			t.Fatalf("text order %v differs from time order", text)
		}
	}
	// A non-UTC time is stored as UTC.
	if got := formatTime(t0.In(time.FixedZone("x", 3600))); got != "2025-03-01T12:00:00.000000000Z" {
		t.Errorf("formatTime in +01:00 = %s", got)
	}
}

func TestNewIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := newID()
		if !validID(id) {
			t.Fatalf("newID() = %q, not %d lowercase hex", id, idLen)
		}
		if seen[id] {
			t.Fatalf("newID() repeated %s", id)
		}
		seen[id] = true
	}
	for _, bad := range []string{"", "abc", "ABCDEF012345", "abcdef01234g", "abcdef0123456"} {
		if validID(bad) {
			t.Errorf("validID(%q) = true", bad)
		}
	}
}

func fstestFS(names []string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for _, n := range names {
		fsys["m/"+n] = &fstest.MapFile{Data: []byte("CREATE TABLE t (x);")}
	}
	return fsys
}

func TestRetryBusy(t *testing.T) {
	busy := sqlite3.Error{Code: sqlite3.ErrBusy}
	locked := sqlite3.Error{Code: sqlite3.ErrLocked}
	other := errors.New("disk full")

	calls := 0
	err := retryBusy(ctx, time.Minute, func() error {
		calls++
		switch calls {
		case 1:
			return busy
		case 2:
			return fmt.Errorf("wrapped: %w", locked)
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Errorf("busy, locked, ok: %v after %d calls; want nil after 3", err, calls)
	}

	calls = 0
	err = retryBusy(ctx, time.Minute, func() error { calls++; return other })
	if err != other || calls != 1 {
		t.Errorf("other error: %v after %d calls; want it at once", err, calls)
	}

	calls = 0
	err = retryBusy(ctx, 0, func() error { calls++; return busy })
	if !isBusy(err) || calls != 1 {
		t.Errorf("busy past the deadline: %v after %d calls; want busy after 1", err, calls)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	err = retryBusy(cctx, time.Minute, func() error { return busy })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestWriteWaitsForLock holds the write lock from another
// connection and checks that a write waits for it instead of failing, and
// that the read pool is not blocked meanwhile (WAL).
func TestWriteWaitsForLock(t *testing.T) {
	s := MustOpen(t)
	id := mustCreate(t, s, RunInfo{Experiment: "e"})
	other, err := sql.Open("sqlite3", dsn(s.Path(), writerParams))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.Begin() // BEGIN IMMEDIATE: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.LogMetrics(ctx, id, []Metric{{Name: "a", Step: 1, Value: 1}}) }()
	if _, err := s.Run(ctx, id); err != nil {
		t.Errorf("read while another process writes: %v", err)
	}
	select {
	case err := <-done:
		t.Fatalf("LogMetrics returned while the lock was held: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if ms, _ := s.Series(ctx, id, "a"); len(ms) != 1 {
		t.Errorf("series %v", ms)
	}
}
