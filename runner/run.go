package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/rs/zerolog"

	"github.com/exp-ml/exp/dsl"
	"github.com/exp-ml/exp/graph"
	"github.com/exp-ml/exp/runner/data"
	"github.com/exp-ml/exp/tracking"
)

// Version is the tool's version, recorded with every run.
var Version = "0.1.0-dev"

// Options control one run.
type Options struct {
	Store   *tracking.Store
	RunsDir string // artifacts go to RunsDir/<run-id>/; default "runs"
	// Epochs and MaxSteps cut the file's budget when positive.
	Epochs, MaxSteps int
	Log              zerolog.Logger
	Progress         Progress
	SweepID          string
	TrialIndex       int // -1 outside a sweep
	Threads          int
}

// Result is the outcome of a run.
type Result struct {
	RunID  string
	Status string // completed, failed, interrupted, stopped (early stopping)
	Err    error
	// Compute is what this process's training loop did (nil when it never
	// started): for throughput figures, not stored with the run.
	Compute *Compute
}

// Compute measures a training loop: its steps, wall time (evaluation,
// logging and checkpoints included) and the GEMM operations it ran.
type Compute struct {
	Steps    int
	Seconds  float64
	GemmFlop float64
}

// DataError is a dataset that could not be loaded: the user's input is
// wrong, so no run was recorded.
type DataError struct{ Diags hcl.Diagnostics }

func (e *DataError) Error() string { return e.Diags.Error() }

// loadData loads the objective's training data and the evaluate block's data.
func loadData(e *dsl.Experiment) (train, evalDS *data.Dataset, err error) {
	load := func(name string) (*data.Dataset, error) {
		for _, d := range e.Data {
			if d.Name == name {
				ds, err := loadDataset(e, d)
				if err != nil {
					return nil, &DataError{hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot load dataset",
						Detail: err.Error(), Subject: d.DeclRange.Ptr()}}}
				}
				return ds, nil
			}
		}
		return nil, fmt.Errorf("no data block %q", name)
	}
	if train, err = load(e.Objective.Data); err != nil {
		return nil, nil, err
	}
	if e.Evaluate != nil {
		// Without a data attribute, evaluation uses the training data.
		if e.Evaluate.Data == "" || e.Evaluate.Data == e.Objective.Data {
			return train, train, nil
		}
		if evalDS, err = load(e.Evaluate.Data); err != nil {
			return nil, nil, err
		}
	}
	return train, evalDS, nil
}

func vcsRevision() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return ""
}

// Run trains a compiled experiment as a new run. A DataError means nothing
// was recorded; any other failure is recorded on the run.
func Run(ctx context.Context, p *Program, opts Options) (*Result, error) {
	e := p.Exp
	trainDS, evalDS, err := loadData(e)
	if err != nil {
		return nil, err
	}
	if opts.RunsDir == "" {
		opts.RunsDir = "runs"
	}
	host, _ := os.Hostname()
	sums := map[string]string{trainDS.Name: trainDS.Checksum}
	if evalDS != nil {
		sums[evalDS.Name] = evalDS.Checksum
	}
	params := e.Params()
	hash, err := tracking.ConfigHash(string(e.Source), params)
	if err != nil {
		return nil, err
	}
	id, err := opts.Store.CreateRun(context.WithoutCancel(ctx), tracking.RunInfo{
		Experiment: e.Name, Filename: absPath(e.Filename), Source: string(e.Source), ConfigHash: hash,
		Params: params, Seed: e.Seed, SweepID: opts.SweepID, TrialIndex: opts.TrialIndex,
		ToolVersion: Version, GoVersion: runtime.Version(), VCSRevision: vcsRevision(),
		BLASBackend: graph.BLASBackend(), Host: host, Threads: opts.Threads, PID: os.Getpid(),
		DataChecksums: sums,
	})
	if err != nil {
		return nil, err
	}
	runDir := filepath.Join(opts.RunsDir, id)
	t, err := newTrainer(p, opts, trainDS, evalDS)
	if err == nil {
		t.runID, t.runDir = id, runDir
		err = t.prepareDir(ctx)
	}
	if err != nil {
		return finish(ctx, opts, id, err)
	}
	t.begin()
	return t.finish(ctx, t.loop(ctx))
}

// begin starts the clock and the counters of a training loop.
func (t *trainer) begin() {
	t.start, t.startStep, t.startFlop = time.Now(), t.step, graph.GemmFlop()
}

// finish records the end of a trainer's loop, with its compute figures.
func (t *trainer) finish(ctx context.Context, loopErr error) (*Result, error) {
	steps, flop := t.step-t.startStep, float64(graph.GemmFlop()-t.startFlop)
	res, err := finish(ctx, t.opts, t.runID, loopErr)
	if res != nil {
		res.Compute = &Compute{Steps: steps, Seconds: time.Since(t.start).Seconds(), GemmFlop: flop}
	}
	return res, err
}

func (t *trainer) prepareDir(ctx context.Context) error {
	if err := os.MkdirAll(t.runDir, 0o755); err != nil {
		return err
	}
	if err := t.opts.Store.SetRunDir(context.WithoutCancel(ctx), t.runID, t.runDir); err != nil {
		return err
	}
	src := filepath.Join(t.runDir, "source.hcl")
	if err := os.WriteFile(src, t.p.Exp.Source, 0o644); err != nil {
		return err
	}
	return t.recordArtifact("source", "source.hcl")
}

// finish records the run's end and turns err into a status.
func finish(ctx context.Context, opts Options, id string, err error) (*Result, error) {
	res := &Result{RunID: id, Status: tracking.StatusCompleted, Err: err}
	msg := ""
	switch {
	case err == nil:
	case errors.Is(err, ErrInterrupted):
		res.Status, msg = tracking.StatusInterrupted, "interrupted by a signal; resume with: exp resume "+id
	case errors.Is(err, ErrStopped):
		res.Status, msg = tracking.StatusStopped, err.Error()
	default:
		res.Status, msg = tracking.StatusFailed, err.Error()
	}
	if ferr := opts.Store.FinishRun(context.WithoutCancel(ctx), id, res.Status, msg); ferr != nil {
		return res, ferr
	}
	return res, nil
}

// Resume continues an interrupted or killed run from its newest intact
// checkpoint; the result equals an uninterrupted run's, bit for bit.
func Resume(ctx context.Context, runID string, opts Options) (*Result, error) {
	store := opts.Store
	// A run left "running" by a process that died is interrupted, not live.
	if _, err := store.MarkStale(ctx, 0); err != nil {
		return nil, err
	}
	run, err := store.Run(ctx, runID)
	if err != nil {
		return nil, err
	}
	switch run.Status {
	case tracking.StatusInterrupted:
	case tracking.StatusRunning:
		return nil, fmt.Errorf("run %s is still running (process %d on %s)", run.ID, run.PID, run.Host)
	default:
		return nil, fmt.Errorf("run %s is %s; only interrupted runs resume", run.ID, run.Status)
	}
	p, err := recompile(run)
	if err != nil {
		return nil, err
	}
	e := p.Exp
	trainDS, evalDS, err := loadData(e)
	if err != nil {
		return nil, err
	}
	opts.SweepID, opts.TrialIndex = run.SweepID, run.TrialIndex
	t, err := newTrainer(p, opts, trainDS, evalDS)
	if err != nil {
		return nil, err
	}
	t.runID, t.runDir = run.ID, run.RunDir
	if t.runDir == "" { // killed before its folder was made
		if opts.RunsDir == "" {
			opts.RunsDir = "runs"
		}
		t.runDir = filepath.Join(opts.RunsDir, run.ID)
	}
	hasCheckpoint := false
	for _, a := range run.Artifacts {
		hasCheckpoint = hasCheckpoint || a.Kind == "checkpoint"
	}
	if hasCheckpoint {
		ckpt, err := latestCheckpoint(run)
		if err != nil {
			return nil, err
		}
		if err := t.loadCheckpoint(ckpt); err != nil {
			return nil, err
		}
	}
	// Without a checkpoint the run starts again from step 0: the fresh
	// trainer is exactly the one the run began with.
	host, _ := os.Hostname()
	if err := store.ReopenRun(ctx, run.ID, host, os.Getpid()); err != nil {
		return nil, err
	}
	if err := store.DeleteMetricsAfter(ctx, run.ID, t.step); err != nil {
		return nil, err
	}
	if !hasCheckpoint {
		if err := t.prepareDir(ctx); err != nil {
			return finish(ctx, opts, run.ID, err)
		}
	}
	opts.Log.Info().Str("run", run.ID).Int("step", t.step).Msg("resuming")
	t.begin()
	return t.finish(ctx, t.loop(ctx))
}

// absPath records a file so that later commands (resume, reproduce,
// sample) find its relative data paths from any directory.
func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// stringParams turns stored variable values back into --set strings.
func stringParams(params map[string]any) map[string]string {
	out := map[string]string{}
	for k, v := range params {
		out[k] = dsl.FormatValue(v)
	}
	return out
}
