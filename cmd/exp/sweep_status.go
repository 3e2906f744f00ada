package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/exp-ml/exp/runner"
	"github.com/exp-ml/exp/tracking"
)

// trialStatus is one line of exp sweep status.
type trialStatus struct {
	Trial    int       `json:"trial"`
	Job      string    `json:"job,omitempty"`
	Task     *int      `json:"task,omitempty"`
	Slurm    string    `json:"slurm,omitempty"` // the array task's state
	Run      string    `json:"run,omitempty"`
	Status   string    `json:"status"` // the run's status; "" without a run
	Step     int       `json:"step,omitempty"`
	Total    int       `json:"total,omitempty"`
	Target   *float64  `json:"target,omitempty"`
	Error    string    `json:"error,omitempty"`
	Where    string    `json:"where,omitempty"` // which database the run was read from
	priority int       // 2: the run is done; 1: it is not
	started  time.Time // the run's start
}

// lastSeen is the latest of a run's times: of two copies of a run, the
// one seen last is the newer.
func lastSeen(r *tracking.Run) time.Time {
	t := r.Started
	for _, u := range []time.Time{r.Heartbeat, r.Finished} {
		if u.After(t) {
			t = u
		}
	}
	return t
}

func runSweepStatus(ctx context.Context, env *Env, args []string) error {
	var c common
	fs := newFlags(env, "sweep status", "sweep status ID [--shared DIR] [--json]", &c, true)
	shared := fs.String("shared", ".", "the shared directory the sweep was submitted with (--backend slurm)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return badInput("sweep status takes one sweep id")
	}
	id := fs.Arg(0)
	var sw *tracking.Sweep
	var store *tracking.Store
	if _, err := os.Stat(c.db); err == nil {
		var err error
		if store, err = openStore(&c); err != nil {
			return err
		}
		defer store.Close()
		sw, err = store.Sweep(ctx, id)
		switch {
		case err == nil:
			id = sw.ID
		case errors.Is(err, tracking.ErrNotFound) && len(id) == 12:
		case errors.Is(err, tracking.ErrNotFound), errors.Is(err, tracking.ErrAmbiguous):
			return badInput("%v", err)
		default:
			return err
		}
	}
	dir, err := filepath.Abs(*shared)
	if err != nil {
		return err
	}
	paths := runner.NewSlurmPaths(dir, id)
	tasks, err := runner.SweepTasks(ctx, paths)
	if err != nil && tasks == nil {
		return err
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "exp: cannot ask Slurm about the sweep's jobs: %v\n", err)
	}
	if sw == nil && len(tasks) == 0 {
		return badInput("no sweep %s in %s and no Slurm submission of it under %s", id, c.db, paths.Sweep)
	}

	rows := map[int]*trialStatus{}
	row := func(trial int) *trialStatus {
		if rows[trial] == nil {
			rows[trial] = &trialStatus{Trial: trial}
		}
		return rows[trial]
	}
	target := ""
	if sw != nil {
		target = sw.Target
		for i := range sw.NTrials {
			row(i)
		}
	}
	active := map[int]bool{}
	for _, t := range tasks { // later submissions of a trial replace earlier ones
		r := row(t.Trial)
		task := t.Task
		r.Job, r.Task, r.Slurm = t.Job, &task, t.State
		if r.Slurm == "" {
			r.Slurm = "gone" // slurmctld has forgotten the job
		}
		active[t.Trial] = t.Active()
		if t.State == "RUNNING" {
			r.Step, r.Total, _ = runner.LogProgress(t.Log)
		}
	}
	// Every copy of every run of the sweep: a run merged into the main
	// database while it ran has a newer copy in its trial's database.
	type copyOf struct {
		run   *tracking.Run
		where string
	}
	copies := map[string]copyOf{}
	consider := func(runs []*tracking.Run, where string) {
		for _, run := range runs {
			if old, ok := copies[run.ID]; !ok || lastSeen(run).After(lastSeen(old.run)) {
				copies[run.ID] = copyOf{run, where}
			}
		}
	}
	if store != nil {
		runs, err := store.Runs(ctx, tracking.Filter{SweepID: id})
		if err != nil && !errors.Is(err, tracking.ErrNotFound) {
			return err
		}
		consider(runs, "main")
	}
	// A trial's own database is read only when its task is not running:
	// SQLite must not be read while another machine writes it over a
	// network filesystem.
	for trial := range rows {
		db := paths.TrialDB(trial)
		if active[trial] {
			continue
		}
		if _, err := os.Stat(db); err != nil {
			continue
		}
		ts, err := tracking.Open(db)
		if err != nil {
			return err
		}
		if target == "" {
			if tsw, err := ts.Sweep(ctx, id); err == nil {
				target = tsw.Target
			}
		}
		runs, err := ts.Runs(ctx, tracking.Filter{SweepID: id})
		ts.Close()
		if err != nil && !errors.Is(err, tracking.ErrNotFound) {
			return err
		}
		consider(runs, "trial db")
	}

	// A trial's row shows its newest done run, else its newest run.
	for _, cp := range copies {
		run := cp.run
		if run.TrialIndex < 0 {
			continue
		}
		r := row(run.TrialIndex)
		p := 1
		if runner.TrialDone(run.Status) {
			p = 2
		}
		if p < r.priority || p == r.priority && !run.Started.After(r.started) {
			continue
		}
		r.priority, r.started = p, run.Started
		r.Run, r.Status, r.Error, r.Where = run.ID, run.Status, run.Error, cp.where
		r.Target = nil
		if v, ok := run.Final[target]; ok && target != "" {
			r.Target = &v
		}
	}
	list := make([]*trialStatus, 0, len(rows))
	for _, r := range rows {
		list = append(list, r)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Trial < list[j].Trial })
	if c.json {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		out := map[string]any{"sweep": id, "trials": list}
		if sw != nil {
			out["status"] = sw.Status
		}
		return enc.Encode(out)
	}
	printSweepStatus(env, id, sw, target, list)
	return nil
}

func printSweepStatus(env *Env, id string, sw *tracking.Sweep, target string, list []*trialStatus) {
	counts := map[string]int{}
	slurm := map[string]int{}
	for _, r := range list {
		st := r.Status
		if st == "" {
			st = "not started"
		}
		counts[st]++
		if r.Slurm != "" {
			slurm[strings.ToLower(r.Slurm)]++
		}
	}
	head := fmt.Sprintf("sweep %s: %d trials", id, len(list))
	if sw != nil {
		head = fmt.Sprintf("sweep %s (%s, %s): %d trials", id, sw.Experiment, sw.Status, len(list))
	}
	fmt.Fprintf(env.Stdout, "%s; runs %s", head, countList(counts))
	if len(slurm) > 0 {
		fmt.Fprintf(env.Stdout, "; slurm tasks %s", countList(slurm))
	}
	fmt.Fprintln(env.Stdout)
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "trial\tjob\ttask\tslurm\trun\tstatus\tprogress\t%s\trecorded in\n", orDash(target))
	for _, r := range list {
		task, progress, val := "-", "-", "-"
		if r.Task != nil {
			task = fmt.Sprint(*r.Task)
		}
		if r.Total > 0 {
			progress = fmt.Sprintf("%d/%d", r.Step, r.Total)
		}
		if r.Target != nil {
			val = fmt.Sprintf("%.5g", *r.Target)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Trial, orDash(r.Job), task, orDash(r.Slurm),
			orDash(r.Run), orDash(r.Status), progress, val, orDash(r.Where))
	}
	tw.Flush()
	for _, r := range list {
		if r.Error != "" && r.Status != tracking.StatusCompleted {
			fmt.Fprintf(env.Stdout, "trial %d: %s\n", r.Trial, r.Error)
		}
	}
}

// countList writes counts as "2 completed, 1 running".
func countList(counts map[string]int) string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", counts[k], k)
	}
	return strings.Join(parts, ", ")
}
