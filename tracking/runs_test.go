package tracking

import (
	"context"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

var ctx = context.Background()

func fullInfo() RunInfo {
	return RunInfo{
		Experiment:    "vae_mnist",
		Filename:      "experiments/vae_mnist.hcl",
		Source:        "experiment \"vae_mnist\" {\n  seed = 1\n}\n",
		Params:        map[string]any{"lr": 0.001, "latent": 20, "name": "x", "dims": []any{1, 2}},
		Seed:          7,
		SweepID:       "",
		TrialIndex:    -1,
		ToolVersion:   "v0.1.0",
		GoVersion:     "go1.26",
		VCSRevision:   "abc123",
		BLASBackend:   "openblas",
		Host:          "node1",
		Threads:       2,
		PID:           4242,
		DataChecksums: map[string]string{"train": "aa", "test": "bb"},
		RunDir:        "runs/x",
	}
}

func mustCreate(t *testing.T, s *Store, info RunInfo) string {
	t.Helper()
	id, err := s.CreateRun(ctx, info)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func mustRun(t *testing.T, s *Store, id string) *Run {
	t.Helper()
	r, err := s.Run(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCreateRunRoundTrip(t *testing.T) {
	s := MustOpen(t)
	info := fullInfo()
	id := mustCreate(t, s, info)
	if !validID(id) {
		t.Fatalf("id %q", id)
	}
	hash, err := ConfigHash(info.Source, info.Params)
	if err != nil {
		t.Fatal(err)
	}
	want := &Run{
		ID: id, Experiment: "vae_mnist", Status: StatusRunning, Filename: info.Filename, Source: info.Source,
		ConfigHash: hash, TrialIndex: -1, Seed: 7,
		Params:      map[string]any{"lr": 0.001, "latent": 20.0, "name": "x", "dims": []any{1.0, 2.0}},
		ToolVersion: "v0.1.0", GoVersion: "go1.26", VCSRevision: "abc123", BLASBackend: "openblas", Host: "node1",
		Threads: 2, PID: 4242, DataChecksums: map[string]string{"train": "aa", "test": "bb"}, RunDir: "runs/x",
		Final: map[string]float64{}, Artifacts: []Artifact{},
	}
	got := mustRun(t, s, id)
	if got.Started.IsZero() || !got.Heartbeat.Equal(got.Started) || !got.Finished.IsZero() {
		t.Errorf("times: started %v heartbeat %v finished %v", got.Started, got.Heartbeat, got.Finished)
	}
	want.Started, want.Heartbeat = got.Started, got.Heartbeat
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Run() =\n%+v\nwant\n%+v", got, want)
	}

	// params_json is an object with sorted keys, readable with sqlite3.
	var pj string
	if err := s.reader.QueryRow("SELECT params_json FROM runs WHERE id = ?", id).Scan(&pj); err != nil {
		t.Fatal(err)
	}
	if pj != `{"dims":[1,2],"latent":20,"lr":0.001,"name":"x"}` {
		t.Errorf("params_json = %s", pj)
	}
}

func TestCreateRunMinimal(t *testing.T) {
	s := MustOpen(t)
	id := mustCreate(t, s, RunInfo{Experiment: "e"})
	r := mustRun(t, s, id)
	if len(r.Params) != 0 || len(r.DataChecksums) != 0 || r.TrialIndex != -1 || r.SweepID != "" {
		t.Errorf("minimal run: %+v", r)
	}
	if _, err := s.CreateRun(ctx, RunInfo{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("run without experiment: %v, want ErrInvalid", err)
	}
	if _, err := s.CreateRun(ctx, RunInfo{Experiment: "e", Params: map[string]any{"x": math.NaN()}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("NaN param: %v, want ErrInvalid", err)
	}
}

func TestCreateRunPresetID(t *testing.T) {
	s := MustOpen(t)
	id := mustCreate(t, s, RunInfo{ID: "0123456789ab", Experiment: "e"})
	if id != "0123456789ab" {
		t.Fatalf("preset id came back as %q", id)
	}
	if _, err := s.CreateRun(ctx, RunInfo{ID: id, Experiment: "e"}); !errors.Is(err, ErrExists) {
		t.Errorf("taken id: %v, want ErrExists", err)
	}
	for _, bad := range []string{"0123", "0123456789AB", "0123456789ag", "'; DROP TABLE runs; --"} {
		if _, err := s.CreateRun(ctx, RunInfo{ID: bad, Experiment: "e"}); !errors.Is(err, ErrInvalid) {
			t.Errorf("id %q: %v, want ErrInvalid", bad, err)
		}
	}
	// The schema refuses a malformed id even from outside this package.
	if _, err := s.writer.Exec(`INSERT INTO runs (id, experiment_id, status, seed, source, config_hash, started_at)
		VALUES ('XYZ', 1, 'running', 0, '', '', '')`); err == nil {
		t.Error("the schema accepted run id XYZ")
	}
}

func TestCreateRunSweep(t *testing.T) {
	s := MustOpen(t)
	if _, err := s.CreateRun(ctx, RunInfo{Experiment: "e", SweepID: "0123456789ab"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown sweep: %v, want ErrNotFound", err)
	}
	sw, err := s.CreateSweep(ctx, SweepInfo{Experiment: "e", Method: "grid", Parallel: 2, NTrials: 4})
	if err != nil {
		t.Fatal(err)
	}
	a := mustCreate(t, s, RunInfo{Experiment: "e", SweepID: sw, TrialIndex: 3})
	b := mustCreate(t, s, RunInfo{Experiment: "e", SweepID: sw, TrialIndex: -1})
	c := mustCreate(t, s, RunInfo{Experiment: "e", TrialIndex: 5}) // no sweep: no trial
	for id, want := range map[string]struct {
		sweep string
		trial int
	}{a: {sw, 3}, b: {sw, -1}, c: {"", -1}} {
		r := mustRun(t, s, id)
		if r.SweepID != want.sweep || r.TrialIndex != want.trial {
			t.Errorf("run %s: sweep %q trial %d, want %q %d", id, r.SweepID, r.TrialIndex, want.sweep, want.trial)
		}
	}
}

func TestConfigHash(t *testing.T) {
	a, err := ConfigHash("src", map[string]any{"a": 1, "b": 2.5, "c": "x"})
	if err != nil {
		t.Fatal(err)
	}
	for range 20 { // map iteration order must not matter
		b, _ := ConfigHash("src", map[string]any{"c": "x", "b": 2.5, "a": 1})
		if a != b {
			t.Fatal("ConfigHash depends on map order")
		}
	}
	if len(a) != 64 {
		t.Errorf("hash %q is not hex sha256", a)
	}
	for _, other := range []struct {
		src string
		p   map[string]any
	}{{"src ", map[string]any{"a": 1, "b": 2.5, "c": "x"}}, {"src", map[string]any{"a": 2, "b": 2.5, "c": "x"}}, {"src", nil}} {
		if h, _ := ConfigHash(other.src, other.p); h == a {
			t.Errorf("ConfigHash(%q, %v) equals the original's", other.src, other.p)
		}
	}
	// source and params are separated, so text cannot move between them.
	h1, _ := ConfigHash("x{}", nil)
	h2, _ := ConfigHash("x", nil)
	if h1 == h2 {
		t.Error("ConfigHash(\"x{}\", nil) == ConfigHash(\"x\", nil)")
	}

	s := MustOpen(t)
	id := mustCreate(t, s, RunInfo{Experiment: "e", Source: "src", Params: map[string]any{"a": 1, "b": 2.5, "c": "x"}})
	if r := mustRun(t, s, id); r.ConfigHash != a {
		t.Errorf("CreateRun stored hash %s, want %s", r.ConfigHash, a)
	}
	id = mustCreate(t, s, RunInfo{Experiment: "e", ConfigHash: "given"})
	if r := mustRun(t, s, id); r.ConfigHash != "given" {
		t.Errorf("CreateRun replaced the caller's hash with %s", r.ConfigHash)
	}
}

func TestRunPrefix(t *testing.T) {
	s := MustOpen(t)
	for _, id := range []string{"abcd00000001", "abcd00000002", "abce00000000", "0123456789ab"} {
		mustCreate(t, s, RunInfo{ID: id, Experiment: "e"})
	}
	for _, tc := range []struct {
		in   string
		want string
		err  error
	}{
		{"abcd00000001", "abcd00000001", nil},
		{"abce", "abce00000000", nil},
		{"ABCE0", "abce00000000", nil},
		{" abce ", "abce00000000", nil},
		{"0123", "0123456789ab", nil},
		{"abcd", "", ErrAmbiguous},
		{"abcd0000000", "", ErrAmbiguous},
		{"abc", "", ErrNotFound}, // too short
		{"012", "", ErrNotFound}, // unique, but too short
		{"ffff", "", ErrNotFound},
		{"", "", ErrNotFound},
		{"abce000000001", "", ErrNotFound}, // longer than any id
		{"____", "", ErrNotFound},          // LIKE wildcards are not wildcards here
		{"%", "", ErrNotFound},
	} {
		r, err := s.Run(ctx, tc.in)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("Run(%q): %v, want %v", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || r.ID != tc.want {
			t.Errorf("Run(%q) = %v, %v; want %s", tc.in, r, err, tc.want)
		}
	}
	_, err := s.Run(ctx, "abcd")
	if err == nil || !strings.Contains(err.Error(), "abcd00000001") || !strings.Contains(err.Error(), "abcd00000002") {
		t.Errorf("ambiguous error should list the candidates: %v", err)
	}
}

func TestRunLifecycle(t *testing.T) {
	s := MustOpen(t)
	id := mustCreate(t, s, RunInfo{Experiment: "e"})
	started := mustRun(t, s, id).Started

	if err := s.Heartbeat(ctx, id); err != nil {
		t.Fatal(err)
	}
	r := mustRun(t, s, id)
	if !r.Heartbeat.After(started) {
		t.Errorf("heartbeat %v not after start %v", r.Heartbeat, started)
	}
	if err := s.SetRunDir(ctx, id, "runs/"+id); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(ctx, id, "running", ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("FinishRun(running): %v, want ErrInvalid", err)
	}
	if err := s.FinishRun(ctx, id, "bogus", ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("FinishRun(bogus): %v, want ErrInvalid", err)
	}
	if err := s.FinishRun(ctx, id, StatusFailed, "diverged: loss is NaN at step 12"); err != nil {
		t.Fatal(err)
	}
	r = mustRun(t, s, id)
	if r.Status != StatusFailed || r.Error != "diverged: loss is NaN at step 12" || r.RunDir != "runs/"+id ||
		!r.Finished.After(started) {
		t.Errorf("after FinishRun: %+v", r)
	}

	if err := s.ReopenRun(ctx, id, "node2", 99); err != nil {
		t.Fatal(err)
	}
	r = mustRun(t, s, id)
	if r.Status != StatusRunning || r.Error != "" || !r.Finished.IsZero() || r.Host != "node2" || r.PID != 99 {
		t.Errorf("after ReopenRun: %+v", r)
	}
	if err := s.ReopenRun(ctx, id, "node2", 99); !errors.Is(err, ErrConflict) {
		t.Errorf("reopening a running run: %v, want ErrConflict", err)
	}

	const missing = "ffffffffffff"
	for name, err := range map[string]error{
		"Heartbeat":          s.Heartbeat(ctx, missing),
		"SetRunDir":          s.SetRunDir(ctx, missing, "x"),
		"FinishRun":          s.FinishRun(ctx, missing, StatusCompleted, ""),
		"ReopenRun":          s.ReopenRun(ctx, missing, "", 0),
		"LogMetrics":         s.LogMetrics(ctx, missing, []Metric{{Name: "a"}}),
		"AddArtifact":        s.AddArtifact(ctx, missing, Artifact{Kind: "plot", Path: "a.png"}),
		"DeleteMetricsAfter": s.DeleteMetricsAfter(ctx, missing, 0),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s of a missing run: %v, want ErrNotFound", name, err)
		}
	}
	for name, f := range map[string]func() error{
		"Series":      func() error { _, err := s.Series(ctx, missing, "a"); return err },
		"AllSeries":   func() error { _, err := s.AllSeries(ctx, missing); return err },
		"MetricNames": func() error { _, err := s.MetricNames(ctx, missing); return err },
	} {
		if err := f(); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s of a missing run: %v, want ErrNotFound", name, err)
		}
	}
}

func ids(runs []*Run) []string {
	var out []string
	for _, r := range runs {
		out = append(out, r.ID)
	}
	return out
}

func TestRunsFilterAndOrder(t *testing.T) {
	s := MustOpen(t)
	sw, err := s.CreateSweep(ctx, SweepInfo{ID: "5eeb00000000", Experiment: "gan", Method: "grid"})
	if err != nil {
		t.Fatal(err)
	}
	// The clock advances a second per reading: later runs are newer.
	a := mustCreate(t, s, RunInfo{ID: "aaaa00000000", Experiment: "vae"})
	b := mustCreate(t, s, RunInfo{ID: "bbbb00000000", Experiment: "gan", SweepID: sw, TrialIndex: 1})
	c := mustCreate(t, s, RunInfo{ID: "cccc00000000", Experiment: "gan", SweepID: sw, TrialIndex: 0})
	d := mustCreate(t, s, RunInfo{ID: "dddd00000000", Experiment: "vae"})
	if err := s.FinishRun(ctx, a, StatusCompleted, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(ctx, c, StatusFailed, "boom"); err != nil {
		t.Fatal(err)
	}
	if err := s.LogMetrics(ctx, b, []Metric{{Name: "loss", Step: 1, Value: 3}, {Name: "loss", Step: 2, Value: 2}}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		f    Filter
		want []string
	}{
		{Filter{}, []string{d, c, b, a}},
		{Filter{Experiment: "vae"}, []string{d, a}},
		{Filter{Experiment: "nope"}, nil},
		{Filter{Status: StatusRunning}, []string{d, b}},
		{Filter{Experiment: "gan", Status: StatusFailed}, []string{c}},
		{Filter{SweepID: sw}, []string{c, b}},
		{Filter{SweepID: "5eeb"}, []string{c, b}},
		{Filter{Limit: 2}, []string{d, c}},
		{Filter{Sort: "started"}, []string{a, b, c, d}},
		{Filter{Sort: "-id"}, []string{d, c, b, a}},
		{Filter{Sort: "trial"}, []string{c, b, a, d}}, // NULL trials last, then by id
		{Filter{Sort: "finished"}, []string{a, c, b, d}},
		{Filter{Sort: "experiment", Limit: 1}, []string{b}},
	} {
		runs, err := s.Runs(ctx, tc.f)
		if err != nil {
			t.Errorf("Runs(%+v): %v", tc.f, err)
			continue
		}
		if got := ids(runs); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Runs(%+v) = %v, want %v", tc.f, got, tc.want)
		}
	}

	runs, err := s.Runs(ctx, Filter{SweepID: sw})
	if err != nil {
		t.Fatal(err)
	}
	if runs[1].Final["loss"] != 2 || runs[0].Status != StatusFailed || runs[0].Error != "boom" {
		t.Errorf("Runs fills runs badly: %+v %+v", runs[0], runs[1])
	}

	for _, bad := range []Filter{{Status: "done"}, {Limit: -1}, {Sort: "-"}, {SweepID: "ffff"}} {
		if _, err := s.Runs(ctx, bad); err == nil {
			t.Errorf("Runs(%+v) succeeded", bad)
		}
	}
}

func TestRunsSortByMetric(t *testing.T) {
	s := MustOpen(t)
	vals := map[string][]Metric{
		"aaaa00000000": {{Name: "test/neg_elbo", Step: 10, Value: 120}, {Name: "test/neg_elbo", Step: 20, Value: 100}},
		"bbbb00000000": {{Name: "test/neg_elbo", Step: 20, Value: 90}, {Name: "test/neg_elbo", Step: 10, Value: 300}},
		"cccc00000000": {{Name: "other", Step: 1, Value: 1}},
		"dddd00000000": {{Name: "test/neg_elbo", Step: 5, Value: 95}},
	}
	for _, id := range []string{"aaaa00000000", "bbbb00000000", "cccc00000000", "dddd00000000"} {
		mustCreate(t, s, RunInfo{ID: id, Experiment: "e"})
		if err := s.LogMetrics(ctx, id, vals[id]); err != nil {
			t.Fatal(err)
		}
	}
	for sort, want := range map[string][]string{
		"test/neg_elbo":  {"bbbb00000000", "dddd00000000", "aaaa00000000", "cccc00000000"},
		"-test/neg_elbo": {"aaaa00000000", "dddd00000000", "bbbb00000000", "cccc00000000"},
	} {
		runs, err := s.Runs(ctx, Filter{Sort: sort})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(runs); !reflect.DeepEqual(got, want) {
			t.Errorf("sort %q: %v, want %v", sort, got, want)
		}
	}
	if _, err := s.Runs(ctx, Filter{Sort: "test/nope"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("sort by an unknown metric: %v, want ErrInvalid", err)
	}
}

func TestRunTimesUseClock(t *testing.T) {
	s := MustOpen(t)
	at := time.Date(2030, 1, 2, 3, 4, 5, 6, time.FixedZone("x", -7200))
	s.Now = func() time.Time { return at }
	id := mustCreate(t, s, RunInfo{Experiment: "e"})
	if err := s.FinishRun(ctx, id, StatusCompleted, ""); err != nil {
		t.Fatal(err)
	}
	r := mustRun(t, s, id)
	if !r.Started.Equal(at) || !r.Finished.Equal(at) || r.Started.Location() != time.UTC {
		t.Errorf("started %v finished %v, want %v in UTC", r.Started, r.Finished, at)
	}
}
