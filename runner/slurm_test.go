package runner

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/exp-ml/exp/dsl"
	"github.com/exp-ml/exp/tracking"
	"github.com/exp-ml/exp/tracking/trackingtest"
)

// scontrolArray is `scontrol show job -o 7` of a 4-task array throttled to
// one task at a time, cut to the fields that matter, as slurmctld 22.05
// printed it: pending tasks fold into one line.
const scontrolArray = `JobId=7 ArrayJobId=7 ArrayTaskId=1-3%1 JobName=exp-abc UserId=root(0) JobState=PENDING Reason=JobArrayTaskLimit Dependency=(null) ExitCode=0:0 RunTime=00:00:00 TimeLimit=01:00:00 StdOut=/s/slurm-7_4294967294.out Power=
JobId=8 ArrayJobId=7 ArrayTaskId=0 JobName=exp-abc UserId=root(0) JobState=RUNNING Reason=None Dependency=(null) ExitCode=0:0 RunTime=00:00:01 TimeLimit=01:00:00 StdOut=/s/slurm-7_0.out Power=
`

func TestParseScontrol(t *testing.T) {
	got := parseScontrol(scontrolArray)
	if len(got) != 4 {
		t.Fatalf("%d tasks: %+v", len(got), got)
	}
	if s := got[0]; s.State != "RUNNING" || s.RunTime != "00:00:01" || !s.Active() {
		t.Errorf("task 0: %+v", s)
	}
	for _, i := range []int{1, 2, 3} {
		if s := got[i]; s.State != "PENDING" || s.Reason != "JobArrayTaskLimit" || !s.Active() {
			t.Errorf("task %d: %+v", i, s)
		}
	}
	done := parseScontrol("JobId=9 ArrayJobId=9 ArrayTaskId=1 JobState=FAILED Reason=NonZeroExitCode ExitCode=1:0\n")
	if s := done[1]; s.State != "FAILED" || s.ExitCode != "1:0" || s.Active() {
		t.Errorf("failed task: %+v", s)
	}
}

func TestParseSqueue(t *testing.T) {
	got := parseSqueue("1|PENDING|0:00|JobArrayTaskLimit\n0|RUNNING|0:01|None\n")
	if len(got) != 2 || got[1].State != "PENDING" || got[0].RunTime != "0:01" {
		t.Fatalf("%+v", got)
	}
}

func TestExpandRange(t *testing.T) {
	if got := expandRange("0,2,4-6%2"); !slices.Equal(got, []int{0, 2, 4, 5, 6}) {
		t.Fatalf("%v", got)
	}
}

func TestShellQuoteSurvivesBash(t *testing.T) {
	args := []string{"plain", "with space", "it's", `back\slash`, "$HOME", "a=b", "", `"`, "*"}
	var q []string
	for _, a := range args {
		q = append(q, shellQuote(a))
	}
	out, err := exec.Command("bash", "-c", `printf '%s\0' `+strings.Join(q, " ")).Output()
	if err != nil {
		t.Skipf("no bash: %v", err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if !slices.Equal(got, args) {
		t.Fatalf("bash read %q, want %q", got, args)
	}
}

const slurmSweepSrc = `
experiment "slurm_unit" { seed = 7 }
variable "lr" { default = 0.1 }
variable "units" { default = 4 }
data "gaussian_mixture" "ring" { samples = 100 }
model "generator" {
  input "z" { shape = [2] }
  layer "dense" "out" { units = 2 }
}
model "discriminator" {
  input "x" { shape = [2] }
  layer "dense" "h" { units = var.units }
  layer "dense" "logit" { units = 1 }
}
objective "gan" {
  generator     = model.generator
  discriminator = model.discriminator
  data          = data.ring
}
optimizer "adam" "g" {
  models = [model.generator]
  lr     = var.lr
}
optimizer "adam" "d" {
  models = [model.discriminator]
  lr     = var.lr
}
train {
  max_steps  = 5
  batch_size = 10
}
sweep {
  repeat = 2
  values = {
    lr    = [0.1, 0.2]
    units = [4]
  }
}
`

// The script maps array task i to the i-th pending trial: run for real
// with bash against a stand-in exp that prints its arguments, each trial's
// command line is the one the local backend uses, with the task's threads.
func TestSlurmScriptRunsThePendingTrials(t *testing.T) {
	ctx := context.Background()
	e, diags := dsl.Parse("sweep.hcl", []byte(slurmSweepSrc), nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	trials, diags := e.Expand()
	if diags.HasErrors() || len(trials) != 4 {
		t.Fatalf("%d trials, %v", len(trials), diags)
	}
	store := trackingtest.MustOpen(t)
	dir := t.TempDir()
	fake := filepath.Join(dir, "fake exp")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\nprintf '%s\\n' \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	opts := SlurmOptions{Store: store, Log: zerolog.New(io.Discard), Exe: fake, Shared: filepath.Join(dir, "shared"),
		Dir: dir, Time: "00:10:00", Partition: "debug", CPUsPerTask: 3, Throttle: 2, DryRun: true,
		Args: func(t dsl.Trial, sweepID, db, runsDir string) []string {
			return []string{"run", "f.hcl", "--db", db, "--runs-dir", runsDir, "--sweep-id", sweepID,
				"--trial", strconv.Itoa(t.Index), "--seed", strconv.FormatInt(t.Seed, 10), "--set", "lr=" + t.Overrides["lr"]}
		}}

	// Trial 1 completed in an earlier submission: the array holds 0, 2, 3.
	id, err := openSweep(ctx, store, e, len(trials), nil, opts.Log)
	if err != nil {
		t.Fatal(err)
	}
	run, err := store.CreateRun(ctx, tracking.RunInfo{Experiment: e.Name, SweepID: id, TrialIndex: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.FinishRun(ctx, run, tracking.StatusCompleted, ""); err != nil {
		t.Fatal(err)
	}
	sub, err := SubmitSlurm(ctx, e, trials, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sub.SweepID != id || sub.Skipped != 1 || len(sub.Tasks) != 3 || sub.Tasks[1].Index != 2 {
		t.Fatalf("sweep %s (want %s), skipped %d, tasks %+v", sub.SweepID, id, sub.Skipped, sub.Tasks)
	}
	for _, want := range []string{"#SBATCH --array=0-2%2\n", "#SBATCH --cpus-per-task=3\n", "#SBATCH --time=00:10:00\n",
		"#SBATCH --partition=debug\n", "#SBATCH --chdir=" + dir + "\n", "slurm-%A_%a.out"} {
		if !strings.Contains(sub.Script, want) {
			t.Errorf("script lacks %q:\n%s", want, sub.Script)
		}
	}
	if _, err := os.Stat(opts.Shared); !os.IsNotExist(err) {
		t.Fatalf("a dry run wrote %s (%v)", opts.Shared, err)
	}
	paths := NewSlurmPaths(opts.Shared, id)
	for task, trial := range sub.Tasks {
		cmd := exec.Command("bash", "-c", sub.Script)
		cmd.Env = append(os.Environ(), "SLURM_ARRAY_TASK_ID="+strconv.Itoa(task), "SLURM_CPUS_PER_TASK=3")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("task %d: %v\n%s", task, err, out)
		}
		want := opts.Args(trial, id, paths.TrialDB(trial.Index), paths.Runs)
		want = append(want, "--threads", "3")
		if got := strings.Split(strings.TrimSpace(string(out)), "\n"); !slices.Equal(got, want) {
			t.Errorf("task %d ran\n%q\nwant\n%q", task, got, want)
		}
	}
	cmd := exec.Command("bash", "-c", sub.Script)
	cmd.Env = append(os.Environ(), "SLURM_ARRAY_TASK_ID=3")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "has no trial") {
		t.Errorf("task 3 of 3: %v %s", err, out)
	}
}

// A trial's own database holds its sweep's record, so that its run can
// link to the sweep, and merging it twice into the main one adds the run
// once.
func TestTrialDatabasesMergeOnce(t *testing.T) {
	ctx := context.Background()
	store := trackingtest.MustOpen(t)
	id, err := store.CreateSweep(ctx, tracking.SweepInfo{Experiment: "x", Method: "grid", NTrials: 2, Target: "m"})
	if err != nil {
		t.Fatal(err)
	}
	sw, err := store.Sweep(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	paths := NewSlurmPaths(t.TempDir(), id)
	if err := os.MkdirAll(paths.DBs, 0o755); err != nil {
		t.Fatal(err)
	}
	for trial := range 2 {
		db := paths.TrialDB(trial)
		if err := prepareTrialDB(ctx, db, sw); err != nil {
			t.Fatal(err)
		}
		if err := prepareTrialDB(ctx, db, sw); err != nil { // a resubmission keeps it
			t.Fatal(err)
		}
		ts, err := tracking.Open(db)
		if err != nil {
			t.Fatal(err)
		}
		run, err := ts.CreateRun(ctx, tracking.RunInfo{Experiment: "x", SweepID: id, TrialIndex: trial})
		if err == nil {
			err = ts.LogMetrics(ctx, run, []tracking.Metric{{Name: "m", Step: 1, Value: float64(trial)}})
		}
		if err == nil {
			err = ts.FinishRun(ctx, run, tracking.StatusCompleted, "")
		}
		ts.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	log := zerolog.New(io.Discard)
	if n, err := MergeSweepDBs(ctx, store, paths, log); err != nil || n != 2 {
		t.Fatalf("first merge: %d runs, %v", n, err)
	}
	if n, err := MergeSweepDBs(ctx, store, paths, log); err != nil || n != 0 {
		t.Fatalf("second merge: %d runs, %v", n, err)
	}
	if err := SettleSweep(ctx, store, id, 2); err != nil {
		t.Fatal(err)
	}
	runs, err := store.Runs(ctx, tracking.Filter{SweepID: id})
	sw, _ = store.Sweep(ctx, id)
	if err != nil || len(runs) != 2 || sw.Status != tracking.StatusCompleted {
		t.Fatalf("%d runs, sweep %s, %v", len(runs), sw.Status, err)
	}
}

func TestLogProgress(t *testing.T) {
	p := filepath.Join(t.TempDir(), "task.out")
	log := `{"level":"info","step":10,"total":50,"message":"training"}
not json
{"level":"info","step":20,"total":50,"epoch":0,"loss":0.5,"message":"training"}
{"level":"info","metric":"eval/hq","value":1,"message":"evaluation"}
`
	if err := os.WriteFile(p, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	if step, total, ok := LogProgress(p); !ok || step != 20 || total != 50 {
		t.Fatalf("%d/%d %v", step, total, ok)
	}
	if _, _, ok := LogProgress(filepath.Join(t.TempDir(), "none")); ok {
		t.Fatal("progress from a missing file")
	}
}
