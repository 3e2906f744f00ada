package tracking

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// dump renders every row of every table (experiment ids replaced by names,
// since they differ between files) as sorted lines, for comparing states.
func dump(t *testing.T, s *Store) string {
	t.Helper()
	var lines []string
	for _, q := range []string{
		"SELECT 'experiment', name, created_at FROM experiments",
		"SELECT 'sweep', e.name, s.* FROM sweeps s JOIN experiments e ON e.id = s.experiment_id",
		"SELECT 'run', e.name, r.* FROM runs r JOIN experiments e ON e.id = r.experiment_id",
		"SELECT 'metric', * FROM metrics",
		"SELECT 'artifact', * FROM artifacts",
	} {
		rows, err := readRows(ctx, s.reader, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r[0] == "sweep" || r[0] == "run" {
				r[3] = nil // experiment_id
			}
			lines = append(lines, fmt.Sprint(r...))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// fillOther writes a second database as a Slurm job would: a sweep and two
// trials with metrics and artifacts, plus a run of another experiment.
func fillOther(t *testing.T, s *Store) (sweep string, runs []string) {
	t.Helper()
	sweep, err := s.CreateSweep(ctx, SweepInfo{Experiment: "gan", ConfigHash: "h", Method: "grid", Parallel: 2, NTrials: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		id := mustCreate(t, s, RunInfo{Experiment: "gan", SweepID: sweep, TrialIndex: i, Source: "src",
			Params: map[string]any{"lr": 0.1 * float64(i+1)}, DataChecksums: map[string]string{"train": "x"}})
		var ms []Metric
		for step := range 50 {
			ms = append(ms, Metric{Name: "train/g_loss", Step: step, Value: float64(i*100 + step), Wall: float64(step)})
		}
		if err := s.LogMetrics(ctx, id, ms); err != nil {
			t.Fatal(err)
		}
		if err := s.AddArtifact(ctx, id, Artifact{Kind: "samples", Path: "samples/0.png", SHA256: "ab", Step: 49}); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishRun(ctx, id, StatusCompleted, ""); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, id)
	}
	id := mustCreate(t, s, RunInfo{Experiment: "vae"})
	if err := s.LogMetrics(ctx, id, []Metric{{Name: "nan", Step: 1, Value: nan()}}); err != nil {
		t.Fatal(err)
	}
	runs = append(runs, id)
	if err := s.FinishSweep(ctx, sweep, StatusCompleted); err != nil {
		t.Fatal(err)
	}
	return sweep, runs
}

func TestMerge(t *testing.T) {
	dst := MustOpen(t)
	src := MustOpen(t)
	// Experiments created in another order, so their ids differ by file.
	mine := mustCreate(t, dst, RunInfo{Experiment: "zzz"})
	mustCreate(t, dst, RunInfo{Experiment: "vae"})
	sweep, runs := fillOther(t, src)

	n, err := dst.Merge(ctx, src.Path())
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("Merge copied %d runs, want 3", n)
	}
	for _, id := range runs {
		want, got := mustRun(t, src, id), mustRun(t, dst, id)
		if !sameRun(got, want) {
			t.Errorf("run %s after merge:\n%+v\nwant\n%+v", id, got, want)
		}
		ws, _ := src.AllSeries(ctx, id)
		gs, _ := dst.AllSeries(ctx, id)
		for name := range ws {
			if !sameMetrics(gs[name], ws[name]) {
				t.Errorf("run %s series %s differs after merge", id, name)
			}
		}
		if len(gs) != len(ws) {
			t.Errorf("run %s: %d series after merge, want %d", id, len(gs), len(ws))
		}
	}
	wsw, _ := src.Sweep(ctx, sweep)
	gsw, err := dst.Sweep(ctx, sweep)
	if err != nil || *gsw != *wsw {
		t.Errorf("sweep after merge: %+v, %v; want %+v", gsw, err, wsw)
	}
	if trials, _ := dst.Runs(ctx, Filter{SweepID: sweep}); len(trials) != 2 {
		t.Errorf("%d trials of the merged sweep", len(trials))
	}
	if all, _ := dst.Runs(ctx, Filter{}); len(all) != 5 {
		t.Errorf("%d runs after merge, want 5", len(all))
	}
	if r := mustRun(t, dst, mine); r.Experiment != "zzz" {
		t.Errorf("our own run changed: %+v", r)
	}
	integrityOK(t, dst)

	// Idempotent: merging again changes nothing, and neither file's content
	// changes by being read.
	before, srcBefore := dump(t, dst), dump(t, src)
	for range 2 {
		n, err = dst.Merge(ctx, src.Path())
		if err != nil || n != 0 {
			t.Errorf("second Merge: %d, %v; want 0, nil", n, err)
		}
	}
	if after := dump(t, dst); after != before {
		t.Errorf("second merge changed the database:\nbefore\n%s\nafter\n%s", before, after)
	}
	if after := dump(t, src); after != srcBefore {
		t.Error("merging changed the source database")
	}
}

func TestMergeConflicts(t *testing.T) {
	dst := MustOpen(t)
	src := MustOpen(t)
	now := t0
	clock := func() time.Time { return now }
	dst.Now, src.Now = clock, clock

	// The main file created the runs before the job ran them elsewhere
	// (same ids in both files).
	sweep, err := dst.CreateSweep(ctx, SweepInfo{ID: "5eeb00000000", Experiment: "gan", Method: "grid"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.CreateSweep(ctx, SweepInfo{ID: sweep, Experiment: "gan", Method: "grid"}); err != nil {
		t.Fatal(err)
	}
	const theirsNewer, oursNewer = "aaaa00000000", "bbbb00000000"
	for _, s := range []*Store{dst, src} {
		for _, id := range []string{theirsNewer, oursNewer} {
			mustCreate(t, s, RunInfo{ID: id, Experiment: "gan", SweepID: sweep, TrialIndex: 0})
		}
	}
	// Ours logged steps 0..9 of theirsNewer; the job got further, resumed
	// from step 5 and finished; its copy must win whole.
	log := func(s *Store, id string, from, to int, v float64) {
		var ms []Metric
		for step := from; step < to; step++ {
			ms = append(ms, Metric{Name: "loss", Step: step, Value: v})
		}
		if err := s.LogMetrics(ctx, id, ms); err != nil {
			t.Fatal(err)
		}
	}
	log(dst, theirsNewer, 0, 10, 1)
	log(src, theirsNewer, 0, 5, 2)
	now = t0.Add(time.Hour)
	if err := src.FinishRun(ctx, theirsNewer, StatusCompleted, ""); err != nil {
		t.Fatal(err)
	}
	if err := src.AddArtifact(ctx, theirsNewer, Artifact{Kind: "plot", Path: "p.png", SHA256: "x"}); err != nil {
		t.Fatal(err)
	}
	// For oursNewer, our copy is the later one.
	log(src, oursNewer, 0, 3, 2)
	if err := dst.FinishRun(ctx, oursNewer, StatusFailed, "ours"); err != nil {
		t.Fatal(err)
	}
	if err := src.FinishSweep(ctx, sweep, StatusCompleted); err != nil {
		t.Fatal(err)
	}

	n, err := dst.Merge(ctx, src.Path())
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("Merge replaced %d runs, want 1", n)
	}
	r := mustRun(t, dst, theirsNewer)
	if want := mustRun(t, src, theirsNewer); !sameRun(r, want) {
		t.Errorf("theirs-newer run after merge:\n%+v\nwant\n%+v", r, want)
	}
	if ms, _ := dst.Series(ctx, theirsNewer, "loss"); len(ms) != 5 || ms[4].Value != 2 {
		t.Errorf("theirs-newer series after merge: %v, want their 5 rows", ms)
	}
	r = mustRun(t, dst, oursNewer)
	if r.Status != StatusFailed || r.Error != "ours" || len(r.Final) != 0 {
		t.Errorf("ours-newer run after merge: %+v", r)
	}
	if w, _ := dst.Sweep(ctx, sweep); w.Status != StatusCompleted {
		t.Errorf("sweep status %s after merging its end", w.Status)
	}
	before := dump(t, dst)
	if n, err := dst.Merge(ctx, src.Path()); err != nil || n != 0 {
		t.Errorf("second merge: %d, %v", n, err)
	}
	if dump(t, dst) != before {
		t.Error("second merge changed the database")
	}
}

func TestMergeRefuses(t *testing.T) {
	s := MustOpen(t)
	if _, err := s.Merge(ctx, s.Path()); !errors.Is(err, ErrInvalid) {
		t.Errorf("merge into itself: %v, want ErrInvalid", err)
	}
	missing := filepath.Join(t.TempDir(), "missing.db")
	if _, err := s.Merge(ctx, missing); err == nil {
		t.Error("merging a missing file succeeded")
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("merging a missing file created it")
	}
	junk := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(junk, []byte("not a database"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Merge(ctx, junk); err == nil {
		t.Error("merging a non-database succeeded")
	}

	// A newer schema than ours is refused, not half-read.
	newer := filepath.Join(t.TempDir(), "newer.db")
	ms := append(wantMigrations(t), migration{len(wantMigrations(t)) + 1, "9999_future.sql", "CREATE TABLE future (x);"})
	o, err := open(ctx, newer, ms)
	if err != nil {
		t.Fatal(err)
	}
	o.Close()
	if _, err := s.Merge(ctx, newer); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "newer") {
		t.Errorf("merging a newer schema: %v", err)
	}
}

// sameRun compares runs, NaN final values included.
func sameRun(a, b *Run) bool {
	x, y := *a, *b
	fa, fb := x.Final, y.Final
	x.Final, y.Final = nil, nil
	if !reflect.DeepEqual(x, y) || len(fa) != len(fb) {
		return false
	}
	for k, v := range fa {
		w, ok := fb[k]
		if !ok || !(v == w || v != v && w != w) {
			return false
		}
	}
	return true
}

func nan() float64 { return math.NaN() }
