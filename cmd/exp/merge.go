package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/exp-ml/exp/runner"
	"github.com/exp-ml/exp/tracking"
)

const mergeHelp = `merge [--sweep ID [--shared DIR]] [FILES|DIRS...] [--db PATH] [--json]

Copies the runs, metrics and artifacts records of other exp databases into
--db. A folder stands for every .db file under it. Merging a file again
changes nothing. With --sweep and no files, the sweep's trial databases
under DIR/runs-db/sweep-ID (exp sweep --backend slurm) are merged, and the
sweep is closed when none of its Slurm tasks is still queued or running.`

// mergedFile is one merged database in exp merge --json.
type mergedFile struct {
	Path string `json:"path"`
	Runs int    `json:"runs"` // runs added or replaced
}

func runMerge(ctx context.Context, env *Env, args []string) error {
	var c common
	fs := newFlags(env, "merge", mergeHelp, &c, true)
	sweepArg := fs.String("sweep", "", "the sweep whose trial databases to merge (and to close when its array has ended)")
	shared := fs.String("shared", ".", "the shared directory the sweep was submitted with")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 && *sweepArg == "" {
		fs.Usage()
		return badInput("merge takes database files or folders, or --sweep ID")
	}
	store, err := openStore(&c)
	if err != nil {
		return err
	}
	defer store.Close()
	log := logger(env, &c)

	var id string
	var paths runner.SlurmPaths
	roots := fs.Args()
	if *sweepArg != "" {
		id = *sweepArg
		if sw, err := store.Sweep(ctx, id); err == nil {
			id = sw.ID
		} else if !errors.Is(err, tracking.ErrNotFound) || len(id) != 12 {
			return badInput("%v", err)
		}
		dir, err := filepath.Abs(*shared)
		if err != nil {
			return err
		}
		paths = runner.NewSlurmPaths(dir, id)
		if len(roots) == 0 {
			roots = []string{paths.DBs}
		}
	}
	// The files of tasks still queued or running are left alone: SQLite
	// must not be read while another machine writes it over a network
	// filesystem. Merge again when they end.
	skip := map[string]bool{}
	var active []string
	var aerr error
	if id != "" {
		var tasks []runner.TaskState
		if tasks, aerr = runner.SweepTasks(ctx, paths); aerr != nil {
			log.Warn().Err(aerr).Msg("cannot ask Slurm whether the sweep's tasks have ended; the sweep stays open")
		}
		for _, t := range tasks {
			if t.Active() {
				skip[paths.TrialDB(t.Trial)] = true
				if len(active) == 0 || active[len(active)-1] != t.Job {
					active = append(active, t.Job)
				}
			}
		}
	}
	var files []string
	for _, root := range roots {
		found, err := runner.TrialDBs(root)
		if err != nil {
			return badInput("%v", err)
		}
		for _, f := range found {
			if abs, err := filepath.Abs(f); err == nil && skip[abs] {
				log.Info().Str("file", f).Msg("not merged: its trial is still queued or running")
				continue
			}
			files = append(files, f)
		}
	}
	merged := []mergedFile{}
	total := 0
	for _, f := range files {
		n, err := store.Merge(ctx, f)
		if err != nil {
			return err
		}
		merged = append(merged, mergedFile{f, n})
		total += n
	}

	var runs []*tracking.Run
	var sw *tracking.Sweep
	if id != "" {
		var err error
		if sw, err = store.Sweep(ctx, id); err != nil {
			return fmt.Errorf("sweep %s is in none of the merged files: %w", id, err)
		}
		switch {
		case aerr != nil:
		case len(active) > 0:
			log.Info().Strs("jobs", active).Msg("the sweep's array is still queued or running; merge again when it ends")
		case sw.Status == tracking.StatusRunning:
			if err := runner.SettleSweep(ctx, store, id, sw.NTrials); err != nil {
				return err
			}
			if sw, err = store.Sweep(ctx, id); err != nil {
				return err
			}
		}
		if runs, err = runner.Ranked(ctx, store, id, sw.Target, sw.Goal); err != nil {
			return err
		}
	}

	if c.json {
		out := map[string]any{"files": merged, "runs_merged": total}
		if sw != nil {
			list := []RunJSON{}
			for _, r := range runs {
				list = append(list, runJSON(r))
			}
			out["sweep"], out["status"], out["runs"] = sw.ID, sw.Status, list
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	for _, m := range merged {
		fmt.Fprintf(env.Stdout, "%s: %d runs added or replaced\n", m.Path, m.Runs)
	}
	fmt.Fprintf(env.Stdout, "merged %d files into %s: %d runs added or replaced\n", len(merged), c.db, total)
	if sw != nil {
		fmt.Fprintf(env.Stdout, "sweep %s is %s\n", sw.ID, sw.Status)
		printRanked(env, sw.ID, runs, sw.Target)
	}
	return nil
}
