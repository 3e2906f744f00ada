package tracking

import (
	"errors"
	"math"
	"reflect"
	"testing"
)

// sameMetrics compares series treating NaN as equal to NaN.
func sameMetrics(a, b []Metric) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if math.IsNaN(x.Value) && math.IsNaN(y.Value) {
			x.Value, y.Value = 0, 0
		}
		if x != y {
			return false
		}
	}
	return true
}

func countRows(t *testing.T, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.reader.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLogMetricsRoundTrip(t *testing.T) {
	s := MustOpen(t)
	id := mustCreate(t, s, RunInfo{Experiment: "e"})
	logged := []Metric{
		{Name: "train/loss", Step: 3, Epoch: 0, Value: 1.5, Wall: 0.25},
		{Name: "train/loss", Step: 1, Epoch: 0, Value: 2.5, Wall: 0.125},
		{Name: "train/loss", Step: 2, Epoch: 0, Value: math.NaN(), Wall: 0.2},
		{Name: "train/loss", Step: 4, Epoch: 1, Value: math.Inf(1), Wall: 0.3},
		{Name: "test/neg_elbo", Step: 4, Epoch: 1, Value: -math.MaxFloat64, Wall: 1e-9},
	}
	if err := s.LogMetrics(ctx, id, logged); err != nil {
		t.Fatal(err)
	}
	got, err := s.Series(ctx, id, "train/loss")
	if err != nil {
		t.Fatal(err)
	}
	want := []Metric{logged[1], logged[2], logged[0], logged[3]}
	if !sameMetrics(got, want) {
		t.Errorf("Series = %v, want %v (ordered by step)", got, want)
	}
	if got, err := s.Series(ctx, id, "never/logged"); err != nil || got == nil || len(got) != 0 {
		t.Errorf("Series of an unlogged metric = %#v, %v; want empty", got, err)
	}

	names, err := s.MetricNames(ctx, id)
	if err != nil || !reflect.DeepEqual(names, []string{"test/neg_elbo", "train/loss"}) {
		t.Errorf("MetricNames = %v, %v", names, err)
	}
	all, err := s.AllSeries(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || !sameMetrics(all["train/loss"], want) || !sameMetrics(all["test/neg_elbo"], logged[4:]) {
		t.Errorf("AllSeries = %v", all)
	}

	r := mustRun(t, s, id)
	if len(r.Final) != 2 || !math.IsInf(r.Final["train/loss"], 1) || r.Final["test/neg_elbo"] != -math.MaxFloat64 {
		t.Errorf("Final = %v, want the value at the highest step", r.Final)
	}

	if err := s.LogMetrics(ctx, id, nil); err != nil {
		t.Errorf("LogMetrics(nil): %v", err)
	}
	if err := s.LogMetrics(ctx, id, []Metric{{Name: "ok", Step: 9}, {Name: "", Step: 10}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("unnamed metric: %v, want ErrInvalid", err)
	}
	if names, _ := s.MetricNames(ctx, id); len(names) != 2 {
		t.Errorf("a refused batch wrote rows: names %v", names)
	}
}

func TestFinalNaN(t *testing.T) {
	s := MustOpen(t)
	id := mustCreate(t, s, RunInfo{Experiment: "e"})
	if err := s.LogMetrics(ctx, id, []Metric{{Name: "loss", Step: 1, Value: 1}, {Name: "loss", Step: 2, Value: math.NaN()}}); err != nil {
		t.Fatal(err)
	}
	if v, ok := mustRun(t, s, id).Final["loss"]; !ok || !math.IsNaN(v) {
		t.Errorf("Final[loss] = %v, %v; want NaN (a diverged run's last value)", v, ok)
	}
}

func TestLogMetricsReplaces(t *testing.T) {
	s := MustOpen(t)
	id := mustCreate(t, s, RunInfo{Experiment: "e"})
	batch := []Metric{{Name: "a", Step: 1, Value: 1}, {Name: "a", Step: 2, Value: 2}, {Name: "b", Step: 2, Value: 3}}
	for range 3 {
		if err := s.LogMetrics(ctx, id, batch); err != nil {
			t.Fatal(err)
		}
	}
	if n := countRows(t, s, "metrics"); n != 3 {
		t.Errorf("%d metric rows after logging the same 3 three times", n)
	}
	// A resumed run re-logs step 2 with a new value: replaced, not added.
	if err := s.LogMetrics(ctx, id, []Metric{{Name: "a", Step: 2, Epoch: 1, Value: 20, Wall: 5}}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Series(ctx, id, "a")
	want := []Metric{{Name: "a", Step: 1, Value: 1}, {Name: "a", Step: 2, Epoch: 1, Value: 20, Wall: 5}}
	if !sameMetrics(got, want) {
		t.Errorf("after re-logging: %v, want %v", got, want)
	}
	// The same step in a batch twice: the later one wins.
	if err := s.LogMetrics(ctx, id, []Metric{{Name: "c", Step: 1, Value: 1}, {Name: "c", Step: 1, Value: 2}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Series(ctx, id, "c"); len(got) != 1 || got[0].Value != 2 {
		t.Errorf("duplicate step in one batch: %v", got)
	}
}

func TestLogMetricsSeparatesRuns(t *testing.T) {
	s := MustOpen(t)
	a := mustCreate(t, s, RunInfo{Experiment: "e"})
	b := mustCreate(t, s, RunInfo{Experiment: "e"})
	if err := s.LogMetrics(ctx, a, []Metric{{Name: "x", Step: 1, Value: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := s.LogMetrics(ctx, b, []Metric{{Name: "x", Step: 1, Value: 2}}); err != nil {
		t.Fatal(err)
	}
	ga, _ := s.Series(ctx, a, "x")
	gb, _ := s.Series(ctx, b, "x")
	if len(ga) != 1 || ga[0].Value != 1 || len(gb) != 1 || gb[0].Value != 2 {
		t.Errorf("runs share series: %v %v", ga, gb)
	}
}

func TestDeleteMetricsAfter(t *testing.T) {
	s := MustOpen(t)
	id := mustCreate(t, s, RunInfo{Experiment: "e"})
	other := mustCreate(t, s, RunInfo{Experiment: "e"})
	var ms []Metric
	for step := range 10 {
		ms = append(ms, Metric{Name: "loss", Step: step, Value: float64(step)}, Metric{Name: "kl", Step: step})
	}
	for _, r := range []string{id, other} {
		if err := s.LogMetrics(ctx, r, ms); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteMetricsAfter(ctx, id, 4); err != nil {
		t.Fatal(err)
	}
	all, _ := s.AllSeries(ctx, id)
	for name, series := range all {
		if len(series) != 5 || series[4].Step != 4 {
			t.Errorf("%s after DeleteMetricsAfter(4): %v", name, series)
		}
	}
	if n := countRows(t, s, "metrics"); n != 20+10 {
		t.Errorf("%d rows left, want 30 (the other run untouched)", n)
	}
	if mustRun(t, s, id).Final["loss"] != 4 {
		t.Error("Final does not follow the deletion")
	}
}

func TestArtifacts(t *testing.T) {
	s := MustOpen(t)
	id := mustCreate(t, s, RunInfo{Experiment: "e"})
	add := []Artifact{
		{Kind: "samples", Path: "samples/step_200.png", SHA256: "aa", Step: 200},
		{Kind: "source", Path: "source.hcl", SHA256: "bb", Step: -1},
		{Kind: "checkpoint", Path: "ckpt/last.bin", SHA256: "cc", Step: 0},
	}
	for _, a := range add {
		if err := s.AddArtifact(ctx, id, a); err != nil {
			t.Fatal(err)
		}
	}
	// Recording a path again replaces it (a checkpoint rewritten in place).
	if err := s.AddArtifact(ctx, id, Artifact{Kind: "checkpoint", Path: "ckpt/last.bin", SHA256: "dd", Step: 400}); err != nil {
		t.Fatal(err)
	}
	got := mustRun(t, s, id).Artifacts
	if len(got) != 3 {
		t.Fatalf("artifacts %v", got)
	}
	for i := range got {
		if got[i].Created.IsZero() {
			t.Errorf("artifact %s has no creation time", got[i].Path)
		}
		got[i].Created = add[0].Created
	}
	want := []Artifact{
		{Kind: "checkpoint", Path: "ckpt/last.bin", SHA256: "dd", Step: 400},
		add[0],
		add[1],
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("artifacts = %v, want %v", got, want)
	}
	for _, bad := range []Artifact{
		{Kind: "plot", Path: "/etc/passwd"},
		{Kind: "plot", Path: "../x.png"},
		{Kind: "plot", Path: "a/../../x.png"},
		{Kind: "plot", Path: "./x.png"},
		{Kind: "plot", Path: `a\b.png`},
		{Kind: "plot", Path: ""},
		{Kind: "plot", Path: "."},
		{Kind: "", Path: "x.png"},
	} {
		if err := s.AddArtifact(ctx, id, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("AddArtifact(%+v): %v, want ErrInvalid", bad, err)
		}
	}
}

// DeleteArtifact lives in artifacts_delete.go (added by the runner's author).
func TestDeleteArtifact(t *testing.T) {
	s := MustOpen(t)
	a := mustCreate(t, s, RunInfo{Experiment: "e"})
	b := mustCreate(t, s, RunInfo{Experiment: "e"})
	for _, id := range []string{a, b} {
		for _, p := range []string{"ckpt/100.bin", "ckpt/200.bin"} {
			if err := s.AddArtifact(ctx, id, Artifact{Kind: "checkpoint", Path: p, SHA256: "x"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.DeleteArtifact(ctx, a, "ckpt/100.bin"); err != nil {
		t.Fatal(err)
	}
	if got := mustRun(t, s, a).Artifacts; len(got) != 1 || got[0].Path != "ckpt/200.bin" {
		t.Errorf("run a artifacts after delete: %v", got)
	}
	if got := mustRun(t, s, b).Artifacts; len(got) != 2 {
		t.Errorf("run b lost artifacts: %v", got)
	}
}
