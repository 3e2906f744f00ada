package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/exp-ml/exp/graph"
	"github.com/exp-ml/exp/runner"
	"github.com/exp-ml/exp/tracking"
)

// runFlags are the flags of commands that train.
type runFlags struct {
	common
	sets     setFlags
	epochs   int
	maxSteps int
	maxMem   int64
	runsDir  string
	threads  int
	seed     int64
	sweepID  string // set by exp sweep for its trials
	trial    int
}

func addRunFlags(env *Env, name, usageLine string, rf *runFlags) *flag.FlagSet {
	rf.sets = setFlags{}
	fs := newFlags(env, name, usageLine, &rf.common, true)
	fs.Var(rf.sets, "set", "override a variable: --set NAME=VALUE (repeatable)")
	fs.IntVar(&rf.epochs, "epochs", 0, "train this many epochs instead of the file's")
	fs.IntVar(&rf.maxSteps, "max-steps", 0, "stop after this many steps")
	fs.Int64Var(&rf.maxMem, "max-mem", defaultMaxMem(), "refuse experiments estimated to need more bytes than this")
	fs.StringVar(&rf.runsDir, "runs-dir", "runs", "folder for run artifacts (runs/<id>/)")
	fs.IntVar(&rf.threads, "threads", 0, "threads for GEMMs and kernels (0: all cores)")
	fs.Int64Var(&rf.seed, "seed", -1, "replace the experiment's seed")
	fs.StringVar(&rf.sweepID, "sweep-id", "", "link the run to this sweep (used by exp sweep)")
	fs.IntVar(&rf.trial, "trial", -1, "the run's trial number in its sweep (used by exp sweep)")
	return fs
}

func runRun(ctx context.Context, env *Env, args []string) error {
	var rf runFlags
	fs := addRunFlags(env, "run", "run FILE [--set NAME=VALUE]... [--epochs N] [--max-steps N] [--json]", &rf)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return badInput("run takes one file")
	}
	_, p, err := compileFile(env, fs.Arg(0), rf.sets, rf.maxMem, rf.seed)
	if err != nil {
		return err
	}
	store, err := openStore(&rf.common)
	if err != nil {
		return err
	}
	defer store.Close()
	opts := rf.options(env, store)
	res, err := runner.Run(ctx, p, opts)
	return reportRun(ctx, env, &rf.common, store, res, err)
}

func (rf *runFlags) options(env *Env, store *tracking.Store) runner.Options {
	log := logger(env, &rf.common)
	if rf.threads > 0 {
		graph.SetThreads(rf.threads)
	}
	opts := runner.Options{Store: store, RunsDir: rf.runsDir, Epochs: rf.epochs, MaxSteps: rf.maxSteps,
		Log: log, SweepID: rf.sweepID, TrialIndex: rf.trial, Threads: graph.Threads()}
	if !rf.quiet && isTerminal(env.Stderr) {
		opts.Progress = progressBar(env)
	} else if !rf.quiet {
		last := time.Now()
		opts.Progress = func(step, total, epoch int, loss float64) {
			if time.Since(last) > 10*time.Second || step == total {
				last = time.Now()
				log.Info().Int("step", step).Int("total", total).Int("epoch", epoch).Float64("loss", loss).Msg("training")
			}
		}
	}
	return opts
}

// progressBar shows steps, ETA and the running loss on a terminal.
func progressBar(env *Env) runner.Progress {
	var bar *progressbar.ProgressBar
	var smooth float64
	return func(step, total, epoch int, loss float64) {
		if bar == nil {
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(env.Stderr),
				progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true),
				progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish(),
				progressbar.OptionSetWidth(30))
		}
		if step == 1 {
			smooth = loss
		}
		smooth = 0.95*smooth + 0.05*loss
		bar.Describe(fmt.Sprintf("epoch %d  loss %.4g", epoch+1, smooth))
		bar.Set(step)
	}
}

// reportRun prints a finished run (JSON or a line) and turns its status
// into the exit status.
func reportRun(ctx context.Context, env *Env, c *common, store *tracking.Store, res *runner.Result, err error) error {
	if err != nil {
		if de, ok := err.(*runner.DataError); ok {
			return &inputError{msg: de.Error()}
		}
		return err
	}
	run, err := store.Run(context.WithoutCancel(ctx), res.RunID)
	if err != nil {
		return err
	}
	if c.json {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		out := runJSON(run)
		out.Compute = computeJSON(res.Compute)
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		printRunLine(env, run)
	}
	// A trial stopped early by its sweep ended as planned.
	if res.Status != tracking.StatusCompleted && res.Status != tracking.StatusStopped {
		return &runFailedError{msg: fmt.Sprintf("run %s %s: %s", run.ID, run.Status, run.Error)}
	}
	return nil
}
