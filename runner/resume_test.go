package runner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exp-ml/exp/graph"
	"github.com/exp-ml/exp/tracking"
)

// checkpointedVAE checkpoints every 7 steps so that interruptions land
// between checkpoints, mid-epoch and mid-window.
var checkpointedVAE = strings.Replace(smallVAE, "  batch_size = 50\n", "  batch_size = 50\n  checkpoint_every = \"7 steps\"\n", 1)

// finalCheckpoint reads a finished run's last checkpoint file.
func finalCheckpoint(t *testing.T, run *tracking.Run) []byte {
	t.Helper()
	path, err := latestCheckpoint(run)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestInterruptedRunResumesBitForBit(t *testing.T) {
	ctx := context.Background()
	opts := testOptions(t)
	sets := map[string]string{"epochs": "2"} // 80 steps
	ref := runSrc(t, opts, checkpointedVAE, sets)
	refSeries, _ := opts.Store.AllSeries(ctx, ref.ID)

	for _, stopAt := range []int{5, 40, 75} {
		p := compileSrc(t, checkpointedVAE, sets)
		cctx, cancel := context.WithCancel(ctx)
		stepOpts := opts
		stepOpts.Progress = func(step, total, epoch int, loss float64) {
			if step == stopAt {
				cancel()
			}
		}
		res, err := Run(cctx, p, stepOpts)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != tracking.StatusInterrupted {
			t.Fatalf("stop at %d: status %s", stopAt, res.Status)
		}
		res, err = Resume(ctx, res.RunID, opts)
		if err != nil {
			t.Fatal(err)
		}
		run, _ := opts.Store.Run(ctx, res.RunID)
		if run.Status != tracking.StatusCompleted {
			t.Fatalf("resumed run %s: %s", run.Status, run.Error)
		}
		series, _ := opts.Store.AllSeries(ctx, run.ID)
		if d := FirstDifference(refSeries, series); d != nil {
			t.Fatalf("stopped at step %d: first difference %+v", stopAt, *d)
		}
		if string(finalCheckpoint(t, ref)) != string(finalCheckpoint(t, run)) {
			// The metadata names the run; compare the weights instead.
			a, _, _ := readSafetensorsFile(t, ref)
			b, _, _ := readSafetensorsFile(t, run)
			for name, ta := range a {
				for i, v := range ta.Data {
					if b[name].Data[i] != v {
						t.Fatalf("stopped at step %d: %s[%d] = %v, uninterrupted %v", stopAt, name, i, b[name].Data[i], v)
					}
				}
			}
		}
	}
}

func readSafetensorsFile(t *testing.T, run *tracking.Run) (map[string]*graph.Tensor, map[string]string, error) {
	path, err := latestCheckpoint(run)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return readSafetensors(f)
}

func TestResumeRefusesATamperedCheckpoint(t *testing.T) {
	ctx := context.Background()
	opts := testOptions(t)
	p := compileSrc(t, checkpointedVAE, nil)
	cctx, cancel := context.WithCancel(ctx)
	opts2 := opts
	opts2.Progress = func(step, total, epoch int, loss float64) {
		if step == 10 {
			cancel()
		}
	}
	res, err := Run(cctx, p, opts2)
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	run, _ := opts.Store.Run(ctx, res.RunID)
	for _, a := range run.Artifacts {
		if a.Kind == "checkpoint" {
			path := filepath.Join(run.RunDir, a.Path)
			b, _ := os.ReadFile(path)
			b[len(b)-1] ^= 1
			os.WriteFile(path, b, 0o644)
		}
	}
	if _, err := Resume(ctx, run.ID, opts); err == nil || !strings.Contains(err.Error(), "no intact checkpoint") {
		t.Fatalf("resume of a tampered checkpoint: %v", err)
	}
}
