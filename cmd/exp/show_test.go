package main

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/exp-ml/exp/tracking"
)

func TestShowText(t *testing.T) {
	f := newQueryFixture(t)
	out := f.mustExec("show", f.a[:6]) // a unique prefix names the run
	for _, want := range []string{
		"run " + f.a, "experiment", "vae", "completed", "seed", "duration", "2m30s",
		"tool version", "0.1.0-test", "go version", "go1.26.0", "vcs revision", "abc123def",
		"blas backend", "gonum", "threads", "testhost", "4242", "data checksum train", "feedface", "config hash",
		"samples/step_3.png",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	if got := strings.Fields(tableRow(t, out, "lr")); strings.Join(got, " ") != "lr 0.001" {
		t.Errorf("params line %q", got)
	}
	if got := strings.Fields(tableRow(t, out, "latent")); strings.Join(got, " ") != "latent 20" {
		t.Errorf("params line %q", got)
	}
	// train/loss went 3, 1.2, 1.5: final 1.5 at step 3, best 1.2 at step 2.
	if got := strings.Fields(tableRow(t, out, "train/loss")); strings.Join(got, " ") != "train/loss 1.5 3 1.2 2 3" {
		t.Errorf("train/loss line %q", got)
	}
	r, err := f.store.Run(context.Background(), f.a)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, r.Artifacts[0].SHA256) {
		t.Errorf("show lacks the artifact's sha256:\n%s", out)
	}
	if strings.Contains(out, "error") {
		t.Errorf("a completed run shows an error line:\n%s", out)
	}
}

func TestShowFailedRun(t *testing.T) {
	f := newQueryFixture(t)
	id := f.addRun(tracking.RunInfo{Experiment: "gan", Seed: 3}, map[string][]float64{"train/d_loss": {0.7, math.NaN()}})
	f.finish(id, tracking.StatusFailed, "diverged: train/d_loss is NaN at step 2")
	out := f.mustExec("show", id)
	if !strings.Contains(out, "diverged: train/d_loss is NaN at step 2") {
		t.Errorf("show lacks the error:\n%s", out)
	}
	// The final value is NaN; the best is the last finite one.
	if got := strings.Fields(tableRow(t, out, "train/d_loss")); strings.Join(got, " ") != "train/d_loss NaN 2 0.7 1 2" {
		t.Errorf("train/d_loss line %q", got)
	}
	var js ShowJSON
	if err := json.Unmarshal([]byte(f.mustExec("show", "--json", id)), &js); err != nil {
		t.Fatal(err)
	}
	if s := js.MetricSummaries["train/d_loss"]; s.Final != nil || s.Best != 0.7 {
		t.Errorf("JSON summary %+v, want final null, best 0.7", s)
	}
}

func TestShowJSON(t *testing.T) {
	f := newQueryFixture(t)
	out := f.mustExec("show", "--json", f.a)
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out)
	}
	for _, k := range []string{"id", "experiment", "status", "error", "seed", "params", "metrics", "artifacts", "provenance", "metric_summaries"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("show --json lacks %q", k)
		}
	}
	var js ShowJSON
	if err := json.Unmarshal([]byte(out), &js); err != nil {
		t.Fatal(err)
	}
	if js.ID != f.a || js.Metrics["train/loss"] != 1.5 || js.Params["lr"] != 0.001 {
		t.Errorf("run object %+v", js.RunJSON)
	}
	s := js.MetricSummaries["train/loss"]
	if s.Final != 1.5 || s.Best != 1.2 || s.BestStep == nil || *s.BestStep != 2 || s.SeriesLength != 3 {
		t.Errorf("train/loss summary %+v", s)
	}
	p := js.Provenance
	if p.ToolVersion != "0.1.0-test" || p.VCSRevision != "abc123def" || p.BLASBackend != "gonum" ||
		p.Threads != 2 || p.DataChecksums["train"] != "feedface" || p.ConfigHash == "" {
		t.Errorf("provenance %+v", p)
	}
	if js.DurationSeconds == nil || *js.DurationSeconds != 150 {
		t.Errorf("duration %v, want 150 s", js.DurationSeconds)
	}
}

func TestShowBadInput(t *testing.T) {
	f := newQueryFixture(t)
	for _, args := range [][]string{{"show"}, {"show", f.a, f.b}, {"show", "ffffffffffff"}, {"show", f.a[:3]}, {"show", "zz"}} {
		if code, _, _ := f.exec(args...); code != exitBadInput {
			t.Errorf("exp %v: status %d, want %d", args, code, exitBadInput)
		}
	}
	if code, _, errOut := execExp(t, "show", f.a, "--db", f.dir+"/nope.db"); code != exitBadInput || !strings.Contains(errOut, "no database") {
		t.Errorf("missing database: status %d, %q", code, errOut)
	}
}

func TestMetricGoal(t *testing.T) {
	for name, want := range map[string]int{
		"train/loss": goalMinimize, "test/neg_elbo": goalMinimize, "test/iwae_nll": goalMinimize,
		"eval/fid": goalMinimize, "eval/class_kl": goalMinimize, "train/kl": goalMinimize, "train/d_fake": goalMinimize,
		"test/accuracy": goalMaximize, "eval/modes": goalMaximize, "eval/hq": goalMaximize,
		"train/d_real": goalMaximize, "eval/parzen_ll": goalMaximize, "eval/cond_acc": goalMaximize,
		"custom/val_loss": goalMinimize, "wall/seconds": goalUnknown,
	} {
		if got := metricGoal(name); got != want {
			t.Errorf("metricGoal(%q) = %d, want %d", name, got, want)
		}
	}
}

func TestSummarize(t *testing.T) {
	ms := func(vs ...float64) []tracking.Metric {
		var out []tracking.Metric
		for i, v := range vs {
			out = append(out, tracking.Metric{Step: 10 * (i + 1), Value: v})
		}
		return out
	}
	s := summarize("eval/modes", ms(3, 8, math.NaN(), 6))
	if s.Final != 6 || s.FinalStep != 40 || !s.HasBest || s.Best != 8 || s.BestStep != 20 || s.Points != 4 {
		t.Errorf("modes: %+v", s)
	}
	s = summarize("train/loss", ms(math.Inf(-1), 2, 1))
	if s.Best != 1 || s.BestStep != 30 {
		t.Errorf("an infinite value won: %+v", s)
	}
	s = summarize("train/loss", ms(math.NaN()))
	if s.HasBest || !math.IsNaN(s.Final) {
		t.Errorf("all NaN: %+v", s)
	}
	if s := summarize("wall/seconds", ms(1, 2)); s.HasBest {
		t.Errorf("a metric of unknown direction has a best: %+v", s)
	}
}
