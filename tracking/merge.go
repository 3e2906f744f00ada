package tracking

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Merge copies every experiment, sweep, run, metric and artifact of the exp
// database at otherPath into s, in one transaction, and returns how many
// runs it added or replaced. Running it again changes nothing.
//
// A run present in both files keeps the copy seen most recently (the latest
// of its start, heartbeat and end times; ours on a tie), whole: its row,
// metrics and artifacts. A sweep present in both takes the other's end if
// ours is still running. Experiments match by name. The other file is only
// read, except that one with an older schema is first migrated in place.
func (s *Store) Merge(ctx context.Context, otherPath string) (runs int, err error) {
	abs, err := filepath.Abs(otherPath)
	if err != nil {
		return 0, fmt.Errorf("tracking: merge: %w", err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return 0, fmt.Errorf("tracking: merge: %w", err)
	}
	if ours, err := os.Stat(s.path); err == nil && os.SameFile(fi, ours) {
		return 0, fmt.Errorf("%w: merge %s into itself", ErrInvalid, otherPath)
	}
	ms, err := loadMigrations(migrationFS, "migrations")
	if err != nil {
		return 0, err
	}

	src, err := openSource(ctx, abs, len(ms))
	if err != nil {
		return 0, err
	}
	defer src.Close()
	stx, err := src.BeginTx(ctx, nil) // one snapshot of the other file
	if err != nil {
		return 0, fmt.Errorf("tracking: merge %s: %w", otherPath, err)
	}
	defer stx.Rollback()

	err = s.write(ctx, func(tx *sql.Tx) error {
		m := merger{ctx: ctx, src: stx, dst: tx, exps: map[string]int64{}}
		if err := m.sweeps(); err != nil {
			return err
		}
		runs, err = m.runs()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("tracking: merge %s: %w", otherPath, err)
	}
	return runs, nil
}

// openSource opens another exp database for reading, migrating it first if
// its schema is older than ours (want).
func openSource(ctx context.Context, abs string, want int) (*sql.DB, error) {
	// mode=rw: never create a file that is not there; no journal_mode, so
	// that reading does not change the file.
	db, err := sql.Open("sqlite3", dsn(abs, "_busy_timeout=10000&_query_only=1&mode=rw"))
	if err != nil {
		return nil, fmt.Errorf("tracking: merge: open %s: %w", abs, err)
	}
	have, err := schemaVersion(ctx, db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("tracking: merge: %s: %w", abs, err)
	}
	switch {
	case have == 0:
		db.Close()
		return nil, fmt.Errorf("%w: merge: %s is not an exp database", ErrInvalid, abs)
	case have > want:
		db.Close()
		return nil, fmt.Errorf("%w: merge: %s has schema version %d, newer than this exp knows (%d)", ErrInvalid, abs, have, want)
	case have < want:
		db.Close()
		o, err := Open(abs)
		if err != nil {
			return nil, fmt.Errorf("tracking: merge: migrate %s: %w", abs, err)
		}
		if err := o.Close(); err != nil {
			return nil, fmt.Errorf("tracking: merge: migrate %s: %w", abs, err)
		}
		return openSource(ctx, abs, want)
	}
	return db, nil
}

type merger struct {
	ctx  context.Context
	src  *sql.Tx
	dst  *sql.Tx
	exps map[string]int64 // experiment name -> id in dst
}

// experiment returns dst's id for the experiment, creating it with the
// other file's creation time if needed.
func (m *merger) experiment(name, created string) (int64, error) {
	if id, ok := m.exps[name]; ok {
		return id, nil
	}
	if _, err := m.dst.ExecContext(m.ctx,
		"INSERT INTO experiments (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", name, created); err != nil {
		return 0, fmt.Errorf("experiment %q: %w", name, err)
	}
	var id int64
	if err := m.dst.QueryRowContext(m.ctx, "SELECT id FROM experiments WHERE name = ?", name).Scan(&id); err != nil {
		return 0, fmt.Errorf("experiment %q: %w", name, err)
	}
	m.exps[name] = id
	return id, nil
}

// experiments copies the experiments without runs or sweeps too, so that
// the merged file lists every name the other one does.
func (m *merger) experiments() error {
	rows, err := m.src.QueryContext(m.ctx, "SELECT name, created_at FROM experiments ORDER BY id")
	if err != nil {
		return fmt.Errorf("experiments: %w", err)
	}
	type exp struct{ name, created string }
	var all []exp
	for rows.Next() {
		var e exp
		if err := rows.Scan(&e.name, &e.created); err != nil {
			rows.Close()
			return fmt.Errorf("experiments: %w", err)
		}
		all = append(all, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("experiments: %w", err)
	}
	for _, e := range all {
		if _, err := m.experiment(e.name, e.created); err != nil {
			return err
		}
	}
	return nil
}

const sweepCols = "id, source, config_hash, method, target, goal, parallel, n_trials, status, created_at, finished_at"

func (m *merger) sweeps() error {
	if err := m.experiments(); err != nil {
		return err
	}
	all, err := readRows(m.ctx, m.src,
		"SELECT e.name, e.created_at, "+prefixed("s.", sweepCols)+" FROM sweeps s JOIN experiments e ON e.id = s.experiment_id ORDER BY s.id")
	if err != nil {
		return fmt.Errorf("sweeps: %w", err)
	}
	for _, row := range all {
		expID, err := m.experiment(row[0].(string), row[1].(string))
		if err != nil {
			return err
		}
		vals := append([]any{expID}, row[2:]...)
		_, err = m.dst.ExecContext(m.ctx, "INSERT INTO sweeps (experiment_id, "+sweepCols+") VALUES ("+
			placeholders(len(vals))+`) ON CONFLICT (id) DO UPDATE SET status = excluded.status, finished_at = excluded.finished_at
			WHERE sweeps.status = 'running' AND excluded.status <> 'running'`, vals...)
		if err != nil {
			return fmt.Errorf("sweep %v: %w", row[2], err)
		}
	}
	return nil
}

const runCols = `id, sweep_id, trial_index, status, error, seed, source, filename, config_hash, params_json,
	tool_version, go_version, vcs_revision, blas_backend, threads, host, pid, data_checksums_json,
	started_at, finished_at, heartbeat_at, run_dir`

// lastSeen is the latest of a run's times; the fixed-width format makes
// max() of the text the latest time.
const lastSeen = "max(%[1]sstarted_at, coalesce(%[1]sheartbeat_at, ''), coalesce(%[1]sfinished_at, ''))"

func (m *merger) runs() (int, error) {
	all, err := readRows(m.ctx, m.src, "SELECT e.name, e.created_at, "+fmt.Sprintf(lastSeen, "r.")+", "+
		prefixed("r.", runCols)+" FROM runs r JOIN experiments e ON e.id = r.experiment_id ORDER BY r.id")
	if err != nil {
		return 0, fmt.Errorf("runs: %w", err)
	}
	n := 0
	for _, row := range all {
		theirs, id := row[2].(string), row[3].(string)
		var ours string
		err := m.dst.QueryRowContext(m.ctx, "SELECT "+fmt.Sprintf(lastSeen, "")+" FROM runs WHERE id = ?", id).Scan(&ours)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return 0, fmt.Errorf("run %s: %w", id, err)
		case theirs <= ours:
			continue // ours is as recent or more: keep it
		default:
			// Theirs wins whole; deleting the run cascades to its
			// metrics and artifacts.
			if _, err := m.dst.ExecContext(m.ctx, "DELETE FROM runs WHERE id = ?", id); err != nil {
				return 0, fmt.Errorf("run %s: %w", id, err)
			}
		}
		expID, err := m.experiment(row[0].(string), row[1].(string))
		if err != nil {
			return 0, err
		}
		vals := append([]any{expID}, row[3:]...)
		if _, err := m.dst.ExecContext(m.ctx, "INSERT INTO runs (experiment_id, "+runCols+") VALUES ("+
			placeholders(len(vals))+")", vals...); err != nil {
			return 0, fmt.Errorf("run %s: %w", id, err)
		}
		if err := m.copyChildren(id); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

const (
	metricCols   = "run_id, name, step, epoch, value, wall_time"
	artifactCols = "run_id, kind, path, sha256, step, created_at"
)

// copyChildren copies the metrics and artifacts of one run, streaming: a
// run may have many metric rows.
func (m *merger) copyChildren(runID string) error {
	for _, t := range []struct{ table, cols string }{{"metrics", metricCols}, {"artifacts", artifactCols}} {
		rows, err := m.src.QueryContext(m.ctx, "SELECT "+t.cols+" FROM "+t.table+" WHERE run_id = ?", runID)
		if err != nil {
			return fmt.Errorf("%s of %s: %w", t.table, runID, err)
		}
		ins, err := m.dst.PrepareContext(m.ctx, "INSERT OR REPLACE INTO "+t.table+" ("+t.cols+") VALUES ("+
			placeholders(strings.Count(t.cols, ",")+1)+")")
		if err != nil {
			rows.Close()
			return fmt.Errorf("%s of %s: %w", t.table, runID, err)
		}
		err = func() error {
			defer rows.Close()
			defer ins.Close()
			cols, err := rows.Columns()
			if err != nil {
				return err
			}
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					return err
				}
				if _, err := ins.ExecContext(m.ctx, vals...); err != nil {
					return err
				}
			}
			return rows.Err()
		}()
		if err != nil {
			return fmt.Errorf("%s of %s: %w", t.table, runID, err)
		}
	}
	return nil
}

// readRows reads a whole result as driver values.
func readRows(ctx context.Context, q querier, query string, args ...any) ([][]any, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, vals)
	}
	return out, rows.Err()
}

// prefixed turns "a, b" into "p.a, p.b".
func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
