package tracking

import (
	"context"
	"database/sql"
	"fmt"
	"path"
	"strings"
	"time"
)

// Metric is one value of a metric series.
type Metric struct {
	Name  string
	Step  int
	Epoch int
	Value float64 // NaN survives the round trip
	Wall  float64 // seconds since the run started
}

// LogMetrics records ms for the run in one transaction. A (name, step)
// already recorded is replaced, so a resumed run that logs a step again
// never duplicates a row.
func (s *Store) LogMetrics(ctx context.Context, runID string, ms []Metric) error {
	if len(ms) == 0 {
		return nil
	}
	for _, m := range ms {
		if m.Name == "" {
			return fmt.Errorf("%w: metric without a name (step %d)", ErrInvalid, m.Step)
		}
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := runExists(ctx, tx, runID); err != nil {
			return err
		}
		st, err := tx.PrepareContext(ctx,
			"INSERT OR REPLACE INTO metrics (run_id, name, step, epoch, value, wall_time) VALUES (?, ?, ?, ?, ?, ?)")
		if err != nil {
			return fmt.Errorf("tracking: log metrics: %w", err)
		}
		defer st.Close()
		for _, m := range ms {
			if _, err := st.ExecContext(ctx, runID, m.Name, m.Step, m.Epoch, naNNull(m.Value), m.Wall); err != nil {
				return fmt.Errorf("tracking: log metric %q step %d: %w", m.Name, m.Step, err)
			}
		}
		return nil
	})
}

func runExists(ctx context.Context, q querier, runID string) error {
	ok, err := exists(ctx, q, "SELECT 1 FROM runs WHERE id = ?", runID)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: no run %q", ErrNotFound, runID)
	}
	return nil
}

// DeleteMetricsAfter deletes the run's metric rows with a step above step,
// so that a run resumed from a checkpoint at that step logs them afresh.
// Artifacts are left alone: the resumed run replaces those it writes again.
func (s *Store) DeleteMetricsAfter(ctx context.Context, runID string, step int) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := runExists(ctx, tx, runID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM metrics WHERE run_id = ? AND step > ?", runID, step); err != nil {
			return fmt.Errorf("tracking: delete metrics of %s: %w", runID, err)
		}
		return nil
	})
}

// Series returns the run's values of one metric ordered by step; empty if
// the run never logged it.
func (s *Store) Series(ctx context.Context, runID, metric string) ([]Metric, error) {
	var out []Metric
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := runExists(ctx, tx, runID); err != nil {
			return err
		}
		var err error
		out, err = series(ctx, tx, "WHERE run_id = ? AND name = ? ORDER BY step", runID, metric)
		return err
	})
	return out, err
}

// AllSeries returns every metric series of the run, each ordered by step.
func (s *Store) AllSeries(ctx context.Context, runID string) (map[string][]Metric, error) {
	out := map[string][]Metric{}
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := runExists(ctx, tx, runID); err != nil {
			return err
		}
		all, err := series(ctx, tx, "WHERE run_id = ? ORDER BY name, step", runID)
		for _, m := range all {
			out[m.Name] = append(out[m.Name], m)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// series reads metric rows; tail is a constant WHERE/ORDER clause.
func series(ctx context.Context, q querier, tail string, args ...any) ([]Metric, error) {
	rows, err := q.QueryContext(ctx, "SELECT name, step, epoch, value, wall_time FROM metrics "+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("tracking: series: %w", err)
	}
	defer rows.Close()
	out := []Metric{}
	for rows.Next() {
		var (
			m Metric
			v sql.NullFloat64
		)
		if err := rows.Scan(&m.Name, &m.Step, &m.Epoch, &v, &m.Wall); err != nil {
			return nil, fmt.Errorf("tracking: series: %w", err)
		}
		m.Value = nullNaN(v)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tracking: series: %w", err)
	}
	return out, nil
}

// MetricNames returns the names of the run's metrics, sorted.
func (s *Store) MetricNames(ctx context.Context, runID string) ([]string, error) {
	names := []string{}
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := runExists(ctx, tx, runID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, "SELECT DISTINCT name FROM metrics WHERE run_id = ? ORDER BY name", runID)
		if err != nil {
			return fmt.Errorf("tracking: metric names: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return fmt.Errorf("tracking: metric names: %w", err)
			}
			names = append(names, n)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return names, nil
}

// Artifact is a file a run wrote under its run directory.
type Artifact struct {
	Kind    string // samples, reconstructions, checkpoint, source, plot, ...
	Path    string // slash-separated, relative to the run directory
	SHA256  string // hex
	Step    int    // training step it belongs to; -1: none
	Created time.Time
}

// AddArtifact records an artifact of the run; recording the same path again
// replaces the row.
func (s *Store) AddArtifact(ctx context.Context, runID string, a Artifact) error {
	if a.Kind == "" {
		return fmt.Errorf("%w: artifact %q without a kind", ErrInvalid, a.Path)
	}
	if err := checkRelPath(a.Path); err != nil {
		return err
	}
	var step any
	if a.Step >= 0 {
		step = a.Step
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := runExists(ctx, tx, runID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx,
			"INSERT OR REPLACE INTO artifacts (run_id, kind, path, sha256, step, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			runID, a.Kind, a.Path, a.SHA256, step, formatTime(s.now()))
		if err != nil {
			return fmt.Errorf("tracking: artifact %q of %s: %w", a.Path, runID, err)
		}
		return nil
	})
}

// checkRelPath refuses artifact paths that could point outside the run
// directory.
func checkRelPath(p string) error {
	if p == "" || strings.Contains(p, "\\") || path.IsAbs(p) || path.Clean(p) != p || p == "." ||
		p == ".." || strings.HasPrefix(p, "../") {
		return fmt.Errorf("%w: artifact path %q must be a clean, slash-separated path inside the run directory", ErrInvalid, p)
	}
	return nil
}

func artifacts(ctx context.Context, q querier, runID string) ([]Artifact, error) {
	rows, err := q.QueryContext(ctx,
		"SELECT kind, path, sha256, step, created_at FROM artifacts WHERE run_id = ? ORDER BY path", runID)
	if err != nil {
		return nil, fmt.Errorf("tracking: artifacts of %s: %w", runID, err)
	}
	defer rows.Close()
	out := []Artifact{}
	for rows.Next() {
		var (
			a       Artifact
			step    sql.NullInt64
			created string
		)
		if err := rows.Scan(&a.Kind, &a.Path, &a.SHA256, &step, &created); err != nil {
			return nil, fmt.Errorf("tracking: artifacts of %s: %w", runID, err)
		}
		a.Step = -1
		if step.Valid {
			a.Step = int(step.Int64)
		}
		if a.Created, err = parseTime(created); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tracking: artifacts of %s: %w", runID, err)
	}
	return out, nil
}
