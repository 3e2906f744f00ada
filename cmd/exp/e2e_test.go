package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/exp-ml/exp/tracking"
)

// TestMain lets tests run exp in a child process: the test binary re-executed
// with EXP_CLI set runs Main on those arguments instead of the tests.
func TestMain(m *testing.M) {
	if args := os.Getenv("EXP_CLI"); args != "" {
		env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
		ctx, stop := signalContext()
		code := Main(ctx, env, strings.Split(args, "\x1f"))
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// exp runs a command in-process and returns its exit status and output.
func exp(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	code := Main(context.Background(), env, args)
	return code, out.String(), errb.String()
}

// child starts exp as a child process.
func child(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "EXP_CLI="+strings.Join(args, "\x1f"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const e2eVAE = `
experiment "e2e_vae" { seed = 4 }
data "mnist" "train" {
  split = "train"
  limit = 6000
}
model "encoder" {
  input "x" { shape = [784] }
  layer "dense" "h"      { units = 400 }
  layer "relu"  "h_act"  {}
  layer "dense" "mu"     { units = 10 }
  layer "dense" "logvar" {
    units = 10
    input = layer.h_act
  }
  output = [layer.mu, layer.logvar]
}
model "decoder" {
  input "z" { shape = [10] }
  layer "dense" "h"      { units = 400 }
  layer "relu"  "h_act"  {}
  layer "dense" "logits" { units = 784 }
}
objective "elbo" {
  encoder = model.encoder
  decoder = model.decoder
  data    = data.train
}
optimizer "adam" "all" {
  models = [model.encoder, model.decoder]
  lr     = 0.001
}
train {
  epochs           = 3
  batch_size       = 100
  log_every        = "5 steps"
  checkpoint_every = "10 steps"
}
evaluate {
  data    = data.train
  every   = "1 epoch"
  metrics = ["elbo", "samples"]
}
`

const e2eGAN = `
experiment "e2e_gan" { seed = 5 }
data "gaussian_mixture" "ring" {
  samples = 20000
}
model "generator" {
  input "z" { shape = [2] }
  layer "dense" "h1" { units = 128 }
  layer "relu"  "a1" {}
  layer "dense" "h2" { units = 128 }
  layer "relu"  "a2" {}
  layer "dense" "out" { units = 2 }
}
model "discriminator" {
  input "x" { shape = [2] }
  layer "dense" "h1" { units = 128 }
  layer "relu"  "a1" {}
  layer "dense" "h2" { units = 128 }
  layer "relu"  "a2" {}
  layer "dense" "logit" { units = 1 }
}
objective "gan" {
  generator     = model.generator
  discriminator = model.discriminator
  data          = data.ring
  d_steps       = 2
}
optimizer "adam" "g" {
  models = [model.generator]
  lr     = 0.001
  beta1  = 0.5
}
optimizer "adam" "d" {
  models = [model.discriminator]
  lr     = 0.001
  beta1  = 0.5
}
train {
  max_steps        = 1500
  batch_size       = 256
  log_every        = "10 steps"
  checkpoint_every = "37 steps"
}
evaluate {
  every   = "200 steps"
  metrics = ["modes", "hq", "samples"]
}
`

// runOne returns the store's single run.
func onlyRun(t *testing.T, db string) *tracking.Run {
	t.Helper()
	s, err := tracking.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runs, err := s.Runs(context.Background(), tracking.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 {
		return nil
	}
	return runs[0]
}

func series(t *testing.T, db, id string) map[string][]tracking.Metric {
	s, err := tracking.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m, err := s.AllSeries(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// maxStep is the newest step a run has logged, or -1.
func maxStep(t *testing.T, s *tracking.Store) int {
	runs, err := s.Runs(context.Background(), tracking.Filter{})
	if err != nil || len(runs) != 1 {
		return -1
	}
	all, err := s.AllSeries(context.Background(), runs[0].ID)
	if err != nil {
		return -1
	}
	m := -1
	for _, ser := range all {
		for _, p := range ser {
			m = max(m, p.Step)
		}
	}
	return m
}

// SIGKILL at random points of training, then resume, until the run
// completes: the result equals an uninterrupted run's bit for bit, with one
// metric row per (name, step) and the same final weights (issue 8). Each
// kill waits for a random step to be logged, then a random few
// milliseconds, so kills land anywhere: mid-step, mid-flush, mid-checkpoint.
func TestKilledRunsResumeBitForBit(t *testing.T) {
	const killsEach = 10
	total := 0
	for _, c := range []struct {
		name, src string
		steps     int
	}{{"vae", e2eVAE, 180}, {"gan", e2eGAN, 1500}} {
		dir := t.TempDir()
		file := writeFile(t, dir, c.name+".hcl", c.src)
		refDB, db := filepath.Join(dir, "ref.db"), filepath.Join(dir, "killed.db")
		runs := filepath.Join(dir, "runs")
		if code, _, stderr := exp(t, "run", file, "--db", refDB, "--runs-dir", runs, "--quiet"); code != 0 {
			t.Fatalf("%s reference run: exit %d\n%s", c.name, code, stderr)
		}
		ref := onlyRun(t, refDB)
		rng := rand.New(rand.NewPCG(uint64(len(c.name)), 9))
		kills, done := 0, false
		for attempt := 0; !done && attempt < 4*killsEach; attempt++ {
			args := []string{"run", file, "--db", db, "--runs-dir", runs, "--quiet"}
			if r := onlyRun(t, db); r != nil {
				args = []string{"resume", r.ID, "--db", db, "--runs-dir", runs, "--quiet"}
			}
			store, err := tracking.Open(db)
			if err != nil {
				t.Fatal(err)
			}
			from := max(maxStep(t, store), 0)
			target := from + 1 + rng.IntN(max(1, (c.steps-from)/(killsEach-kills+1)))
			cmd := child(t, args...)
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			killed := false
			for !killed && !done {
				select {
				case err := <-exited:
					if err != nil {
						t.Fatalf("%s: %v exited with %v", c.name, args[0], err)
					}
					done = true
				case <-time.After(20 * time.Millisecond):
					if kills < killsEach && maxStep(t, store) >= target {
						time.Sleep(time.Duration(rng.IntN(40)) * time.Millisecond)
						cmd.Process.Signal(syscall.SIGKILL)
						if err := <-exited; err == nil {
							done = true // it finished first
						} else {
							kills++
						}
						killed = true
					}
				}
			}
			store.Close()
		}
		if !done {
			t.Fatalf("%s: never completed", c.name)
		}
		total += kills
		got := onlyRun(t, db)
		if got.Status != "completed" {
			t.Fatalf("%s: status %s (%s)", c.name, got.Status, got.Error)
		}
		a, b := series(t, refDB, ref.ID), series(t, db, got.ID)
		for name, s := range b {
			for i := 1; i < len(s); i++ {
				if s[i].Step <= s[i-1].Step {
					t.Fatalf("%s: %s has steps %d then %d", c.name, name, s[i-1].Step, s[i].Step)
				}
			}
		}
		if d := firstDiff(a, b); d != "" {
			t.Fatalf("%s after %d kills: %s", c.name, kills, d)
		}
		if w1, w2 := weights(t, ref), weights(t, got); w1 != w2 {
			t.Fatalf("%s: final weights differ from the uninterrupted run's", c.name)
		}
		t.Logf("%s: %d kills with SIGKILL, resumed to a bit-identical run", c.name, kills)
	}
	if total < 2*killsEach {
		t.Fatalf("only %d kills landed; want %d", total, 2*killsEach)
	}
}

// firstDiff names the first metric value that differs, bit for bit.
func firstDiff(a, b map[string][]tracking.Metric) string {
	if len(a) != len(b) {
		return "different metric names"
	}
	for name, sa := range a {
		sb := b[name]
		if len(sa) != len(sb) {
			return name + ": different lengths"
		}
		for i := range sa {
			if sa[i].Step != sb[i].Step || sa[i].Value != sb[i].Value {
				b, _ := json.Marshal([]any{name, sa[i], sb[i]})
				return string(b)
			}
		}
	}
	return ""
}

// weights hashes a run's final checkpoint's tensors (its header names the
// run, so the file itself differs).
func weights(t *testing.T, r *tracking.Run) string {
	t.Helper()
	var latest tracking.Artifact
	for _, a := range r.Artifacts {
		if a.Kind == "checkpoint" && a.Step >= latest.Step {
			latest = a
		}
	}
	b, err := os.ReadFile(filepath.Join(r.RunDir, latest.Path))
	if err != nil {
		t.Fatal(err)
	}
	n := int(b[0]) | int(b[1])<<8 | int(b[2])<<16 | int(b[3])<<24
	return string(b[8+n:])
}
