package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/exp-ml/exp/tracking"
)

// queryFixture is a store with two completed runs of experiment "vae" that
// differ in lr only, with metric series and a sample grid each.
type queryFixture struct {
	t     *testing.T
	dir   string // holds exp.db and runs/
	db    string
	store *tracking.Store
	now   time.Time // the store's clock
	a, b  string    // run ids; a started first
}

const fixtureSource = "experiment \"vae\" {\n  seed = 1\n}\nvariable \"lr\" { default = 0.001 }\n"

func newQueryFixture(t *testing.T) *queryFixture {
	t.Helper()
	dir := t.TempDir()
	f := &queryFixture{t: t, dir: dir, db: filepath.Join(dir, "exp.db")}
	s, err := tracking.Open(f.db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f.now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return f.now }
	f.store = s

	f.a = f.addRun(tracking.RunInfo{Experiment: "vae", Source: fixtureSource, Seed: 1,
		Params: map[string]any{"lr": 0.001, "latent": 20}},
		map[string][]float64{"train/loss": {3, 1.2, 1.5}, "test/neg_elbo": {100}})
	f.b = f.addRun(tracking.RunInfo{Experiment: "vae", Source: fixtureSource, Seed: 1,
		Params: map[string]any{"lr": 0.01, "latent": 20}},
		map[string][]float64{"train/loss": {4, 3, 2.5}, "test/neg_elbo": {110}})
	// Run a keeps its run directory as an absolute path, run b relative to
	// the database's folder, as a run started beside it records it.
	f.addSamples(f.a, filepath.Join(dir, "runs", f.a), 3)
	f.addSamples(f.b, filepath.Join("runs", f.b), 3)
	f.now = f.now.Add(10 * time.Minute)
	f.finish(f.b, tracking.StatusCompleted, "")
	f.now = f.now.Add(-(8*time.Minute + 30*time.Second))
	f.finish(f.a, tracking.StatusCompleted, "")
	f.now = f.now.Add(8*time.Minute + 30*time.Second)
	return f
}

// addRun records a run with provenance and, for each metric, values at
// steps 1, 2, ... (a single value lands on step 3, as an evaluation).
func (f *queryFixture) addRun(info tracking.RunInfo, series map[string][]float64) string {
	f.t.Helper()
	info.ToolVersion, info.GoVersion, info.VCSRevision = "0.1.0-test", "go1.26.0", "abc123def"
	info.BLASBackend, info.Host, info.Threads, info.PID = "gonum", "testhost", 2, 4242
	info.DataChecksums = map[string]string{"train": "feedface"}
	if info.SweepID == "" {
		info.TrialIndex = -1
	}
	f.now = f.now.Add(time.Minute)
	id, err := f.store.CreateRun(context.Background(), info)
	if err != nil {
		f.t.Fatal(err)
	}
	var ms []tracking.Metric
	for name, vs := range series {
		for i, v := range vs {
			step := i + 1
			if len(vs) == 1 {
				step = 3
			}
			ms = append(ms, tracking.Metric{Name: name, Step: step, Epoch: 0, Value: v, Wall: float64(step)})
		}
	}
	if err := f.store.LogMetrics(context.Background(), id, ms); err != nil {
		f.t.Fatal(err)
	}
	return id
}

// addSamples writes a small PNG grid as the run's samples at step and
// records it; runDir is stored as given and resolved against f.dir.
func (f *queryFixture) addSamples(id, runDir string, step int) {
	f.t.Helper()
	ctx := context.Background()
	if err := f.store.SetRunDir(ctx, id, runDir); err != nil {
		f.t.Fatal(err)
	}
	abs := runDir
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(f.dir, runDir)
	}
	img := image.NewGray(image.Rect(0, 0, 28, 28))
	for y := 0; y < 28; y++ {
		for x := 0; x < 28; x++ {
			img.SetGray(x, y, color.Gray{uint8((x*9 + y*step) % 256)})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		f.t.Fatal(err)
	}
	rel := "samples/step_3.png"
	if err := os.MkdirAll(filepath.Join(abs, "samples"), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(abs, filepath.FromSlash(rel)), buf.Bytes(), 0o644); err != nil {
		f.t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	err := f.store.AddArtifact(ctx, id, tracking.Artifact{Kind: "samples", Path: rel, SHA256: hex.EncodeToString(sum[:]), Step: step})
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *queryFixture) finish(id, status, msg string) {
	f.t.Helper()
	if err := f.store.FinishRun(context.Background(), id, status, msg); err != nil {
		f.t.Fatal(err)
	}
}

// exec runs one exp command line against the fixture's database and
// returns its exit status, stdout and stderr.
func (f *queryFixture) exec(args ...string) (int, string, string) {
	return execExp(f.t, append(args, "--db", f.db)...)
}

func execExp(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
	code := Main(context.Background(), env, args)
	return code, stdout.String(), stderr.String()
}

// mustExec runs a command that must succeed.
func (f *queryFixture) mustExec(args ...string) string {
	f.t.Helper()
	code, out, errOut := f.exec(args...)
	if code != exitOK {
		f.t.Fatalf("exp %s: status %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// tableRow returns the line of out that starts with prefix (after
// indentation), failing the test if there is none.
func tableRow(t *testing.T, out, prefix string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), prefix) {
			return l
		}
	}
	t.Fatalf("no line starting with %q in:\n%s", prefix, out)
	return ""
}

func TestRunsTable(t *testing.T) {
	f := newQueryFixture(t)
	out := f.mustExec("runs")
	head := tableRow(t, out, "id")
	for _, col := range []string{"experiment", "status", "started", "duration", "lr", "train/loss", "test/neg_elbo"} {
		if !strings.Contains(head, col) {
			t.Errorf("header lacks %q: %q", col, head)
		}
	}
	// latent is the same in both runs: not a key variable; no run has
	// eval/fid: no column.
	for _, col := range []string{"latent", "eval/fid"} {
		if strings.Contains(head, col) {
			t.Errorf("header has %q: %q", col, head)
		}
	}
	rowA, rowB := tableRow(t, out, f.a), tableRow(t, out, f.b)
	for _, want := range []string{"vae", "completed", "0.001", "1.5", "100", "2m30s"} {
		if !strings.Contains(rowA, want) {
			t.Errorf("row of a lacks %q: %q", want, rowA)
		}
	}
	for _, want := range []string{"0.01", "2.5", "110", "10m00s"} {
		if !strings.Contains(rowB, want) {
			t.Errorf("row of b lacks %q: %q", want, rowB)
		}
	}
	// Newest first by default.
	if strings.Index(out, f.b) > strings.Index(out, f.a) {
		t.Errorf("b (newer) is not listed first:\n%s", out)
	}
	// Columns line up: every row's lr value starts where its header does.
	col := strings.Index(head, "lr")
	if !strings.HasPrefix(rowA[col:], "0.001 ") || !strings.HasPrefix(rowB[col:], "0.01 ") {
		t.Errorf("lr column misaligned:\n%s", out)
	}
}

func TestRunsSortFilterLimit(t *testing.T) {
	f := newQueryFixture(t)
	order := func(args ...string) []string {
		out := f.mustExec(append([]string{"runs", "--json"}, args...)...)
		var runs []RunJSON
		if err := json.Unmarshal([]byte(out), &runs); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		var ids []string
		for _, r := range runs {
			ids = append(ids, r.ID)
		}
		return ids
	}
	check := func(got []string, want ...string) {
		t.Helper()
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("got %v, want %v", got, want)
		}
	}
	check(order(), f.b, f.a)
	check(order("--sort", "test/neg_elbo"), f.a, f.b)
	check(order("--sort", "-test/neg_elbo"), f.b, f.a)
	check(order("--sort", "started"), f.a, f.b)
	check(order("--limit", "1"), f.b)
	check(order("--experiment", "vae", "--status", "completed"), f.b, f.a)
	check(order("--experiment", "gan"))

	if out := f.mustExec("runs", "--experiment", "gan"); out != "no runs match\n" {
		t.Errorf("no match: %q", out)
	}
	for _, bad := range [][]string{{"--status", "done"}, {"--limit", "-1"}, {"--sweep", "abcd"}, {"--sort", "nosuchmetric"}, {"extra"}} {
		if code, _, errOut := f.exec(append([]string{"runs"}, bad...)...); code != exitBadInput {
			t.Errorf("runs %v: status %d, want %d (%s)", bad, code, exitBadInput, errOut)
		}
	}
}

func TestRunsJSON(t *testing.T) {
	f := newQueryFixture(t)
	out := f.mustExec("runs", "--json")
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("stdout is not a JSON array: %v\n%s", err, out)
	}
	if len(raw) != 2 {
		t.Fatalf("%d runs, want 2", len(raw))
	}
	for _, k := range []string{"id", "experiment", "status", "error", "seed", "params", "metrics", "artifacts"} {
		if _, ok := raw[0][k]; !ok {
			t.Errorf("run object lacks %q: %s", k, out)
		}
	}
	var runs []RunJSON
	if err := json.Unmarshal([]byte(out), &runs); err != nil {
		t.Fatal(err)
	}
	a := runs[1]
	if a.ID != f.a || a.Params["lr"] != 0.001 || a.Metrics["train/loss"] != 1.5 || len(a.Artifacts) != 1 {
		t.Errorf("run a: %+v", a)
	}
}

func TestRunsEmpty(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	code, out, _ := execExp(t, "runs", "--db", missing)
	if code != exitOK || !strings.Contains(out, "no runs in") {
		t.Errorf("missing database: status %d, %q", code, out)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("exp runs created %s", missing)
	}
	code, out, _ = execExp(t, "runs", "--json", "--db", missing)
	if code != exitOK || strings.TrimSpace(out) != "[]" {
		t.Errorf("missing database, --json: status %d, %q", code, out)
	}

	empty := filepath.Join(dir, "empty.db")
	s, err := tracking.Open(empty)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	code, out, _ = execExp(t, "runs", "--db", empty)
	if code != exitOK || !strings.Contains(out, "no runs in") {
		t.Errorf("empty database: status %d, %q", code, out)
	}
}

// hostileNames would change a query built by pasting them into SQL, or a
// page built by pasting them into HTML.
var hostileNames = []string{
	"x' OR '1'='1",
	"'; DROP TABLE runs; --",
	"started; DROP TABLE metrics; --",
	"r.id) UNION SELECT name FROM sqlite_master --",
	"<script>alert(1)</script>",
}

func TestQueryInjection(t *testing.T) {
	f := newQueryFixture(t)
	count := func() int {
		runs, err := f.store.Runs(context.Background(), tracking.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		return len(runs)
	}
	before := count()
	for _, h := range hostileNames {
		for _, args := range [][]string{
			{"runs", "--sort", h}, {"runs", "--sort", "-" + h}, {"runs", "--status", h}, {"runs", "--sweep", h},
			{"show", h}, {"compare", f.a, h}, {"compare", "--sweep", h},
		} {
			if code, _, _ := f.exec(args...); code != exitBadInput {
				t.Errorf("exp %q: status %d, want %d", args, code, exitBadInput)
			}
		}
		if code, out, _ := f.exec("runs", "--experiment", h); code != exitOK || out != "no runs match\n" {
			t.Errorf("runs --experiment %q: status %d, %q", h, code, out)
		}
	}
	if got := count(); got != before {
		t.Fatalf("%d runs after hostile queries, %d before", got, before)
	}

	// Hostile metric names are data: a run logs them, sorting by one works,
	// show and compare print them verbatim.
	for i, h := range hostileNames {
		err := f.store.LogMetrics(context.Background(), f.a, []tracking.Metric{{Name: h, Step: 1, Value: float64(i)}})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, h := range hostileNames {
		f.mustExec("runs", "--sort", h)
		f.mustExec("runs", "--sort", "-"+h)
	}
	show := f.mustExec("show", f.a)
	cmp := f.mustExec("compare", f.a, f.b)
	for _, h := range hostileNames {
		if !strings.Contains(show, h) || !strings.Contains(cmp, h) {
			t.Errorf("metric %q missing from show or compare", h)
		}
	}
	if got := count(); got != before {
		t.Fatalf("%d runs after hostile metric names, %d before", got, before)
	}
}

func TestRunsMarksDeadRunsInterrupted(t *testing.T) {
	f := newQueryFixture(t)
	host, err := os.Hostname()
	if err != nil {
		t.Skip(err)
	}
	child := exec.Command("true")
	if err := child.Run(); err != nil {
		t.Skip(err)
	}
	dead, err := f.store.CreateRun(context.Background(), tracking.RunInfo{Experiment: "vae", Host: host, PID: child.Process.Pid, TrialIndex: -1})
	if err != nil {
		t.Fatal(err)
	}
	alive, err := f.store.CreateRun(context.Background(), tracking.RunInfo{Experiment: "vae", Host: host, PID: os.Getpid(), TrialIndex: -1})
	if err != nil {
		t.Fatal(err)
	}
	out := f.mustExec("runs")
	if row := tableRow(t, out, dead); !strings.Contains(row, "interrupted") {
		t.Errorf("the run of a dead process: %q", row)
	}
	if row := tableRow(t, out, alive); !strings.Contains(row, "running") {
		t.Errorf("the run of a live process: %q", row)
	}
}

func TestFmtDuration(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{850 * time.Millisecond, "850ms"},
		{12300 * time.Millisecond, "12.3s"},
		{4*time.Minute + 5*time.Second, "4m05s"},
		{2*time.Hour + 7*time.Minute + 20*time.Second, "2h07m"},
		{-time.Second, "-"},
	} {
		if got := fmtDuration(c.d); got != c.want {
			t.Errorf("fmtDuration(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestDifferingParams(t *testing.T) {
	runs := []*tracking.Run{
		{Params: map[string]any{"lr": 0.1, "z": 64.0, "layers": []any{1.0, 2.0}, "only_a": "x"}},
		{Params: map[string]any{"lr": 0.2, "z": 64.0, "layers": []any{1.0, 2.0}}},
		{Params: map[string]any{"lr": 0.1, "z": 64.0, "layers": []any{1.0, 2.0}}},
	}
	differ, same := differingParams(runs)
	if strings.Join(differ, ",") != "lr,only_a" || strings.Join(same, ",") != "layers,z" {
		t.Errorf("differ %v, same %v", differ, same)
	}
	if got := fmtParam(0.0002); got != "0.0002" {
		t.Errorf("fmtParam(0.0002) = %q", got)
	}
	if got := fmtParam([]any{1.0, "a"}); got != `[1,"a"]` {
		t.Errorf("fmtParam(list) = %q", got)
	}
}
