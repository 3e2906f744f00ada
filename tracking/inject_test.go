package tracking

import (
	"errors"
	"testing"
)

// hostile are strings that would change a query built by pasting them in.
var hostile = []string{
	"x' OR '1'='1",
	"'; DROP TABLE runs; --",
	"started; DROP TABLE metrics; --",
	"r.id) UNION SELECT name FROM sqlite_master --",
	"(SELECT 1)",
	"\"runs\"",
	"%",
	"_",
	"*",
	"name = name",
	"1 OR 1=1",
}

func TestSQLInjection(t *testing.T) {
	s := MustOpen(t)
	sw, err := s.CreateSweep(ctx, SweepInfo{Experiment: "e", ConfigHash: "h", Method: "grid"})
	if err != nil {
		t.Fatal(err)
	}
	id := mustCreate(t, s, RunInfo{Experiment: "e", SweepID: sw, TrialIndex: 0})
	mustCreate(t, s, RunInfo{Experiment: "other"})
	if err := s.LogMetrics(ctx, id, []Metric{{Name: "loss", Step: 1, Value: 1}}); err != nil {
		t.Fatal(err)
	}
	counts := func() [4]int {
		return [4]int{countRows(t, s, "runs"), countRows(t, s, "metrics"), countRows(t, s, "sweeps"), countRows(t, s, "experiments")}
	}
	before := counts()

	for _, h := range hostile {
		// Values in filters are bound: they match nothing.
		for _, f := range []Filter{{Experiment: h}, {Status: h}, {SweepID: h}} {
			runs, err := s.Runs(ctx, f)
			if len(runs) != 0 {
				t.Errorf("Runs(%+v) matched %d runs", f, len(runs))
			}
			if f.Experiment == "" && err == nil {
				t.Errorf("Runs(%+v) accepted a bad status or sweep", f)
			}
		}
		// Sort keys outside the allow-list are metric names, bound, and
		// refused when no run has such a metric.
		for _, key := range []string{h, "-" + h} {
			if _, err := s.Runs(ctx, Filter{Sort: key}); !errors.Is(err, ErrInvalid) {
				t.Errorf("Runs(Sort %q): %v, want ErrInvalid", key, err)
			}
		}
		if _, err := s.Run(ctx, h); !errors.Is(err, ErrNotFound) {
			t.Errorf("Run(%q): %v, want ErrNotFound", h, err)
		}
		if _, err := s.Sweep(ctx, h); !errors.Is(err, ErrNotFound) {
			t.Errorf("Sweep(%q): %v, want ErrNotFound", h, err)
		}
		if _, err := s.FindSweep(ctx, h); !errors.Is(err, ErrNotFound) {
			t.Errorf("FindSweep(%q): %v, want ErrNotFound", h, err)
		}
		if ms, err := s.Series(ctx, id, h); err != nil || len(ms) != 0 {
			t.Errorf("Series(%q) = %v, %v; want none", h, ms, err)
		}
		if err := s.Heartbeat(ctx, h); !errors.Is(err, ErrNotFound) {
			t.Errorf("Heartbeat(%q): %v, want ErrNotFound", h, err)
		}
	}
	if got := counts(); got != before {
		t.Fatalf("row counts changed from %v to %v", before, got)
	}

	// Hostile names are data: stored and read back verbatim, and usable as
	// sort keys once a run has them.
	for i, h := range hostile {
		if err := s.LogMetrics(ctx, id, []Metric{{Name: h, Step: 1, Value: float64(i)}}); err != nil {
			t.Fatal(err)
		}
		ms, err := s.Series(ctx, id, h)
		if err != nil || len(ms) != 1 || ms[0].Name != h || ms[0].Value != float64(i) {
			t.Errorf("Series(%q) = %v, %v", h, ms, err)
		}
		runs, err := s.Runs(ctx, Filter{Sort: "-" + h})
		if err != nil || len(runs) != 2+i || runs[0].ID != id { // 2 runs, plus one per earlier name
			t.Errorf("Runs(Sort -%q) = %v, %v", h, ids(runs), err)
		}
		if _, err := s.CreateRun(ctx, RunInfo{Experiment: h, Source: h, Params: map[string]any{h: h}}); err != nil {
			t.Fatal(err)
		}
		runs, err = s.Runs(ctx, Filter{Experiment: h})
		if err != nil || len(runs) != 1 || runs[0].Experiment != h || runs[0].Params[h] != h {
			t.Errorf("Runs(Experiment %q) = %v, %v", h, runs, err)
		}
	}
	names, _ := s.MetricNames(ctx, id)
	if len(names) != len(hostile)+1 {
		t.Errorf("metric names %q", names)
	}
	integrityOK(t, s)
}
