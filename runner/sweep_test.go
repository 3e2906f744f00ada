package runner

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/exp-ml/exp/dsl"
	"github.com/exp-ml/exp/tracking"
)

const sweepVAE = `
sweep {
  method   = "grid"
  parallel = 2
  values = {
    latent = [2, 4]
    lr     = [0.001, 0.003]
  }
}
`

// inProcess launches trials as in-process runs (exp launches child processes).
func inProcess(t *testing.T, opts Options, src string, launched *atomic.Int32) Launch {
	return func(ctx context.Context, sweepID string, tr dsl.Trial, threads int) error {
		launched.Add(1)
		e, diags := dsl.Parse("sweep.hcl", []byte(src), tr.Overrides)
		if diags.HasErrors() {
			return diags
		}
		e.Seed = tr.Seed
		p, diags := Compile(e, CompileOptions{})
		if diags.HasErrors() {
			return diags
		}
		o := opts
		o.SweepID, o.TrialIndex = sweepID, tr.Index
		_, err := Run(ctx, p, o)
		return err
	}
}

func TestGridSweepRunsEveryPointOnceAndResumes(t *testing.T) {
	ctx := context.Background()
	src := smallVAE + `variable "lr" { default = 0.003 }` + sweepVAE
	src = replaceOnce(t, src, "lr     = 0.003", "lr     = var.lr")
	src = replaceOnce(t, src, `variable "epochs" { default = 6 }`, `variable "epochs" { default = 1 }`)
	e, diags := dsl.Parse("sweep.hcl", []byte(src), nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	trials, diags := e.Expand()
	if diags.HasErrors() || len(trials) != 4 {
		t.Fatalf("%d trials, %v", len(trials), diags)
	}
	opts := testOptions(t)
	var launched atomic.Int32

	// Interrupt the sweep once two trials have started: the context is
	// cancelled, so the others never start.
	cctx, cancel := context.WithCancel(ctx)
	var started atomic.Int32
	so := SweepOptions{Store: opts.Store, Log: opts.Log, Parallel: 1, Launch: inProcess(t, opts, src, &launched),
		OnTrial: func(tr dsl.Trial, event string) {
			if event == "end" && started.Add(1) == 2 {
				cancel()
			}
		}}
	res, err := RunSweep(cctx, e, trials, so)
	if err != ErrInterrupted {
		t.Fatalf("interrupted sweep: %v", err)
	}
	first := launched.Load()
	if first != 2 {
		t.Fatalf("%d trials ran before the interruption, want 2", first)
	}
	// Sweeping the same file again runs exactly the missing trials.
	so.OnTrial, so.Parallel = nil, 2
	res2, err := RunSweep(ctx, e, trials, so)
	if err != nil {
		t.Fatal(err)
	}
	if res2.ID != res.ID || res2.Skipped != 2 || launched.Load() != 4 {
		t.Fatalf("resume: sweep %s vs %s, skipped %d, launched %d in all", res2.ID, res.ID, res2.Skipped, launched.Load())
	}
	runs, err := opts.Store.Runs(ctx, tracking.Filter{SweepID: res.ID})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range runs {
		if r.Status != tracking.StatusCompleted {
			t.Errorf("trial %d: %s", r.TrialIndex, r.Status)
		}
		seen[fmt.Sprint(r.Params["latent"], r.Params["lr"])] = true
	}
	if len(runs) != 4 || len(seen) != 4 {
		t.Fatalf("%d runs with %d distinct settings; want 4 and 4", len(runs), len(seen))
	}
	// A completed sweep swept again runs nothing.
	res3, err := RunSweep(ctx, e, trials, so)
	if err != nil || res3.Skipped != 4 || launched.Load() != 4 {
		t.Fatalf("completed sweep re-run: skipped %d, launched %d, %v", res3.Skipped, launched.Load(), err)
	}
	// Each trial's results equal a lone run of the same point.
	lone := runSrc(t, opts, src, trials[3].Overrides)
	for _, r := range runs {
		if r.TrialIndex == 3 {
			a, _ := opts.Store.AllSeries(ctx, r.ID)
			b, _ := opts.Store.AllSeries(ctx, lone.ID)
			if d := FirstDifference(a, b); d != nil {
				t.Fatalf("trial 3 differs from a lone run: %+v", *d)
			}
		}
	}
}

func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	i := strings.Index(s, old)
	if i < 0 {
		t.Fatalf("%q not found", old)
	}
	return s[:i] + new + s[i+len(old):]
}
