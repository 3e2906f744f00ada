package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/exp-ml/exp/dsl"
	"github.com/exp-ml/exp/runner"
	"github.com/exp-ml/exp/tracking"
)

func runSweep(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 && args[0] == "status" {
		return runSweepStatus(ctx, env, args[1:])
	}
	var rf runFlags
	fs := addRunFlags(env, "sweep", "sweep FILE [--dry-run] [--parallel P] [--set NAME=VALUE]... [--json]\n"+
		"       exp sweep FILE --backend slurm [--partition P] [--time 01:00:00] [--shared DIR] [--wait] [--dry-run]\n"+
		"       exp sweep status ID [--shared DIR]", &rf)
	dry := fs.Bool("dry-run", false, "list the trials and their variables without running anything (slurm: and print the sbatch script)")
	parallel := fs.Int("parallel", 0, "trials at once (default: the file's; slurm: no limit unless given)")
	var sf slurmFlags
	fs.StringVar(&sf.backend, "backend", "local", "where the trials run: local (child processes) or slurm (one job array)")
	fs.StringVar(&sf.partition, "partition", "", "slurm: the partition (default: the cluster's)")
	fs.StringVar(&sf.time, "time", "01:00:00", "slurm: time limit of each trial")
	fs.StringVar(&sf.shared, "shared", ".", "slurm: shared directory for the trials' databases, artifacts and logs")
	fs.IntVar(&sf.cpus, "cpus-per-task", 1, "slurm: CPUs (and BLAS threads) of each trial")
	fs.BoolVar(&sf.wait, "wait", false, "slurm: wait for the array to end, merge the trials' databases and rank them")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return badInput("sweep takes one file")
	}
	if sf.backend != "local" && sf.backend != "slurm" {
		return badInput("--backend %q: want local or slurm", sf.backend)
	}
	if sf.backend == "local" {
		var slurmOnly []string
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "partition", "time", "shared", "cpus-per-task", "wait":
				slurmOnly = append(slurmOnly, "--"+f.Name)
			}
		})
		if len(slurmOnly) > 0 {
			return badInput("%s only apply to --backend slurm", strings.Join(slurmOnly, ", "))
		}
	}
	fs.Visit(func(f *flag.Flag) { sf.maxMemSet = sf.maxMemSet || f.Name == "max-mem" })
	sf.parallel = *parallel
	path := fs.Arg(0)
	e, _, err := compileFile(env, path, rf.sets, rf.maxMem, -1)
	if err != nil {
		return err
	}
	if e.Sweep == nil {
		return badInput("%s has no sweep block; use exp run", path)
	}
	trials, diags := e.Expand()
	if diags.HasErrors() {
		return printDiags(env, e, diags)
	}
	// Every trial must compile before any runs: a z_dim that breaks a shape
	// is the user's mistake, found now.
	for _, t := range trials {
		sets := map[string]string{}
		for k, v := range rf.sets {
			sets[k] = v
		}
		for k, v := range t.Overrides {
			sets[k] = v
		}
		if _, _, err := compileFile(env, path, sets, rf.maxMem, t.Seed); err != nil {
			fmt.Fprintf(env.Stderr, "exp: trial %d (%v) does not compile\n", t.Index, t.Values)
			return err
		}
	}
	if sf.backend == "slurm" {
		return runSlurmSweep(ctx, env, &rf, &sf, e, path, trials, *dry)
	}
	if *dry {
		return printTrials(env, &rf.common, trials)
	}
	store, err := openStore(&rf.common)
	if err != nil {
		return err
	}
	defer store.Close()
	log := logger(env, &rf.common)
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	var mu sync.Mutex
	started := time.Now()
	opts := runner.SweepOptions{Store: store, Log: log, Parallel: *parallel, Overrides: rf.sets,
		Launch: func(ctx context.Context, sweepID string, t dsl.Trial, threads int) error {
			return launchTrial(ctx, exe, path, sweepID, t, threads, &rf)
		},
		OnTrial: func(t dsl.Trial, event string) {
			mu.Lock()
			defer mu.Unlock()
			log.Info().Int("trial", t.Index).Str("event", event).Interface("values", t.Values).
				Int64("seed", t.Seed).Dur("elapsed", time.Since(started).Round(time.Second)).Msg("trial")
		}}
	res, err := runner.RunSweep(ctx, e, trials, opts)
	if res == nil {
		return err
	}
	if res.Skipped == len(trials) {
		log.Info().Str("sweep", res.ID).Msg("every trial of this sweep had completed already; nothing to run")
	}
	return printSweepEnd(ctx, env, &rf.common, store, e, res.ID, len(trials), nil, err)
}

// printSweepEnd prints the sweep's ranked runs (or its JSON, with extra
// keys) and turns a failed or missing trial of the n into status 1.
func printSweepEnd(ctx context.Context, env *Env, c *common, store *tracking.Store, e *dsl.Experiment, id string, n int, extra map[string]any, err error) error {
	target, goal := e.Sweep.Target, e.Sweep.Goal
	runs, rerr := runner.Ranked(context.WithoutCancel(ctx), store, id, target, goal)
	if rerr != nil {
		return rerr
	}
	if c.json {
		out := map[string]any{"sweep": id}
		for k, v := range extra {
			out[k] = v
		}
		list := []RunJSON{}
		for _, r := range runs {
			list = append(list, runJSON(r))
		}
		out["runs"] = list
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		printRanked(env, id, runs, target)
	}
	if err != nil {
		return &runFailedError{msg: err.Error()}
	}
	done := map[int]bool{}
	for _, r := range runs {
		done[r.TrialIndex] = done[r.TrialIndex] || runner.TrialDone(r.Status)
	}
	for _, r := range runs {
		if !done[r.TrialIndex] {
			return &runFailedError{msg: fmt.Sprintf("trial %d (run %s) %s: %s", r.TrialIndex, r.ID, r.Status, r.Error)}
		}
	}
	for i := range n {
		if !done[i] {
			return &runFailedError{msg: fmt.Sprintf("trial %d has no run", i)}
		}
	}
	return nil
}

// trialArgs are exp's arguments for one trial, from "run" on, without
// --threads: the same on every backend, so that trial i is the same run
// wherever it runs.
func trialArgs(path, db, runsDir, sweepID string, t dsl.Trial, rf *runFlags, maxMem bool) []string {
	args := []string{"run", path, "--db", db, "--runs-dir", runsDir, "--sweep-id", sweepID,
		"--trial", strconv.Itoa(t.Index), "--seed", strconv.FormatInt(t.Seed, 10), "--log-format", "json"}
	if maxMem {
		args = append(args, "--max-mem", strconv.FormatInt(rf.maxMem, 10))
	}
	if rf.epochs > 0 {
		args = append(args, "--epochs", strconv.Itoa(rf.epochs))
	}
	if rf.maxSteps > 0 {
		args = append(args, "--max-steps", strconv.Itoa(rf.maxSteps))
	}
	sets := map[string]string{}
	for k, v := range rf.sets {
		sets[k] = v
	}
	for k, v := range t.Overrides {
		sets[k] = v
	}
	keys := make([]string, 0, len(sets))
	for k := range sets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "--set", k+"="+sets[k])
	}
	return args
}

// launchTrial runs one trial as `exp run` in a child process; its output
// goes to a log file beside the runs.
func launchTrial(ctx context.Context, exe, path, sweepID string, t dsl.Trial, threads int, rf *runFlags) error {
	args := append(trialArgs(path, rf.db, rf.runsDir, sweepID, t, rf, true), "--threads", strconv.Itoa(threads), "--quiet")
	logDir := filepath.Join(rf.runsDir, "sweep-"+sweepID)
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return err
	}
	logFile, err := os.Create(filepath.Join(logDir, fmt.Sprintf("trial-%03d.log", t.Index)))
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return err
	}
	// On interruption, the child gets SIGINT: it checkpoints and records itself.
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		cmd.Process.Signal(os.Interrupt)
		err = <-done
	}
	if exit, ok := err.(*exec.ExitError); ok && exit.ExitCode() == exitFailed {
		return nil // the trial ran and recorded its failure
	}
	if err != nil {
		return fmt.Errorf("%v (see %s)", err, logFile.Name())
	}
	return nil
}

func printTrials(env *Env, c *common, trials []dsl.Trial) error {
	if c.json {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(trials)
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "trial\tseed\tvariables")
	for _, t := range trials {
		keys := make([]string, 0, len(t.Overrides))
		for k := range t.Overrides {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		vars := ""
		for _, k := range keys {
			vars += fmt.Sprintf("%s=%s ", k, t.Overrides[k])
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\n", t.Index, t.Seed, vars)
	}
	return tw.Flush()
}

func printRanked(env *Env, sweepID string, runs []*tracking.Run, target string) {
	fmt.Fprintf(env.Stdout, "sweep %s: %d runs", sweepID, len(runs))
	if target != "" {
		fmt.Fprintf(env.Stdout, ", ranked on %s", target)
	}
	fmt.Fprintln(env.Stdout)
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "rank\ttrial\trun\tstatus\ttarget\tparams")
	for i, r := range runs {
		val := "-"
		if v, ok := r.Final[target]; ok {
			val = fmt.Sprintf("%.5g", v)
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%v\n", i+1, r.TrialIndex, r.ID, r.Status, val, r.Params)
	}
	tw.Flush()
}

// slurmFlags are exp sweep's flags for the Slurm backend.
type slurmFlags struct {
	backend, partition, time, shared string
	cpus, parallel                   int
	wait, maxMemSet                  bool
}

// runSlurmSweep submits the sweep's pending trials as one Slurm job array
// (or, with --dry-run, prints the script); with --wait it merges the
// trials' databases when the array ends and ranks the runs.
func runSlurmSweep(ctx context.Context, env *Env, rf *runFlags, sf *slurmFlags, e *dsl.Experiment, path string, trials []dsl.Trial, dry bool) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	if exe, err = filepath.EvalSymlinks(exe); err != nil {
		return err
	}
	abs := func(p string) string {
		a, aerr := filepath.Abs(p)
		if aerr != nil && err == nil {
			err = aerr
		}
		return a
	}
	file, shared, cwd := abs(path), abs(sf.shared), abs(".")
	if err != nil {
		return err
	}
	log := logger(env, &rf.common)
	var store *tracking.Store
	if _, serr := os.Stat(rf.db); !dry || serr == nil { // a dry run creates no database
		if store, err = openStore(&rf.common); err != nil {
			return err
		}
		defer store.Close()
	}
	opts := runner.SlurmOptions{Store: store, Log: log, Overrides: rf.sets, Exe: exe, Shared: shared, Dir: cwd,
		Partition: sf.partition, Time: sf.time, CPUsPerTask: sf.cpus, Throttle: sf.parallel, DryRun: dry, Wait: sf.wait,
		Args: func(t dsl.Trial, sweepID, db, runsDir string) []string {
			return trialArgs(file, db, runsDir, sweepID, t, rf, sf.maxMemSet)
		}}
	sub, err := runner.SubmitSlurm(ctx, e, trials, opts)
	if err != nil && sub == nil {
		return err
	}
	tasks := make([]int, len(sub.Tasks))
	for i, t := range sub.Tasks {
		tasks[i] = t.Index
	}
	if dry {
		if rf.json {
			enc := json.NewEncoder(env.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(map[string]any{"sweep": sub.SweepID, "script": sub.Script, "path": sub.Path, "trials": sub.Tasks})
		}
		fmt.Fprintf(env.Stdout, "# sweep %s: %d trials, %d done, %d to submit", sub.SweepID, len(trials), sub.Skipped, len(sub.Tasks))
		if len(sub.Tasks) == 0 {
			fmt.Fprintln(env.Stdout, "; nothing to submit")
			return nil
		}
		fmt.Fprintf(env.Stdout, "\n# %s (dry run: not written, not submitted)\n%s\n", sub.Path, sub.Script)
		return printTrials(env, &rf.common, sub.Tasks)
	}
	if len(sub.Tasks) == 0 {
		log.Info().Str("sweep", sub.SweepID).Msg("every trial of this sweep had completed already; nothing to submit")
		return printSweepEnd(ctx, env, &rf.common, store, e, sub.SweepID, len(trials), nil, err)
	}
	if err != nil && (sub.Job == "" || errors.Is(err, runner.ErrInterrupted)) {
		return err // not submitted, or no longer waiting: nothing to rank
	}
	if sf.wait {
		return printSweepEnd(ctx, env, &rf.common, store, e, sub.SweepID, len(trials), map[string]any{"job": sub.Job}, err)
	}
	if rf.json {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"sweep": sub.SweepID, "job": sub.Job, "script": sub.Path, "trials": tasks})
	}
	fmt.Fprintf(env.Stdout, "sweep %s: submitted %d trials as Slurm job %s (%s)\n", sub.SweepID, len(sub.Tasks), sub.Job, sub.Path)
	fmt.Fprintf(env.Stdout, "progress:     exp sweep status %s --shared %s --db %s\n", sub.SweepID, shared, rf.db)
	fmt.Fprintf(env.Stdout, "when it ends: exp merge --sweep %s --shared %s --db %s\n", sub.SweepID, shared, rf.db)
	return nil
}
