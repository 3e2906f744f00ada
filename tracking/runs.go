package tracking

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// RunInfo is what a run records when it starts.
type RunInfo struct {
	// ID presets the run's id (12 lowercase hex characters), for a run
	// whose id was chosen elsewhere; empty draws a fresh one.
	ID string

	Experiment string // required
	Filename   string
	Source     string // the full HCL text
	// ConfigHash identifies source + resolved params; empty computes it
	// with ConfigHash.
	ConfigHash string
	Params     map[string]any // resolved variables
	Seed       int64

	SweepID    string // empty: not part of a sweep
	TrialIndex int    // -1: none (ignored without SweepID)

	ToolVersion, GoVersion, VCSRevision, BLASBackend, Host string
	Threads, PID                                           int
	DataChecksums                                          map[string]string // dataset name -> sha256
	RunDir                                                 string
}

// Run is a recorded run.
type Run struct {
	ID, Experiment, Status, Error string
	Filename, Source, ConfigHash  string
	SweepID                       string
	TrialIndex                    int // -1: none
	Seed                          int64
	// Params holds the resolved variables as decoded from JSON: numbers
	// are float64, lists []any.
	Params                   map[string]any
	Started, Finished        time.Time // Finished is zero while running
	Heartbeat                time.Time
	ToolVersion, GoVersion   string
	VCSRevision, BLASBackend string
	Host                     string
	Threads, PID             int
	DataChecksums            map[string]string
	RunDir                   string
	Final                    map[string]float64 // last value (highest step) of each metric
	Artifacts                []Artifact         // ordered by path
}

// ConfigHash returns the hex sha256 of source and the resolved params: two
// runs with the same hash ran the same configuration. Params are encoded as
// JSON with sorted keys, so map order cannot change the hash.
func ConfigHash(source string, params map[string]any) (string, error) {
	pj, err := paramsJSON(params)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write([]byte(source))
	h.Write([]byte{0})
	h.Write([]byte(pj))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// paramsJSON encodes params as a JSON object; encoding/json sorts map keys.
func paramsJSON(params map[string]any) (string, error) {
	if params == nil {
		return "{}", nil
	}
	b, err := json.Marshal(params)
	if err != nil {
		return "", fmt.Errorf("%w: params: %v", ErrInvalid, err)
	}
	return string(b), nil
}

func checksumsJSON(m map[string]string) (string, error) {
	if m == nil {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("%w: data checksums: %v", ErrInvalid, err)
	}
	return string(b), nil
}

// CreateRun records a new run with status running and returns its id.
// A preset info.ID that is already taken gives ErrExists; an unknown
// info.SweepID gives ErrNotFound.
func (s *Store) CreateRun(ctx context.Context, info RunInfo) (string, error) {
	if info.Experiment == "" {
		return "", fmt.Errorf("%w: run without an experiment name", ErrInvalid)
	}
	if info.ID != "" && !validID(info.ID) {
		return "", fmt.Errorf("%w: run id %q is not %d lowercase hex characters", ErrInvalid, info.ID, idLen)
	}
	pj, err := paramsJSON(info.Params)
	if err != nil {
		return "", err
	}
	cj, err := checksumsJSON(info.DataChecksums)
	if err != nil {
		return "", err
	}
	hash := info.ConfigHash
	if hash == "" {
		if hash, err = ConfigHash(info.Source, info.Params); err != nil {
			return "", err
		}
	}
	var sweep, trial any // NULL unless part of a sweep
	if info.SweepID != "" {
		sweep = info.SweepID
		if info.TrialIndex >= 0 {
			trial = info.TrialIndex
		}
	}

	now := s.now()
	id := info.ID
	err = s.write(ctx, func(tx *sql.Tx) error {
		expID, err := ensureExperiment(ctx, tx, info.Experiment, now)
		if err != nil {
			return err
		}
		if info.SweepID != "" {
			if ok, err := exists(ctx, tx, "SELECT 1 FROM sweeps WHERE id = ?", info.SweepID); err != nil {
				return err
			} else if !ok {
				return fmt.Errorf("%w: no sweep %q", ErrNotFound, info.SweepID)
			}
		}
		// We hold the write lock, so a free id stays free until we insert.
		for tries := 0; ; tries++ {
			if id == "" {
				id = newID()
			}
			taken, err := exists(ctx, tx, "SELECT 1 FROM runs WHERE id = ?", id)
			if err != nil {
				return err
			}
			if !taken {
				break
			}
			if info.ID != "" {
				return fmt.Errorf("%w: run %s", ErrExists, id)
			}
			if tries == 10 {
				return fmt.Errorf("tracking: no free run id after %d tries", tries)
			}
			id = ""
		}
		ts := formatTime(now)
		_, err = tx.ExecContext(ctx, `INSERT INTO runs (
			id, experiment_id, sweep_id, trial_index, status, error, seed, source, filename,
			config_hash, params_json, tool_version, go_version, vcs_revision, blas_backend,
			threads, host, pid, data_checksums_json, started_at, finished_at, heartbeat_at, run_dir
		) VALUES (?, ?, ?, ?, 'running', '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
			id, expID, sweep, trial, info.Seed, info.Source, info.Filename,
			hash, pj, info.ToolVersion, info.GoVersion, info.VCSRevision, info.BLASBackend,
			info.Threads, info.Host, info.PID, cj, ts, ts, info.RunDir)
		if err != nil {
			return fmt.Errorf("tracking: create run: %w", err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

func exists(ctx context.Context, q querier, query string, args ...any) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("tracking: %w", err)
	}
	return true, nil
}

// updateRun runs one UPDATE of the run runID; ErrNotFound if there is none.
func (s *Store) updateRun(ctx context.Context, runID, what, query string, args ...any) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("tracking: %s %s: %w", what, runID, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("tracking: %s %s: %w", what, runID, err)
		}
		if n == 0 {
			return fmt.Errorf("%w: no run %q", ErrNotFound, runID)
		}
		return nil
	})
}

// SetRunDir records the directory holding the run's artifacts.
func (s *Store) SetRunDir(ctx context.Context, runID, dir string) error {
	return s.updateRun(ctx, runID, "set run dir of", "UPDATE runs SET run_dir = ? WHERE id = ?", dir, runID)
}

// Heartbeat records that the run's process is still alive (see MarkStale).
func (s *Store) Heartbeat(ctx context.Context, runID string) error {
	return s.updateRun(ctx, runID, "heartbeat of", "UPDATE runs SET heartbeat_at = ? WHERE id = ?",
		formatTime(s.now()), runID)
}

// FinishRun ends a run with a terminal status (completed, failed,
// interrupted, stopped) and an error message, empty on success.
func (s *Store) FinishRun(ctx context.Context, runID, status, errMsg string) error {
	if !terminal(status) {
		return fmt.Errorf("%w: run status %q (want completed, failed, interrupted or stopped)", ErrInvalid, status)
	}
	ts := formatTime(s.now())
	return s.updateRun(ctx, runID, "finish run",
		"UPDATE runs SET status = ?, error = ?, finished_at = ?, heartbeat_at = ? WHERE id = ?",
		status, errMsg, ts, ts, runID)
}

// ReopenRun sets a finished run back to running, for exp resume: it clears
// the error and end time and records the resuming process. A run that is
// still running gives ErrConflict (call MarkStale first).
func (s *Store) ReopenRun(ctx context.Context, runID, host string, pid int) error {
	ts := formatTime(s.now())
	return s.write(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, "SELECT status FROM runs WHERE id = ?", runID).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: no run %q", ErrNotFound, runID)
		}
		if err != nil {
			return fmt.Errorf("tracking: reopen %s: %w", runID, err)
		}
		if status == StatusRunning {
			return fmt.Errorf("%w: run %s is still running", ErrConflict, runID)
		}
		_, err = tx.ExecContext(ctx, `UPDATE runs SET status = 'running', error = '', finished_at = NULL,
			heartbeat_at = ?, host = ?, pid = ? WHERE id = ?`, ts, host, pid, runID)
		if err != nil {
			return fmt.Errorf("tracking: reopen %s: %w", runID, err)
		}
		return nil
	})
}

// runColumns is the select list scanRun reads, in its order.
const runColumns = `r.id, e.name, r.status, r.error, r.filename, r.source, r.config_hash,
	r.sweep_id, r.trial_index, r.seed, r.params_json, r.started_at, r.finished_at, r.heartbeat_at,
	r.tool_version, r.go_version, r.vcs_revision, r.blas_backend, r.host, r.threads, r.pid,
	r.data_checksums_json, r.run_dir`

const runFrom = ` FROM runs r JOIN experiments e ON e.id = r.experiment_id`

func scanRun(sc interface{ Scan(...any) error }) (*Run, error) {
	var (
		r                   Run
		sweep               sql.NullString
		trial               sql.NullInt64
		params, sums        string
		started             string
		finished, heartbeat sql.NullString
	)
	err := sc.Scan(&r.ID, &r.Experiment, &r.Status, &r.Error, &r.Filename, &r.Source, &r.ConfigHash,
		&sweep, &trial, &r.Seed, &params, &started, &finished, &heartbeat,
		&r.ToolVersion, &r.GoVersion, &r.VCSRevision, &r.BLASBackend, &r.Host, &r.Threads, &r.PID,
		&sums, &r.RunDir)
	if err != nil {
		return nil, err
	}
	r.SweepID = sweep.String
	r.TrialIndex = -1
	if trial.Valid {
		r.TrialIndex = int(trial.Int64)
	}
	if err := json.Unmarshal([]byte(params), &r.Params); err != nil {
		return nil, fmt.Errorf("tracking: run %s params: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(sums), &r.DataChecksums); err != nil {
		return nil, fmt.Errorf("tracking: run %s data checksums: %w", r.ID, err)
	}
	if r.Started, err = parseTime(started); err != nil {
		return nil, err
	}
	if r.Finished, err = parseNullTime(finished); err != nil {
		return nil, err
	}
	if r.Heartbeat, err = parseNullTime(heartbeat); err != nil {
		return nil, err
	}
	return &r, nil
}

// Run returns the run with this id or with this unique id prefix (at least
// 4 characters), with its final metrics and artifacts. ErrNotFound or
// ErrAmbiguous otherwise.
func (s *Store) Run(ctx context.Context, idOrPrefix string) (*Run, error) {
	var r *Run
	err := s.read(ctx, func(tx *sql.Tx) error {
		id, err := resolveID(ctx, tx, "run", idOrPrefix)
		if err != nil {
			return err
		}
		r, err = scanRun(tx.QueryRowContext(ctx, "SELECT "+runColumns+runFrom+" WHERE r.id = ?", id))
		if err != nil {
			return fmt.Errorf("tracking: run %s: %w", id, err)
		}
		return fillRun(ctx, tx, r)
	})
	return r, err
}

// fillRun reads r's final metric values and artifacts.
func fillRun(ctx context.Context, q querier, r *Run) error {
	// SQLite takes the bare column value from the row holding max(step).
	rows, err := q.QueryContext(ctx,
		"SELECT name, value, max(step) FROM metrics WHERE run_id = ? GROUP BY name", r.ID)
	if err != nil {
		return fmt.Errorf("tracking: final metrics of %s: %w", r.ID, err)
	}
	r.Final = map[string]float64{}
	for rows.Next() {
		var (
			name string
			v    sql.NullFloat64
			step int
		)
		if err := rows.Scan(&name, &v, &step); err != nil {
			rows.Close()
			return fmt.Errorf("tracking: final metrics of %s: %w", r.ID, err)
		}
		r.Final[name] = nullNaN(v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("tracking: final metrics of %s: %w", r.ID, err)
	}
	r.Artifacts, err = artifacts(ctx, q, r.ID)
	return err
}

// Filter selects runs; empty fields select everything.
type Filter struct {
	Experiment string // exact experiment name
	Status     string
	SweepID    string // a sweep id or unique prefix
	Limit      int    // 0: no limit
	// Sort orders the runs: "" is newest first; otherwise a key from
	// SortKeys or a metric name (runs by their final value of it, runs
	// without it last), ascending, or descending with a leading "-".
	Sort string
}

// sortColumns is the allow-list of sort keys naming run columns. No text a
// caller passes ever reaches the SQL except through this map.
var sortColumns = map[string]string{
	"id":         "r.id",
	"experiment": "e.name",
	"status":     "r.status",
	"seed":       "r.seed",
	"started":    "r.started_at",
	"finished":   "r.finished_at",
	"trial":      "r.trial_index",
}

// SortKeys lists the column sort keys Filter.Sort accepts besides metric
// names, for help text.
func SortKeys() []string {
	return []string{"experiment", "finished", "id", "seed", "started", "status", "trial"}
}

// Runs returns the runs f selects, newest first unless f.Sort says
// otherwise, each with its final metrics and artifacts.
func (s *Store) Runs(ctx context.Context, f Filter) ([]*Run, error) {
	if f.Status != "" && !validStatus(f.Status) {
		return nil, fmt.Errorf("%w: run status %q", ErrInvalid, f.Status)
	}
	if f.Limit < 0 {
		return nil, fmt.Errorf("%w: negative limit %d", ErrInvalid, f.Limit)
	}
	var runs []*Run
	err := s.read(ctx, func(tx *sql.Tx) error {
		var (
			where []string
			args  []any
		)
		if f.Experiment != "" {
			where = append(where, "e.name = ?")
			args = append(args, f.Experiment)
		}
		if f.Status != "" {
			where = append(where, "r.status = ?")
			args = append(args, f.Status)
		}
		if f.SweepID != "" {
			id, err := resolveID(ctx, tx, "sweep", f.SweepID)
			if err != nil {
				return err
			}
			where = append(where, "r.sweep_id = ?")
			args = append(args, id)
		}
		q := "SELECT " + runColumns + runFrom
		if len(where) > 0 {
			q += " WHERE " + strings.Join(where, " AND ")
		}
		order, oargs, metric, err := orderBy(f.Sort)
		if err != nil {
			return err
		}
		q += " ORDER BY " + order
		args = append(args, oargs...)
		if f.Limit > 0 {
			q += " LIMIT ?"
			args = append(args, f.Limit)
		}
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("tracking: runs: %w", err)
		}
		for rows.Next() {
			r, err := scanRun(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("tracking: runs: %w", err)
			}
			runs = append(runs, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("tracking: runs: %w", err)
		}
		for _, r := range runs {
			if err := fillRun(ctx, tx, r); err != nil {
				return err
			}
		}
		if metric != "" && len(runs) > 0 && !anyHas(runs, metric) {
			return fmt.Errorf("%w: sort key %q is neither a column (%s) nor a metric of these runs",
				ErrInvalid, metric, strings.Join(SortKeys(), ", "))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return runs, nil
}

func anyHas(runs []*Run, metric string) bool {
	for _, r := range runs {
		if _, ok := r.Final[metric]; ok {
			return true
		}
	}
	return false
}

// orderBy turns a sort key into an ORDER BY clause and its bound arguments;
// metric is the metric name when the key is one.
func orderBy(key string) (clause string, args []any, metric string, err error) {
	if key == "" {
		return "r.started_at DESC, r.id DESC", nil, "", nil
	}
	dir := "ASC"
	if strings.HasPrefix(key, "-") {
		dir, key = "DESC", key[1:]
	}
	if key == "" {
		return "", nil, "", fmt.Errorf("%w: empty sort key", ErrInvalid)
	}
	if col, ok := sortColumns[key]; ok {
		return col + " IS NULL, " + col + " " + dir + ", r.id " + dir, nil, "", nil
	}
	// The final value of a metric, the same rule as fillRun; NULL (no such
	// metric, or NaN) sorts last either way.
	const final = "(SELECT m.value FROM metrics m WHERE m.run_id = r.id AND m.name = ? ORDER BY m.step DESC LIMIT 1)"
	return final + " IS NULL, " + final + " " + dir + ", r.started_at DESC, r.id DESC", []any{key, key}, key, nil
}

func nullNaN(v sql.NullFloat64) float64 {
	if !v.Valid {
		return math.NaN()
	}
	return v.Float64
}

func naNNull(v float64) any {
	if math.IsNaN(v) {
		return nil
	}
	return v
}
