package runner

// The Slurm backend of sweeps: the pending trials go out as one job array
// whose task i runs `exp run` on one trial, writing its own SQLite file on
// shared storage (SQLite must not be shared over a network filesystem);
// the files are merged into the main database afterwards.
//
// Layout under the shared directory S, for sweep ID:
//
//	S/sweep-ID/job.sh               the sbatch script of the latest submission
//	S/sweep-ID/submissions.json     every submission: job id and its tasks' trials
//	S/sweep-ID/slurm-JOB_TASK.out   each array task's output
//	S/runs-db/sweep-ID/trial-N.db   trial N's own database
//	S/runs/RUN/                     the runs' artifacts

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/exp-ml/exp/dsl"
	"github.com/exp-ml/exp/tracking"
)

// SlurmOptions control a sweep submitted to Slurm.
type SlurmOptions struct {
	Store     *tracking.Store // the main database; nil on a dry run without one
	Log       zerolog.Logger
	Overrides map[string]string // the command line's --set values, part of the sweep's identity

	Exe    string // absolute path of the exp binary the tasks run
	Shared string // absolute path of the shared directory (see the layout above)
	Dir    string // absolute working directory of the tasks

	Partition   string // empty: the cluster's default
	Time        string // time limit per task, e.g. "01:00:00"; empty: the partition's
	CPUsPerTask int    // default 1; also the trial's BLAS threads
	Throttle    int    // at most this many tasks at once (--array=0-N%T); 0: no limit

	DryRun bool // write nothing and submit nothing
	Wait   bool // submit with sbatch --wait, then merge the trials' files

	// Args are exp's arguments for one trial, from "run" on, without
	// --threads (the script adds the task's CPU count).
	Args func(t dsl.Trial, sweepID, db, runsDir string) []string
}

// SlurmSubmission is what SubmitSlurm did.
type SlurmSubmission struct {
	SweepID string
	Job     string      // Slurm job id; empty on a dry run or with nothing to submit
	Script  string      // the sbatch script's text
	Path    string      // where the script was written
	Tasks   []dsl.Trial // array task i runs Tasks[i]
	Skipped int         // trials done before
	Merged  int         // runs merged after --wait
	// WaitErr is sbatch --wait's failure (a task exited non-zero); the
	// trials' own records say what happened to each.
	WaitErr error
}

// SlurmPaths are where a sweep's files go under the shared directory.
type SlurmPaths struct{ Sweep, DBs, Runs string }

// NewSlurmPaths lays out sweep id's files under shared.
func NewSlurmPaths(shared, id string) SlurmPaths {
	return SlurmPaths{Sweep: filepath.Join(shared, "sweep-"+id), DBs: filepath.Join(shared, "runs-db", "sweep-"+id),
		Runs: filepath.Join(shared, "runs")}
}

// TrialDB is trial n's own database.
func (p SlurmPaths) TrialDB(n int) string { return filepath.Join(p.DBs, fmt.Sprintf("trial-%d.db", n)) }

// placeholderID stands for the id a dry run would draw.
const placeholderID = "NEWSWEEPID00"

// SubmitSlurm submits the sweep's pending trials (not completed, not
// stopped) as one job array. Before that it merges what earlier
// submissions of the sweep left in their trials' files, so a resubmitted
// sweep runs only what is missing, with the same trial numbers. It refuses
// while an earlier submission of the sweep is still queued or running.
func SubmitSlurm(ctx context.Context, e *dsl.Experiment, trials []dsl.Trial, opts SlurmOptions) (*SlurmSubmission, error) {
	for _, p := range []string{opts.Exe, opts.Shared, opts.Dir} {
		if !filepath.IsAbs(p) {
			return nil, fmt.Errorf("slurm: %q is not an absolute path", p)
		}
	}
	if strings.ContainsAny(opts.Shared+opts.Dir, " \t\n\"'\\%") {
		return nil, fmt.Errorf("slurm: the shared and working directories must not contain spaces, quotes, backslashes or %%: %q, %q", opts.Shared, opts.Dir)
	}
	if opts.CPUsPerTask <= 0 {
		opts.CPUsPerTask = 1
	}
	if opts.Store == nil && !opts.DryRun {
		return nil, errors.New("slurm: a submission needs the main database")
	}
	sub := &SlurmSubmission{}
	var err error
	if opts.DryRun {
		sub.SweepID = placeholderID
		if opts.Store != nil {
			if sw, err := findSweep(ctx, opts.Store, e, opts.Overrides); err == nil {
				sub.SweepID = sw.ID
			} else if !errors.Is(err, tracking.ErrNotFound) {
				return nil, err
			}
		}
	} else if sub.SweepID, err = openSweep(ctx, opts.Store, e, len(trials), opts.Overrides, opts.Log); err != nil {
		return nil, err
	}
	paths := NewSlurmPaths(opts.Shared, sub.SweepID)
	if e.Sweep.EarlyStop != nil {
		opts.Log.Warn().Msg("early_stop compares trials through a shared database; under Slurm each trial has its own, so no trial is stopped early")
	}
	done := map[int]bool{}
	if !opts.DryRun {
		if active, err := ActiveJobs(ctx, paths); err != nil {
			return nil, err
		} else if len(active) > 0 {
			return nil, fmt.Errorf("sweep %s still has job %s queued or running; wait for it (exp sweep status %s) or scancel it",
				sub.SweepID, strings.Join(active, ", "), sub.SweepID)
		}
		if _, err := MergeSweepDBs(ctx, opts.Store, paths, opts.Log); err != nil {
			return nil, err
		}
		if done, err = completedTrials(ctx, opts.Store, sub.SweepID); err != nil {
			return nil, err
		}
	} else if opts.Store != nil && sub.SweepID != placeholderID {
		if done, err = completedTrials(ctx, opts.Store, sub.SweepID); err != nil {
			return nil, err
		}
	}
	for _, t := range trials {
		if done[t.Index] {
			sub.Skipped++
		} else {
			sub.Tasks = append(sub.Tasks, t)
		}
	}
	if len(sub.Tasks) == 0 {
		if !opts.DryRun {
			return sub, SettleSweep(ctx, opts.Store, sub.SweepID, len(trials))
		}
		return sub, nil
	}
	sub.Path = filepath.Join(paths.Sweep, "job.sh")
	sub.Script = slurmScript(e, opts, paths, sub)
	if opts.DryRun {
		return sub, nil
	}

	for _, d := range []string{paths.Sweep, paths.DBs, paths.Runs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	sw, err := opts.Store.Sweep(ctx, sub.SweepID)
	if err != nil {
		return nil, err
	}
	for _, t := range sub.Tasks {
		if err := prepareTrialDB(ctx, paths.TrialDB(t.Index), sw); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(sub.Path, []byte(sub.Script), 0o755); err != nil {
		return nil, err
	}
	if err := opts.Store.ReopenSweep(ctx, sub.SweepID); err != nil {
		return nil, err
	}
	if err := submit(ctx, sub, paths, opts); err != nil {
		if sub.Job == "" { // nothing went out: the sweep is not running
			SettleSweep(context.WithoutCancel(ctx), opts.Store, sub.SweepID, len(trials))
		}
		return sub, err
	}
	if !opts.Wait {
		return sub, nil
	}
	if sub.Merged, err = MergeSweepDBs(context.WithoutCancel(ctx), opts.Store, paths, opts.Log); err != nil {
		return sub, err
	}
	return sub, SettleSweep(context.WithoutCancel(ctx), opts.Store, sub.SweepID, len(trials))
}

// findSweep is the recorded sweep of this file and these overrides.
func findSweep(ctx context.Context, store *tracking.Store, e *dsl.Experiment, overrides map[string]string) (*tracking.Sweep, error) {
	hash, err := SweepIdentity(e, overrides)
	if err != nil {
		return nil, err
	}
	return store.FindSweep(ctx, hash)
}

// prepareTrialDB creates a trial's own database holding its sweep's
// record, which the trial's run links to; an existing one is kept.
func prepareTrialDB(ctx context.Context, path string, sw *tracking.Sweep) error {
	st, err := tracking.Open(path)
	if err != nil {
		return err
	}
	_, err = st.Sweep(ctx, sw.ID)
	if errors.Is(err, tracking.ErrNotFound) {
		_, err = st.CreateSweep(ctx, tracking.SweepInfo{ID: sw.ID, Experiment: sw.Experiment, Source: sw.Source,
			ConfigHash: sw.ConfigHash, Method: sw.Method, Target: sw.Target, Goal: sw.Goal,
			Parallel: sw.Parallel, NTrials: sw.NTrials})
	}
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("slurm: preparing %s: %w", path, err)
	}
	return nil
}

// SettleSweep ends a sweep of n trials: completed when every trial is done
// (completed or stopped), failed otherwise.
func SettleSweep(ctx context.Context, store *tracking.Store, id string, n int) error {
	done, err := completedTrials(ctx, store, id)
	if err != nil {
		return err
	}
	status := tracking.StatusCompleted
	for i := range n {
		if !done[i] {
			status = tracking.StatusFailed
		}
	}
	return store.FinishSweep(ctx, id, status)
}

// shellQuote quotes s for bash.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// slurmScript is the sbatch script: array task i runs sub.Tasks[i].
func slurmScript(e *dsl.Experiment, opts SlurmOptions, paths SlurmPaths, sub *SlurmSubmission) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/bash\n# exp sweep %s of %s (experiment %q), written by exp.\n", sub.SweepID, e.Filename, e.Name)
	fmt.Fprintf(&b, "# Array task i runs one trial and records it in its own database under\n# %s; exp merge --sweep %s gathers them.\n", paths.DBs, sub.SweepID)
	array := fmt.Sprintf("0-%d", len(sub.Tasks)-1)
	if opts.Throttle > 0 {
		array += fmt.Sprintf("%%%d", opts.Throttle)
	}
	fmt.Fprintf(&b, "#SBATCH --job-name=exp-%s\n", sub.SweepID)
	fmt.Fprintf(&b, "#SBATCH --array=%s\n", array)
	fmt.Fprintf(&b, "#SBATCH --output=%s\n", filepath.Join(paths.Sweep, "slurm-%A_%a.out"))
	fmt.Fprintf(&b, "#SBATCH --chdir=%s\n", opts.Dir)
	fmt.Fprintf(&b, "#SBATCH --cpus-per-task=%d\n", opts.CPUsPerTask)
	fmt.Fprintf(&b, "#SBATCH --ntasks=1\n")
	if opts.Time != "" {
		fmt.Fprintf(&b, "#SBATCH --time=%s\n", opts.Time)
	}
	if opts.Partition != "" {
		fmt.Fprintf(&b, "#SBATCH --partition=%s\n", opts.Partition)
	}
	b.WriteString("set -eu\nthreads=${SLURM_CPUS_PER_TASK:-1}\nexport OPENBLAS_NUM_THREADS=$threads\n")
	b.WriteString("case ${SLURM_ARRAY_TASK_ID:?this script runs as a Slurm array task} in\n")
	for i, t := range sub.Tasks {
		args := opts.Args(t, sub.SweepID, paths.TrialDB(t.Index), paths.Runs)
		q := []string{shellQuote(opts.Exe)}
		for _, a := range args {
			q = append(q, shellQuote(a))
		}
		fmt.Fprintf(&b, "%d) # trial %d\n  exec %s --threads \"$threads\" ;;\n", i, t.Index, strings.Join(q, " "))
	}
	b.WriteString("*) echo \"exp: array task $SLURM_ARRAY_TASK_ID has no trial\" >&2; exit 2 ;;\nesac\n")
	return b.String()
}

// submission is one sbatch of a sweep: its job id and the trial each array
// task runs.
type submission struct {
	Job       string    `json:"job"`
	Submitted time.Time `json:"submitted"`
	Trials    []int     `json:"trials"` // array task i runs trial Trials[i]
}

func readSubmissions(paths SlurmPaths) ([]submission, error) {
	b, err := os.ReadFile(filepath.Join(paths.Sweep, "submissions.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var subs []submission
	if err := json.Unmarshal(b, &subs); err != nil {
		return nil, fmt.Errorf("slurm: %s: %w", filepath.Join(paths.Sweep, "submissions.json"), err)
	}
	return subs, nil
}

func appendSubmission(paths SlurmPaths, s submission) error {
	subs, err := readSubmissions(paths)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(append(subs, s), "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(paths.Sweep, "submissions.json.tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(paths.Sweep, "submissions.json"))
}

// submit runs sbatch (with --wait, until the array ends) and records the job.
func submit(ctx context.Context, sub *SlurmSubmission, paths SlurmPaths, opts SlurmOptions) error {
	args := []string{"--parsable"}
	if opts.Wait {
		args = append(args, "--wait")
	}
	cmd := exec.CommandContext(ctx, "sbatch", append(args, sub.Path)...)
	cmd.Dir = opts.Dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("slurm: %w", err)
	}
	// --parsable prints "JOBID[;CLUSTER]" as soon as the job is queued.
	line, rerr := bufio.NewReader(out).ReadString('\n')
	job, _, _ := strings.Cut(strings.TrimSpace(line), ";")
	if _, err := strconv.Atoi(job); err != nil {
		io.Copy(io.Discard, out)
		werr := cmd.Wait()
		return fmt.Errorf("slurm: sbatch did not submit (%v, %v): %s", rerr, werr, strings.TrimSpace(stderr.String()))
	}
	sub.Job = job
	trials := make([]int, len(sub.Tasks))
	for i, t := range sub.Tasks {
		trials[i] = t.Index
	}
	if err := appendSubmission(paths, submission{Job: job, Submitted: time.Now().UTC(), Trials: trials}); err != nil {
		return err
	}
	opts.Log.Info().Str("sweep", sub.SweepID).Str("job", job).Int("tasks", len(sub.Tasks)).Str("script", sub.Path).Msg("submitted to slurm")
	io.Copy(io.Discard, out)
	err = cmd.Wait()
	if ctx.Err() != nil {
		return fmt.Errorf("%w while waiting for job %s; the array goes on: exp sweep status %s, then exp merge --sweep %s",
			ErrInterrupted, job, sub.SweepID, sub.SweepID)
	}
	if err != nil {
		sub.WaitErr = fmt.Errorf("sbatch --wait: %v %s", err, strings.TrimSpace(stderr.String()))
		opts.Log.Warn().Err(sub.WaitErr).Str("job", job).Msg("a task of the array failed")
	}
	return nil
}

// TrialDBs lists the .db files under root (a file is itself), sorted.
func TrialDBs(root string) ([]string, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return []string{root}, nil
	}
	var out []string
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".db") {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// MergeSweepDBs merges the sweep's trial files into store; it returns how
// many runs were added or replaced (0 when nothing changed).
func MergeSweepDBs(ctx context.Context, store *tracking.Store, paths SlurmPaths, log zerolog.Logger) (int, error) {
	files, err := TrialDBs(paths.DBs)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	total := 0
	for _, f := range files {
		n, err := store.Merge(ctx, f)
		if err != nil {
			return total, err
		}
		if n > 0 {
			log.Info().Str("file", f).Int("runs", n).Msg("merged")
		}
		total += n
	}
	return total, nil
}

// TaskState is what Slurm says of one array task.
type TaskState struct {
	Job      string // the array's job id
	Task     int
	Trial    int
	State    string // PENDING, RUNNING, COMPLETED, FAILED, ...; "" when Slurm has forgotten the job
	Reason   string
	RunTime  string
	ExitCode string
	Log      string // the task's output file
}

// Active reports whether the task is queued or running.
func (s TaskState) Active() bool {
	switch s.State {
	case "PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "RESIZING", "SUSPENDED":
		return true
	}
	return false
}

var scontrolField = regexp.MustCompile(`(\w+)=(\S*)`)

// parseScontrol reads `scontrol show job -o JOB` of an array: one line per
// task, pending tasks folded into one line with a range ("1-3%1").
func parseScontrol(out string) map[int]TaskState {
	states := map[int]TaskState{}
	for _, line := range strings.Split(out, "\n") {
		f := map[string]string{}
		for _, m := range scontrolField.FindAllStringSubmatch(line, -1) {
			if _, seen := f[m[1]]; !seen {
				f[m[1]] = m[2]
			}
		}
		ids, ok := f["ArrayTaskId"]
		if !ok {
			continue
		}
		for _, task := range expandRange(ids) {
			states[task] = TaskState{Task: task, State: f["JobState"], Reason: f["Reason"], RunTime: f["RunTime"], ExitCode: f["ExitCode"]}
		}
	}
	return states
}

// expandRange expands Slurm's "0,2,4-6%2" into 0 2 4 5 6.
func expandRange(s string) []int {
	s, _, _ = strings.Cut(s, "%")
	var out []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		for i := a; i <= b; i++ {
			out = append(out, i)
		}
	}
	return out
}

// parseSqueue reads `squeue -h -r -j JOB -o %K|%T|%M|%r`.
func parseSqueue(out string) map[int]TaskState {
	states := map[int]TaskState{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(line, "|")
		if len(f) != 4 {
			continue
		}
		task, err := strconv.Atoi(f[0])
		if err != nil {
			continue
		}
		states[task] = TaskState{Task: task, State: f[1], RunTime: f[2], Reason: f[3]}
	}
	return states
}

// jobStates asks slurmctld about an array: scontrol first (it remembers
// finished tasks for MinJobAge), then squeue (queued and running only).
// Tasks Slurm knows nothing of are absent.
func jobStates(ctx context.Context, job string) (map[int]TaskState, error) {
	if out, err := exec.CommandContext(ctx, "scontrol", "show", "job", "-o", job).Output(); err == nil {
		return parseScontrol(string(out)), nil
	}
	out, err := exec.CommandContext(ctx, "squeue", "-h", "-r", "-j", job, "-o", "%K|%T|%M|%r").Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return map[int]TaskState{}, nil // squeue exits 1 for a job it no longer knows
		}
		return nil, fmt.Errorf("slurm: squeue: %w", err)
	}
	return parseSqueue(string(out)), nil
}

// SweepTasks are the array tasks of every submission of the sweep, with
// what Slurm says of them now. When Slurm cannot be asked, the tasks come
// with State "unknown" and the error.
func SweepTasks(ctx context.Context, paths SlurmPaths) ([]TaskState, error) {
	subs, err := readSubmissions(paths)
	if err != nil {
		return nil, err
	}
	var out []TaskState
	var askErr error
	for _, s := range subs {
		states, err := jobStates(ctx, s.Job)
		if err != nil {
			askErr = err
		}
		for i, trial := range s.Trials {
			st, ok := states[i]
			if !ok && err != nil {
				st.State = "unknown"
			}
			st.Job, st.Task, st.Trial = s.Job, i, trial
			st.Log = filepath.Join(paths.Sweep, fmt.Sprintf("slurm-%s_%d.out", s.Job, i))
			out = append(out, st)
		}
	}
	return out, askErr
}

// ActiveJobs are the sweep's submissions with a task still queued or
// running; an error when Slurm cannot be asked.
func ActiveJobs(ctx context.Context, paths SlurmPaths) ([]string, error) {
	tasks, err := SweepTasks(ctx, paths)
	if err != nil {
		return nil, err
	}
	var jobs []string
	for _, t := range tasks {
		if t.Active() && (len(jobs) == 0 || jobs[len(jobs)-1] != t.Job) {
			jobs = append(jobs, t.Job)
		}
	}
	return jobs, nil
}

// LogProgress is the last training position a task's log shows, from the
// "training" lines exp run writes every few seconds (JSON log format).
func LogProgress(path string) (step, total int, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, false
	}
	defer f.Close()
	const tail = 64 << 10
	if fi, err := f.Stat(); err == nil && fi.Size() > tail {
		f.Seek(fi.Size()-tail, io.SeekStart)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var l struct {
			Message     string
			Step, Total int
		}
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Message == "training" && l.Total > 0 {
			step, total, ok = l.Step, l.Total, true
		}
	}
	return step, total, ok
}
