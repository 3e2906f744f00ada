package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/exp-ml/exp/dsl"
	"github.com/exp-ml/exp/runner"
	"github.com/exp-ml/exp/tracking"
)

func runSweep(ctx context.Context, env *Env, args []string) error {
	var rf runFlags
	fs := addRunFlags(env, "sweep", "sweep FILE [--dry-run] [--parallel P] [--set NAME=VALUE]... [--json]", &rf)
	dry := fs.Bool("dry-run", false, "list the trials and their variables without running anything")
	parallel := fs.Int("parallel", 0, "trials at once (default: the file's)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return badInput("sweep takes one file")
	}
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
	target, goal := e.Sweep.Target, e.Sweep.Goal
	runs, rerr := runner.Ranked(context.WithoutCancel(ctx), store, res.ID, target, goal)
	if rerr != nil {
		return rerr
	}
	if rf.json {
		out := map[string]any{"sweep": res.ID, "runs": []RunJSON{}}
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
		printRanked(env, res.ID, runs, target)
	}
	if err != nil {
		return &runFailedError{msg: err.Error()}
	}
	for _, r := range runs {
		if r.Status != tracking.StatusCompleted {
			return &runFailedError{msg: fmt.Sprintf("trial %d (run %s) %s: %s", r.TrialIndex, r.ID, r.Status, r.Error)}
		}
	}
	return nil
}

// launchTrial runs one trial as `exp run` in a child process; its output
// goes to a log file beside the runs.
func launchTrial(ctx context.Context, exe, path, sweepID string, t dsl.Trial, threads int, rf *runFlags) error {
	args := []string{"run", path, "--db", rf.db, "--runs-dir", rf.runsDir, "--sweep-id", sweepID,
		"--trial", strconv.Itoa(t.Index), "--seed", strconv.FormatInt(t.Seed, 10), "--threads", strconv.Itoa(threads),
		"--quiet", "--log-format", "json", "--max-mem", strconv.FormatInt(rf.maxMem, 10)}
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
	cmd.Env = append(os.Environ(), "OPENBLAS_NUM_THREADS="+strconv.Itoa(threads))
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
