package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/exp-ml/exp/graph"
	"github.com/exp-ml/exp/tracking"
)

// slurmGAN is a small MLP GAN on a ring of Gaussians swept over two
// learning rates.
const slurmGAN = `
experiment "slurm_gan" { seed = 3 }
variable "lr" { default = 0.001 }
data "gaussian_mixture" "ring" {
  samples = 2000
}
model "generator" {
  input "z" { shape = [2] }
  layer "dense" "h1" { units = 32 }
  layer "relu"  "a1" {}
  layer "dense" "out" { units = 2 }
}
model "discriminator" {
  input "x" { shape = [2] }
  layer "dense" "h1" { units = 32 }
  layer "relu"  "a1" {}
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
  beta1  = 0.5
}
optimizer "adam" "d" {
  models = [model.discriminator]
  lr     = var.lr
  beta1  = 0.5
}
train {
  max_steps  = 400
  batch_size = 64
  log_every  = "10 steps"
}
evaluate {
  metrics = ["modes", "hq"]
}
sweep {
  target = "eval/hq"
  goal   = "maximize"
  values = { lr = [0.001, 0.003] }
}
`

func TestSlurmDryRunPrintsTheScriptAndSubmitsNothing(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "gan.hcl", slurmGAN)
	db, shared := filepath.Join(dir, "main.db"), filepath.Join(dir, "shared")
	code, out, errOut := exp(t, "sweep", file, "--backend", "slurm", "--dry-run", "--shared", shared, "--db", db,
		"--max-steps", "50", "--partition", "debug")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	self, _ = filepath.EvalSymlinks(self)
	for _, want := range []string{"#SBATCH --array=0-1\n", "#SBATCH --partition=debug\n", "#SBATCH --time=01:00:00\n",
		self + " run " + file, "runs-db/sweep-NEWSWEEPID00/trial-0.db", "runs-db/sweep-NEWSWEEPID00/trial-1.db",
		"--trial 1 --seed 3", "--max-steps 50", "--set lr=0.003", "--runs-dir " + shared + "/runs"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	for _, p := range []string{db, shared} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("a dry run wrote %s", p)
		}
	}
	if code, _, errOut := exp(t, "sweep", file, "--wait", "--db", db); code != exitBadInput || !strings.Contains(errOut, "--backend slurm") {
		t.Errorf("--wait without --backend slurm: exit %d, %s", code, errOut)
	}
}

// slurmUp skips the test unless a Slurm cluster answers here.
func slurmUp(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"sinfo", "sbatch", "scontrol"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no Slurm here (%s is not on PATH); .ci/slurm-up installs and starts a one-node cluster", tool)
		}
	}
	out, err := exec.Command("sinfo", "-h", "-o", "%T").CombinedOutput()
	states := strings.Fields(string(out))
	for _, s := range states {
		switch strings.TrimRight(s, "*~#!%$@^-") {
		case "idle", "mixed", "allocated", "completing":
			return
		}
	}
	t.Skipf("the Slurm cluster is down: sinfo says %q (%v); .ci/slurm-up starts it", strings.TrimSpace(string(out)), err)
}

// buildExp builds the exp binary the array tasks run, with this test
// binary's BLAS backend.
func buildExp(t *testing.T, dir string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	exe := filepath.Join(dir, "exp")
	args := []string{"build", "-o", exe}
	if strings.HasPrefix(graph.BLASBackend(), "openblas") {
		args = append(args, "-tags", "openblas")
	}
	cmd := exec.Command(goTool, append(args, "github.com/exp-ml/exp/cmd/exp")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return exe
}

// sweepSnapshot is everything the main database holds of a sweep's runs.
func sweepSnapshot(t *testing.T, db, sweep string) string {
	t.Helper()
	s, err := tracking.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	runs, err := s.Runs(ctx, tracking.Filter{SweepID: sweep, Sort: "trial"})
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]any{}
	for _, r := range runs {
		series, err := s.AllSeries(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		all[r.ID] = map[string]any{"run": r, "series": series}
	}
	sw, err := s.Sweep(ctx, sweep)
	if err != nil {
		t.Fatal(err)
	}
	all["sweep"] = sw
	b, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A 2-trial sweep goes through a real slurmctld/slurmd as one job array:
// each task writes its own database, sbatch --wait returns when the array
// ends, the trials are merged into the main database, and merging again
// changes nothing.
func TestSlurmSweepThroughARealCluster(t *testing.T) {
	slurmUp(t)
	dir := t.TempDir()
	exe := buildExp(t, dir)
	file := writeFile(t, dir, "gan.hcl", slurmGAN)
	db, shared := filepath.Join(dir, "main.db"), filepath.Join(dir, "shared")

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "sweep", file, "--backend", "slurm", "--wait", "--max-steps", "50",
		"--shared", shared, "--db", db, "--time", "00:10:00", "--json", "--log-format", "json")
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	t.Cleanup(func() { cancelJobs(t, shared) })
	if err != nil {
		t.Fatalf("exp sweep --backend slurm --wait: %v\n%s\n%s", err, out, stderr.String())
	}
	var res struct {
		Sweep string    `json:"sweep"`
		Job   string    `json:"job"`
		Runs  []RunJSON `json:"runs"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res.Job == "" || len(res.Runs) != 2 {
		t.Fatalf("job %q, %d runs:\n%s\n%s", res.Job, len(res.Runs), out, stderr.String())
	}

	s, err := tracking.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	ctxb := context.Background()
	runs, err := s.Runs(ctxb, tracking.Filter{SweepID: res.Sweep, Sort: "trial"})
	sw, serr := s.Sweep(ctxb, res.Sweep)
	s.Close()
	if err != nil || serr != nil {
		t.Fatal(err, serr)
	}
	if len(runs) != 2 || sw.Status != tracking.StatusCompleted {
		t.Fatalf("%d runs, sweep %s", len(runs), sw.Status)
	}
	lrs := map[float64]bool{}
	for i, r := range runs {
		if r.TrialIndex != i || r.Status != tracking.StatusCompleted || r.SweepID != res.Sweep {
			t.Errorf("trial %d: index %d, %s (%s), sweep %q", i, r.TrialIndex, r.Status, r.Error, r.SweepID)
		}
		if _, ok := r.Final["eval/hq"]; !ok {
			t.Errorf("trial %d has no eval/hq: %v", i, r.Final)
		}
		if !strings.HasPrefix(r.RunDir, filepath.Join(shared, "runs")) {
			t.Errorf("trial %d's artifacts in %s, not on the shared storage", i, r.RunDir)
		}
		lrs[r.Params["lr"].(float64)] = true
		// Each task wrote its own database, holding its trial only.
		ts, err := tracking.Open(filepath.Join(shared, "runs-db", "sweep-"+res.Sweep, "trial-"+strconv.Itoa(i)+".db"))
		if err != nil {
			t.Fatal(err)
		}
		own, err := ts.Runs(ctxb, tracking.Filter{})
		ts.Close()
		if err != nil || len(own) != 1 || own[0].ID != r.ID {
			t.Errorf("trial %d's own database: %d runs, %v", i, len(own), err)
		}
	}
	if !lrs[0.001] || !lrs[0.003] {
		t.Errorf("learning rates %v", lrs)
	}

	// Merging again changes nothing.
	before := sweepSnapshot(t, db, res.Sweep)
	code, mout, merr := exp(t, "merge", "--db", db, "--sweep", res.Sweep, "--shared", shared, "--json")
	if code != 0 {
		t.Fatalf("exp merge: exit %d: %s", code, merr)
	}
	var m struct {
		Files  []mergedFile `json:"files"`
		Merged int          `json:"runs_merged"`
	}
	if err := json.Unmarshal([]byte(mout), &m); err != nil {
		t.Fatalf("%v: %s", err, mout)
	}
	if len(m.Files) != 2 || m.Merged != 0 {
		t.Fatalf("second merge: %+v", m)
	}
	if after := sweepSnapshot(t, db, res.Sweep); after != before {
		t.Fatalf("a second merge changed the database:\n%s\n%s", before, after)
	}

	// exp sweep status reads Slurm and the databases.
	code, sout, serrOut := exp(t, "sweep", "status", res.Sweep, "--db", db, "--shared", shared, "--json")
	if code != 0 {
		t.Fatalf("exp sweep status: exit %d: %s", code, serrOut)
	}
	var st struct {
		Status string        `json:"status"`
		Trials []trialStatus `json:"trials"`
	}
	if err := json.Unmarshal([]byte(sout), &st); err != nil {
		t.Fatalf("%v: %s", err, sout)
	}
	if st.Status != tracking.StatusCompleted || len(st.Trials) != 2 {
		t.Fatalf("status %+v", st)
	}
	for _, tr := range st.Trials {
		if tr.Status != tracking.StatusCompleted || tr.Job != res.Job || (tr.Slurm != "COMPLETED" && tr.Slurm != "gone") {
			t.Errorf("trial %d: %+v", tr.Trial, tr)
		}
	}

	// Sweeping the file again submits nothing.
	again := exec.Command(exe, "sweep", file, "--backend", "slurm", "--wait", "--shared", shared, "--db", db, "--json")
	again.Dir = dir
	if out, err := again.Output(); err != nil || jobOf(t, out) != "" {
		t.Fatalf("re-sweep: %v %s", err, out)
	}
}

// jobOf is the "job" of exp sweep --json's output ("" when none).
func jobOf(t *testing.T, out []byte) string {
	t.Helper()
	var v struct {
		Job string `json:"job"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return v.Job
}

// cancelJobs cancels what a failed test left queued.
func cancelJobs(t *testing.T, shared string) {
	matches, _ := filepath.Glob(filepath.Join(shared, "sweep-*", "submissions.json"))
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			continue
		}
		var subs []struct{ Job string }
		if json.Unmarshal(b, &subs) != nil {
			continue
		}
		for _, s := range subs {
			exec.Command("scancel", s.Job).Run()
		}
	}
}

// trialDB writes a database holding sweep sw's record and one finished run
// of the trial, as an array task leaves it.
func trialDB(t *testing.T, path string, sw *tracking.Sweep, trial int, status string, value float64) string {
	t.Helper()
	ctx := context.Background()
	s, err := tracking.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.CreateSweep(ctx, tracking.SweepInfo{ID: sw.ID, Experiment: sw.Experiment, Method: sw.Method,
		Target: sw.Target, Goal: sw.Goal, NTrials: sw.NTrials}); err != nil {
		t.Fatal(err)
	}
	id, err := s.CreateRun(ctx, tracking.RunInfo{Experiment: sw.Experiment, SweepID: sw.ID, TrialIndex: trial,
		Params: map[string]any{"lr": float64(trial)}})
	if err == nil {
		err = s.LogMetrics(ctx, id, []tracking.Metric{{Name: "eval/hq", Step: 5, Value: value}})
	}
	if err == nil {
		err = s.FinishRun(ctx, id, status, "")
	}
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// exp merge --sweep gathers a sweep's trial files from the shared folder,
// closes the sweep, and a second merge adds nothing; exp sweep status
// shows each trial from whichever database holds it.
func TestMergeAndStatusWithoutACluster(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, shared := filepath.Join(dir, "main.db"), filepath.Join(dir, "shared")
	main, err := tracking.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	id, err := main.CreateSweep(ctx, tracking.SweepInfo{Experiment: "m", Method: "grid", Target: "eval/hq", Goal: "maximize", NTrials: 3})
	if err != nil {
		t.Fatal(err)
	}
	sw, err := main.Sweep(ctx, id)
	main.Close()
	if err != nil {
		t.Fatal(err)
	}
	dbs := filepath.Join(shared, "runs-db", "sweep-"+id)
	if err := os.MkdirAll(dbs, 0o755); err != nil {
		t.Fatal(err)
	}
	trialDB(t, filepath.Join(dbs, "trial-0.db"), sw, 0, tracking.StatusCompleted, 0.5)
	trialDB(t, filepath.Join(dbs, "trial-1.db"), sw, 1, tracking.StatusCompleted, 0.9)

	// Before any merge, status reads the trials' own files.
	code, out, errOut := exp(t, "sweep", "status", id[:6], "--db", db, "--shared", shared)
	if code != 0 || !strings.Contains(out, "sweep "+id+" (m, running): 3 trials; runs 2 completed, 1 not started") ||
		strings.Count(out, "trial db") != 2 {
		t.Fatalf("status before the merge: exit %d\n%s%s", code, out, errOut)
	}

	code, out, errOut = exp(t, "merge", "--db", db, "--sweep", id, "--shared", shared)
	if code != 0 || !strings.Contains(out, "merged 2 files into "+db+": 2 runs added or replaced") ||
		!strings.Contains(out, "sweep "+id+" is failed") { // trial 2 never ran
		t.Fatalf("first merge: exit %d\n%s%s", code, out, errOut)
	}
	before := sweepSnapshot(t, db, id)
	code, out, errOut = exp(t, "merge", "--db", db, dbs)
	if code != 0 || !strings.Contains(out, ": 0 runs added or replaced\n") {
		t.Fatalf("second merge: exit %d\n%s%s", code, out, errOut)
	}
	if after := sweepSnapshot(t, db, id); after != before {
		t.Fatalf("a second merge changed the database:\n%s\n%s", before, after)
	}

	code, out, errOut = exp(t, "sweep", "status", id, "--db", db, "--shared", shared, "--json")
	var st struct {
		Trials []trialStatus `json:"trials"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || len(st.Trials) != 3 {
		t.Fatalf("status: exit %d\n%s%s", code, out, errOut)
	}
	if tr := st.Trials[1]; tr.Status != tracking.StatusCompleted || tr.Where != "main" || tr.Target == nil || *tr.Target != 0.9 {
		t.Errorf("trial 1: %+v", tr)
	}
	if tr := st.Trials[2]; tr.Status != "" || tr.Run != "" {
		t.Errorf("trial 2 never ran: %+v", tr)
	}

	if code, _, errOut := exp(t, "merge", "--db", db, filepath.Join(dir, "none.db")); code != exitBadInput {
		t.Errorf("merging a missing file: exit %d, %s", code, errOut)
	}
	if code, _, errOut := exp(t, "sweep", "status", "abcdef", "--db", db); code != exitBadInput {
		t.Errorf("status of an unknown sweep: exit %d, %s", code, errOut)
	}
}
