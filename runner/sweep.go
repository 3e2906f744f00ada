package runner

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"

	"github.com/rs/zerolog"

	"github.com/exp-ml/exp/dsl"
	"github.com/exp-ml/exp/tracking"
)

// Launch runs one trial to its end (in exp, as a child process running
// `exp run` with the trial's overrides), with the given BLAS thread count.
// A trial that fails is recorded as such by its run; Launch returns an error
// only when the trial could not be run at all.
type Launch func(ctx context.Context, sweepID string, t dsl.Trial, threads int) error

// SweepOptions control a sweep.
type SweepOptions struct {
	Store    *tracking.Store
	Log      zerolog.Logger
	Parallel int // overrides the file's parallel when positive
	Launch   Launch
	// OnTrial is told when a trial starts and ends (for a progress line).
	OnTrial func(t dsl.Trial, event string)
	// Overrides are the command line's --set values, part of the sweep's identity.
	Overrides map[string]string
}

// SweepResult lists a sweep's trials with their runs.
type SweepResult struct {
	ID      string
	Trials  []dsl.Trial
	Skipped int // trials that had completed before (a resumed sweep)
}

// SweepIdentity is the hash that recognises a sweep when the same file is
// swept again: its source and command-line overrides.
func SweepIdentity(e *dsl.Experiment, overrides map[string]string) (string, error) {
	params := map[string]any{}
	for k, v := range overrides {
		params[k] = v
	}
	return tracking.ConfigHash(string(e.Source), params)
}

// RunSweep runs every trial of e's sweep block that has not completed yet,
// P at a time, each an ordinary run linked to the sweep. Sweeping a file
// again continues its sweep; a completed sweep runs nothing.
func RunSweep(ctx context.Context, e *dsl.Experiment, trials []dsl.Trial, opts SweepOptions) (*SweepResult, error) {
	s := e.Sweep
	store := opts.Store
	id, err := openSweep(ctx, store, e, len(trials), opts.Overrides, opts.Log)
	if err != nil {
		return nil, err
	}
	done, err := completedTrials(ctx, store, id)
	if err != nil {
		return nil, err
	}
	res := &SweepResult{ID: id, Trials: trials}
	var pending []dsl.Trial
	for _, t := range trials {
		if done[t.Index] {
			res.Skipped++
		} else {
			pending = append(pending, t)
		}
	}
	parallel := s.Parallel
	if opts.Parallel > 0 {
		parallel = opts.Parallel
	}
	parallel = max(1, min(parallel, len(pending)))
	// P trials share the cores instead of each taking all of them.
	threads := max(1, runtime.NumCPU()/parallel)
	work := make(chan dsl.Trial)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for w := 0; w < parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range work {
				if ctx.Err() != nil {
					continue // interrupted: start nothing new
				}
				if opts.OnTrial != nil {
					opts.OnTrial(t, "start")
				}
				err := opts.Launch(ctx, id, t, threads)
				if opts.OnTrial != nil {
					opts.OnTrial(t, "end")
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("trial %d: %w", t.Index, err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, t := range pending {
		if ctx.Err() != nil {
			break
		}
		work <- t
	}
	close(work)
	wg.Wait()
	if ctx.Err() != nil {
		store.FinishSweep(context.WithoutCancel(ctx), id, tracking.StatusInterrupted)
		return res, ErrInterrupted
	}
	if firstErr != nil {
		store.FinishSweep(context.WithoutCancel(ctx), id, tracking.StatusFailed)
		return res, firstErr
	}
	return res, store.FinishSweep(ctx, id, tracking.StatusCompleted)
}

// openSweep returns the id of the sweep of this file and these overrides,
// recording it when it is new: sweeping a file again continues its sweep,
// whichever backend ran it before.
func openSweep(ctx context.Context, store *tracking.Store, e *dsl.Experiment, n int, overrides map[string]string, log zerolog.Logger) (string, error) {
	s := e.Sweep
	hash, err := SweepIdentity(e, overrides)
	if err != nil {
		return "", err
	}
	sw, err := store.FindSweep(ctx, hash)
	switch {
	case err == nil:
		log.Info().Str("sweep", sw.ID).Msg("continuing the sweep of this file")
		return sw.ID, nil
	case errors.Is(err, tracking.ErrNotFound):
		return store.CreateSweep(ctx, tracking.SweepInfo{Experiment: e.Name, Source: string(e.Source), ConfigHash: hash,
			Method: s.Method, Target: s.Target, Goal: s.Goal, Parallel: s.Parallel, NTrials: n})
	}
	return "", err
}

// completedTrials are the trial indexes of a sweep with a completed run or
// one stopped early: both are done.
func completedTrials(ctx context.Context, store *tracking.Store, sweepID string) (map[int]bool, error) {
	runs, err := store.Runs(ctx, tracking.Filter{SweepID: sweepID})
	if err != nil {
		return nil, err
	}
	done := map[int]bool{}
	for _, r := range runs {
		if TrialDone(r.Status) {
			done[r.TrialIndex] = true
		}
	}
	return done, nil
}

// TrialDone reports whether a trial's run with this status needs no
// re-running: it completed, or early stopping stopped it.
func TrialDone(status string) bool {
	return status == tracking.StatusCompleted || status == tracking.StatusStopped
}

// Ranked are a sweep's runs, best first on its target (runs without the
// metric last), for the closing table.
func Ranked(ctx context.Context, store *tracking.Store, sweepID, target, goal string) ([]*tracking.Run, error) {
	runs, err := store.Runs(ctx, tracking.Filter{SweepID: sweepID})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(runs, func(i, j int) bool {
		a, aok := runs[i].Final[target]
		b, bok := runs[j].Final[target]
		switch {
		case aok != bok:
			return aok
		case !aok:
			return runs[i].TrialIndex < runs[j].TrialIndex
		case goal == "maximize":
			return a > b
		}
		return a < b
	})
	return runs, nil
}
