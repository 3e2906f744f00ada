package runner

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/exp-ml/exp/dsl"
	"github.com/exp-ml/exp/tracking"
	"github.com/exp-ml/exp/tracking/trackingtest"
)

func TestJudgeASHA(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		name      string
		goal      string
		eta       int
		own       float64
		peers     []float64
		stop      bool
		threshold float64
		keep      int
	}{
		{"alone continues", "minimize", 3, 9, nil, false, 9, 1},
		{"fewer than eta: only the best continues", "minimize", 3, 2, []float64{1}, true, 1, 1},
		{"fewer than eta, best", "minimize", 3, 1, []float64{2}, false, 1, 1},
		{"top third of six", "minimize", 3, 2, []float64{1, 3, 4, 5, 6}, false, 2, 2},
		{"third of six", "minimize", 3, 3, []float64{1, 2, 4, 5, 6}, true, 2, 2},
		{"a tie at the cutoff continues", "minimize", 2, 2, []float64{1, 2, 3}, false, 2, 2},
		{"maximize", "maximize", 2, 0.8, []float64{0.9, 0.1, 0.2}, false, 0.8, 2},
		{"maximize, below", "maximize", 2, 0.2, []float64{0.9, 0.1, 0.8}, true, 0.8, 2},
		{"NaN is worst", "minimize", 2, nan, []float64{1e9, 1e10, 1e11}, true, 1e10, 2},
		{"a NaN peer ranks last", "minimize", 2, 1e9, []float64{nan, nan, 1}, false, 1e9, 2},
	} {
		stop, th, keep := judgeASHA(c.goal, c.eta, c.own, c.peers)
		if stop != c.stop || th != c.threshold || keep != c.keep {
			t.Errorf("%s: stop %v threshold %v keep %d; want %v %v %d", c.name, stop, th, keep, c.stop, c.threshold, c.keep)
		}
	}
}

func TestJudgeMedian(t *testing.T) {
	for _, c := range []struct {
		name   string
		goal   string
		own    float64
		peers  []float64
		stop   bool
		median float64
	}{
		{"odd", "minimize", 2.5, []float64{3, 1, 2}, true, 2},
		{"even: mean of the middle two", "minimize", 2.5, []float64{4, 1, 2, 3}, false, 2.5},
		{"maximize", "maximize", 0.5, []float64{0.9, 0.6, 0.1}, true, 0.6},
		{"one peer", "minimize", 7, []float64{6}, true, 6},
	} {
		stop, m := judgeMedian(c.goal, c.own, c.peers)
		if stop != c.stop || m != c.median {
			t.Errorf("%s: stop %v median %v; want %v %v", c.name, stop, m, c.stop, c.median)
		}
	}
	if stop, _ := judgeMedian("minimize", 1e9, nil); stop {
		t.Error("a trial without peers was stopped")
	}
}

func TestRungSteps(t *testing.T) {
	es := &dsl.EarlyStop{MinSteps: 10, Reduction: 3}
	var got []int
	for k := range 4 {
		got = append(got, rungStep(es, k))
	}
	if !slices.Equal(got, []int{10, 30, 90, 270}) {
		t.Fatalf("rungs %v", got)
	}
	if r := rungStep(&dsl.EarlyStop{Reduction: 2}, 3); r != 8 {
		t.Fatalf("min_steps 0: rung 3 at step %d, want 8", r)
	}
}

// handBuiltSweep records a sweep whose trials logged metric "m" at the
// given steps; it returns the sweep id and each trial's latest run id.
func handBuiltSweep(t *testing.T, store *tracking.Store, trials map[int][][2]float64, earlier map[int][][2]float64) (string, map[int]string) {
	t.Helper()
	ctx := context.Background()
	sweep, err := store.CreateSweep(ctx, tracking.SweepInfo{Experiment: "hand", Method: "grid", NTrials: len(trials)})
	if err != nil {
		t.Fatal(err)
	}
	record := func(trial int, points [][2]float64) string {
		id, err := store.CreateRun(ctx, tracking.RunInfo{Experiment: "hand", SweepID: sweep, TrialIndex: trial})
		if err != nil {
			t.Fatal(err)
		}
		var ms []tracking.Metric
		for _, p := range points {
			ms = append(ms, tracking.Metric{Name: "m", Step: int(p[0]), Value: p[1]})
			ms = append(ms, tracking.Metric{Name: "other", Step: int(p[0]) + 1000, Value: -1})
		}
		if err := store.LogMetrics(ctx, id, ms); err != nil {
			t.Fatal(err)
		}
		return id
	}
	for trial, points := range earlier { // attempts that a resumed sweep re-ran
		record(trial, points)
	}
	ids := map[int]string{}
	for trial := range len(trials) {
		ids[trial] = record(trial, trials[trial])
	}
	return sweep, ids
}

func TestEarlyStopDecisionFromAHandBuiltStore(t *testing.T) {
	ctx := context.Background()
	store := trackingtest.MustOpen(t)
	sweep, ids := handBuiltSweep(t, store, map[int][][2]float64{
		0: {{10, 5}, {20, 4}, {30, 3.5}, {40, 3}}, // completed
		1: {{10, 6}, {20, 5.5}},                   // stopped at 20
		2: {{10, 8}},                              // stopped at 10
		3: {{10, 7}, {20, 6.5}, {30, 6}},          // re-run after an interruption
		4: {{5, 9}, {15, 2}},                      // logs off the rungs
		5: {{10, 4.5}, {20, 5.2}},
		6: {{10, 4}, {20, 5.6}},
	}, map[int][][2]float64{
		3: {{10, 7}},   // the interrupted attempt of trial 3
		5: {{10, 4.5}}, // an earlier attempt of trial 5 itself
	})

	// Peers at a step: the latest value at or before it, from trials that
	// logged the metric at or after it, one per trial, never the trial itself.
	for _, c := range []struct {
		trial, step int
		want        []float64
	}{
		{5, 10, []float64{5, 6, 8, 7, 9, 4}},
		{5, 20, []float64{4, 5.5, 6.5, 5.6}},
		{5, 40, []float64{3}},
		{0, 15, []float64{6, 7, 2, 4.5, 4}},
	} {
		got, err := peerValues(ctx, store, sweep, c.trial, "m", c.step)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("trial %d step %d: peers %v, want %v", c.trial, c.step, got, c.want)
		}
	}

	asha := &dsl.EarlyStop{Metric: "m", Goal: "minimize", Method: "asha", MinSteps: 10, Reduction: 2}
	median := &dsl.EarlyStop{Metric: "m", Goal: "minimize", Method: "median", MinSteps: 10}
	for _, c := range []struct {
		name        string
		es          *dsl.EarlyStop
		trial, step int
		stop        bool
		threshold   float64
		compared    int
	}{
		// rung 1 holds 4.0, 5.2, 5.5, 5.6, 6.5: the best ⌊5/2⌋ = 2 continue.
		{"asha: among the best two", asha, 5, 20, false, 5.2, 5},
		{"asha: third of five", asha, 6, 20, true, 5.2, 5},
		// rung 0 holds seven trials: the best 3 (4, 4.5, 5) continue.
		{"asha: rung 0, third best", asha, 0, 10, false, 5, 7},
		{"asha: rung 0, fourth best", asha, 1, 10, true, 5, 7},
		{"median: worse", median, 2, 10, true, 5.5, 7},
		{"median: better", median, 0, 10, false, 6.5, 7},
	} {
		d, ok, err := judge(ctx, store, c.es, sweep, ids[c.trial], c.trial, c.step, 1)
		if err != nil || !ok {
			t.Fatalf("%s: ok %v, %v", c.name, ok, err)
		}
		if d.stop != c.stop || d.threshold != c.threshold || d.compared != c.compared {
			t.Errorf("%s: stop %v threshold %v compared %d; want %v %v %d", c.name, d.stop, d.threshold, d.compared, c.stop, c.threshold, c.compared)
		}
		if c.stop && !strings.Contains(d.String(), "m = ") {
			t.Errorf("%s: reason %q does not name the metric", c.name, d)
		}
	}
	// A trial without a value at or before the step is not judged.
	if _, ok, err := judge(ctx, store, asha, sweep, ids[4], 4, 4, 0); ok || err != nil {
		t.Fatalf("trial 4 judged at step 4 (its first value is at 5): ok %v, %v", ok, err)
	}
}

// sweepWithEarlyStop is a small VAE swept over one good and two hopeless
// learning rates, judged on the training loss logged every 10 steps.
func sweepWithEarlyStop(t *testing.T, method string) string {
	src := smallVAE + `variable "lr" { default = 0.003 }
sweep {
  method = "grid"
  target = "test/neg_elbo"
  values = { lr = [0.003, 0.00001, 0.000003] }
  early_stop {
    metric    = "train/neg_elbo"
    method    = "` + method + `"
    min_steps = 10
` + map[bool]string{true: "    reduction = 2\n", false: ""}[method == "asha"] + `  }
}
`
	src = replaceOnce(t, src, "lr     = 0.003", "lr     = var.lr")
	return replaceOnce(t, src, "batch_size = 50", "batch_size = 50\n  log_every  = \"10 steps\"")
}

func TestSweepStopsBadLearningRates(t *testing.T) {
	for _, method := range []string{"asha", "median"} {
		t.Run(method, func(t *testing.T) {
			ctx := context.Background()
			src := sweepWithEarlyStop(t, method)
			e, diags := dsl.Parse("sweep.hcl", []byte(src), nil)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			trials, diags := e.Expand()
			if diags.HasErrors() || len(trials) != 3 {
				t.Fatalf("%d trials, %v", len(trials), diags)
			}
			opts := testOptions(t)
			opts.MaxSteps = 60
			var launched atomic.Int32
			// One at a time, the good rate first: the decisions are then
			// the same on every run of the test.
			so := SweepOptions{Store: opts.Store, Log: opts.Log, Parallel: 1, Launch: inProcess(t, opts, src, &launched)}
			res, err := RunSweep(ctx, e, trials, so)
			if err != nil {
				t.Fatal(err)
			}
			runs, err := opts.Store.Runs(ctx, tracking.Filter{SweepID: res.ID, Sort: "trial"})
			if err != nil || len(runs) != 3 {
				t.Fatalf("%d runs, %v", len(runs), err)
			}
			if runs[0].Status != tracking.StatusCompleted {
				t.Fatalf("lr 0.003: %s %s", runs[0].Status, runs[0].Error)
			}
			for _, r := range runs[1:] {
				if r.Status != tracking.StatusStopped || !strings.HasPrefix(r.Error, "stopped early: ") ||
					!strings.Contains(r.Error, "step 10") || !strings.Contains(r.Error, "train/neg_elbo = ") {
					t.Fatalf("lr %v: status %s, error %q; want stopped at step 10", r.Params["lr"], r.Status, r.Error)
				}
				t.Logf("lr %v: %s", r.Params["lr"], r.Error)
				series, err := opts.Store.AllSeries(ctx, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				if s := series["train/neg_elbo"]; len(s) != 1 || s[0].Step != 10 {
					t.Fatalf("stopped trial logged %v", s)
				}
				if _, ok := series["test/neg_elbo"]; ok {
					t.Fatal("a stopped trial ran the final evaluation")
				}
			}
			// Stopping truncates: the stopped trial's numbers equal an
			// unswept run's up to the stop.
			lone := runSrc(t, opts, src, trials[1].Overrides)
			a, _ := opts.Store.AllSeries(ctx, runs[1].ID)
			b, _ := opts.Store.AllSeries(ctx, lone.ID)
			for name, s := range b {
				b[name] = slices.DeleteFunc(s, func(m tracking.Metric) bool { return m.Step > 10 })
				if len(b[name]) == 0 {
					delete(b, name)
				}
			}
			if d := FirstDifference(a, b); d != nil {
				t.Fatalf("stopped trial differs from a lone run: %+v", *d)
			}
			// Stopped trials count as done when the sweep is run again.
			res2, err := RunSweep(ctx, e, trials, so)
			if err != nil || res2.Skipped != 3 || launched.Load() != 3 {
				t.Fatalf("re-run: skipped %d, launched %d in all, %v", res2.Skipped, launched.Load(), err)
			}
			sw, err := opts.Store.Sweep(ctx, res.ID)
			if err != nil || sw.Status != tracking.StatusCompleted {
				t.Fatalf("sweep status %v, %v", sw, err)
			}
		})
	}
}
