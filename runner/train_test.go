package runner

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/exp-ml/exp/runner/eval"
)

// slow marks tests that train at full budget; CI runs the reduced versions.
func slow(t *testing.T) {
	if os.Getenv("EXP_SLOW") == "" {
		t.Skip("full-budget training; set EXP_SLOW=1 to run")
	}
}

func readExample(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../experiments/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRingGANCoversModes(t *testing.T) {
	src := readExample(t, "gan_ring.hcl")
	// Untrained, the generator's samples sit near the origin, far from
	// every mode of a ring of radius 2.
	tr := srcTrainer(t, src, nil)
	ds := tr.trainDS
	s := eval.ScoreMixture(tr.obj.(*gan).samples(2500, streamRand(1, "t"), nil), ds.Centers, ds.Std)
	if s.Modes != 0 {
		t.Fatalf("an untrained generator covers %d modes", s.Modes)
	}
	// Trained with each loss (the file says non_saturating).
	for _, loss := range []string{"non_saturating", "minimax"} {
		t.Run(loss, func(t *testing.T) {
			src := replaceOnce(t, src, `loss          = "non_saturating"`, `loss          = "`+loss+`"`)
			opts := testOptions(t)
			opts.MaxSteps = 2000
			run := runSrc(t, opts, src, nil)
			modes, hq := finalMetric(t, run, "eval/modes"), finalMetric(t, run, "eval/hq")
			t.Logf("%s, 2,000 steps: %v modes, %.1f%% high quality", loss, modes, 100*hq)
			if modes < 6 || hq < 0.2 {
				t.Fatalf("after 2,000 steps: %v modes, HQ %.2f; want >= 6 and >= 0.2", modes, hq)
			}
		})
	}
}

// The shipped ring experiment at its full budget, seeds 1–3 (issue 3).
func TestRingGANFullBudget(t *testing.T) {
	slow(t)
	src := readExample(t, "gan_ring.hcl")
	var modes, hq float64
	for seed := int64(1); seed <= 3; seed++ {
		p := compileSrc(t, replaceOnce(t, src, "seed        = 1", fmt.Sprintf("seed        = %d", seed)), nil)
		opts := testOptions(t)
		res, err := Run(context.Background(), p, opts)
		if err != nil {
			t.Fatal(err)
		}
		run, _ := opts.Store.Run(context.Background(), res.RunID)
		m, h := finalMetric(t, run, "eval/modes"), finalMetric(t, run, "eval/hq")
		t.Logf("seed %d: %v modes, %.1f%% HQ", seed, m, 100*h)
		modes += m / 3
		hq += h / 3
	}
	if modes < 7 || hq < 0.7 {
		t.Fatalf("mean over seeds 1-3: %.2f modes, %.2f HQ; want >= 7 and >= 0.7", modes, hq)
	}
}

func TestDivergenceFailsTheRun(t *testing.T) {
	opts := testOptions(t)
	src := replaceOnce(t, smallVAE, "lr     = 0.003", "lr     = 1e30")
	run := runSrc(t, opts, src, nil)
	if run.Status != "failed" || !strings.Contains(run.Error, "diverged") || !strings.Contains(run.Error, "at step") {
		t.Fatalf("status %q, error %q; want failed, naming the step", run.Status, run.Error)
	}
	t.Log(run.Error)
}
