package tracking

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SweepInfo is what a sweep records when it starts.
type SweepInfo struct {
	ID         string // preset id (12 lowercase hex characters); empty draws one
	Experiment string // required
	Source     string
	ConfigHash string
	Method     string // grid, random
	Target     string // metric the sweep ranks trials by; may be empty
	Goal       string // minimize, maximize; may be empty
	Parallel   int
	NTrials    int
}

// Sweep is a recorded sweep. Its trials are the runs with its SweepID
// (Runs with Filter.SweepID).
type Sweep struct {
	ID, Experiment, Source, ConfigHash string
	Method, Target, Goal               string
	Parallel, NTrials                  int
	Status                             string
	Created, Finished                  time.Time // Finished is zero while running
}

// CreateSweep records a new sweep with status running and returns its id.
// To continue a sweep instead, look it up first with FindSweep.
func (s *Store) CreateSweep(ctx context.Context, info SweepInfo) (string, error) {
	if info.Experiment == "" {
		return "", fmt.Errorf("%w: sweep without an experiment name", ErrInvalid)
	}
	if info.ID != "" && !validID(info.ID) {
		return "", fmt.Errorf("%w: sweep id %q is not %d lowercase hex characters", ErrInvalid, info.ID, idLen)
	}
	if info.Parallel < 0 || info.NTrials < 0 {
		return "", fmt.Errorf("%w: sweep parallel %d, trials %d", ErrInvalid, info.Parallel, info.NTrials)
	}
	now := s.now()
	id := info.ID
	err := s.write(ctx, func(tx *sql.Tx) error {
		expID, err := ensureExperiment(ctx, tx, info.Experiment, now)
		if err != nil {
			return err
		}
		for tries := 0; ; tries++ {
			if id == "" {
				id = newID()
			}
			taken, err := exists(ctx, tx, "SELECT 1 FROM sweeps WHERE id = ?", id)
			if err != nil {
				return err
			}
			if !taken {
				break
			}
			if info.ID != "" {
				return fmt.Errorf("%w: sweep %s", ErrExists, id)
			}
			if tries == 10 {
				return fmt.Errorf("tracking: no free sweep id after %d tries", tries)
			}
			id = ""
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO sweeps (id, experiment_id, source, config_hash, method,
			target, goal, parallel, n_trials, status, created_at, finished_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, NULL)`,
			id, expID, info.Source, info.ConfigHash, info.Method, info.Target, info.Goal,
			info.Parallel, info.NTrials, formatTime(now))
		if err != nil {
			return fmt.Errorf("tracking: create sweep: %w", err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

const sweepSelect = `SELECT s.id, e.name, s.source, s.config_hash, s.method, s.target, s.goal,
	s.parallel, s.n_trials, s.status, s.created_at, s.finished_at
	FROM sweeps s JOIN experiments e ON e.id = s.experiment_id `

func scanSweep(sc interface{ Scan(...any) error }) (*Sweep, error) {
	var (
		w        Sweep
		created  string
		finished sql.NullString
	)
	err := sc.Scan(&w.ID, &w.Experiment, &w.Source, &w.ConfigHash, &w.Method, &w.Target, &w.Goal,
		&w.Parallel, &w.NTrials, &w.Status, &created, &finished)
	if err != nil {
		return nil, err
	}
	if w.Created, err = parseTime(created); err != nil {
		return nil, err
	}
	if w.Finished, err = parseNullTime(finished); err != nil {
		return nil, err
	}
	return &w, nil
}

// FindSweep returns the newest sweep with this config hash; ErrNotFound if
// there is none.
func (s *Store) FindSweep(ctx context.Context, configHash string) (*Sweep, error) {
	w, err := scanSweep(s.reader.QueryRowContext(ctx,
		sweepSelect+"WHERE s.config_hash = ? ORDER BY s.created_at DESC, s.id DESC LIMIT 1", configHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: no sweep with config hash %q", ErrNotFound, configHash)
	}
	if err != nil {
		return nil, fmt.Errorf("tracking: find sweep: %w", err)
	}
	return w, nil
}

// Sweep returns the sweep with this id or unique id prefix (at least 4
// characters); ErrNotFound or ErrAmbiguous otherwise.
func (s *Store) Sweep(ctx context.Context, idOrPrefix string) (*Sweep, error) {
	var w *Sweep
	err := s.read(ctx, func(tx *sql.Tx) error {
		id, err := resolveID(ctx, tx, "sweep", idOrPrefix)
		if err != nil {
			return err
		}
		w, err = scanSweep(tx.QueryRowContext(ctx, sweepSelect+"WHERE s.id = ?", id))
		if err != nil {
			return fmt.Errorf("tracking: sweep %s: %w", id, err)
		}
		return nil
	})
	return w, err
}

// FinishSweep ends a sweep with a terminal status (completed, failed,
// interrupted, stopped).
func (s *Store) FinishSweep(ctx context.Context, id, status string) error {
	if !terminal(status) {
		return fmt.Errorf("%w: sweep status %q (want completed, failed, interrupted or stopped)", ErrInvalid, status)
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE sweeps SET status = ?, finished_at = ? WHERE id = ?",
			status, formatTime(s.now()), id)
		if err != nil {
			return fmt.Errorf("tracking: finish sweep %s: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("tracking: finish sweep %s: %w", id, err)
		} else if n == 0 {
			return fmt.Errorf("%w: no sweep %q", ErrNotFound, id)
		}
		return nil
	})
}

// ReopenSweep sets a finished sweep back to running, for continuing it.
func (s *Store) ReopenSweep(ctx context.Context, id string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE sweeps SET status = 'running', finished_at = NULL WHERE id = ?", id)
		if err != nil {
			return fmt.Errorf("tracking: reopen sweep %s: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("tracking: reopen sweep %s: %w", id, err)
		} else if n == 0 {
			return fmt.Errorf("%w: no sweep %q", ErrNotFound, id)
		}
		return nil
	})
}
