package main

import (
	"bytes"
	"context"
	"encoding/base64"
	stdhtml "html"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/exp-ml/exp/tracking"
)

// reportFixture adds to the query fixture a sweep of two trials ranked on
// test/neg_elbo, a failed run without metrics whose error holds markup,
// and a hostile metric name. train/loss finals: a 1.5, b 2.5, trial 0 10,
// trial 1 5, failed none: sorted as numbers a, b, t1, t0; as text a, t0, b, t1.
type reportFixture struct {
	*queryFixture
	sweep, t0, t1, failed string
}

const hostileMetric = "eval/<script>alert(1)</script>"

func newReportFixture(t *testing.T) *reportFixture {
	f := &reportFixture{queryFixture: newQueryFixture(t)}
	ctx := context.Background()
	var err error
	f.sweep, err = f.store.CreateSweep(ctx, tracking.SweepInfo{Experiment: "vae", ConfigHash: "h", Method: "grid",
		Target: "test/neg_elbo", Goal: "minimize", Parallel: 2, NTrials: 2})
	if err != nil {
		t.Fatal(err)
	}
	f.t0 = f.addRun(tracking.RunInfo{Experiment: "vae", SweepID: f.sweep, TrialIndex: 0, Seed: 1,
		Params: map[string]any{"lr": 0.1, "latent": 20}},
		map[string][]float64{"train/loss": {12, 10}, "test/neg_elbo": {95}})
	f.t1 = f.addRun(tracking.RunInfo{Experiment: "vae", SweepID: f.sweep, TrialIndex: 1, Seed: 1,
		Params: map[string]any{"lr": 0.2, "latent": 20}},
		map[string][]float64{"train/loss": {6, math.NaN(), 5}, "test/neg_elbo": {93}})
	f.finish(f.t0, tracking.StatusCompleted, "")
	f.finish(f.t1, tracking.StatusCompleted, "")
	if err := f.store.FinishSweep(ctx, f.sweep, tracking.StatusCompleted); err != nil {
		t.Fatal(err)
	}
	f.failed = f.addRun(tracking.RunInfo{Experiment: "gan", Seed: 2}, nil)
	f.finish(f.failed, tracking.StatusFailed, `diverged <b onmouseover="x()">at step 7</b>`)
	err = f.store.LogMetrics(ctx, f.a, []tracking.Metric{{Name: hostileMetric, Step: 3, Value: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *reportFixture) ids() []string { return []string{f.a, f.b, f.t0, f.t1, f.failed} }

func (f *reportFixture) writeReport(args ...string) (path, html string) {
	f.t.Helper()
	path = filepath.Join(f.dir, "report.html")
	f.mustExec(append([]string{"report", "--out", path}, args...)...)
	b, err := os.ReadFile(path)
	if err != nil {
		f.t.Fatal(err)
	}
	return path, string(b)
}

// section returns html from the element with this id attribute to the end
// of the first closing tag named end after it.
func section(t *testing.T, html, id, end string) string {
	t.Helper()
	i := strings.Index(html, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no element with id %q", id)
	}
	j := strings.Index(html[i:], end)
	if j < 0 {
		t.Fatalf("element %q does not end with %s", id, end)
	}
	return html[i : i+j]
}

// externalRef matches anything a browser would fetch from elsewhere.
var externalRef = regexp.MustCompile(`(?i)(src|href|action)\s*=\s*["']?\s*(https?:|//)|url\(\s*["']?\s*(https?:|//)|@import`)

func TestReportHTML(t *testing.T) {
	f := newReportFixture(t)
	_, html := f.writeReport()

	table := section(t, html, "runs-table", "</table>")
	for _, id := range f.ids() {
		if !strings.Contains(table, ">"+id+"<") {
			t.Errorf("runs table lacks run %s", id)
		}
	}
	for _, col := range []string{"<th>lr</th>", "<th>train/loss</th>", "<th>test/neg_elbo</th>"} {
		if !strings.Contains(table, col) {
			t.Errorf("runs table lacks column %s", col)
		}
	}
	// latent is 20 wherever it is set, but the failed gan run lacks it.
	if !strings.Contains(table, "<th>latent</th>") {
		t.Errorf("runs table lacks latent, which the failed run does not have")
	}

	diff := section(t, html, "diff-table", "</table>")
	if !strings.Contains(diff, "<th>lr</th>") || !strings.Contains(diff, "<td>0.001</td>") || !strings.Contains(diff, "<td>0.2</td>") {
		t.Errorf("diff table:\n%s", diff)
	}

	// One plot per metric, each an inline SVG.
	for _, m := range []string{"train/loss", "test/neg_elbo"} {
		if !strings.Contains(html, `data-metric="`+m+`"><svg`) {
			t.Errorf("no inline SVG plot of %s", m)
		}
	}
	if n := strings.Count(html, "<svg"); n != 3 {
		t.Errorf("%d SVG plots, want 3 (train/loss, test/neg_elbo, the hostile metric)", n)
	}
	if !strings.Contains(html, "1 NaN or infinite values not drawn") {
		t.Errorf("the NaN in trial 1's train/loss is not noted")
	}

	// Both sample grids inline, decodable, one per run that has one.
	imgs := regexp.MustCompile(`src="data:image/png;base64,([^"]+)"`).FindAllStringSubmatch(html, -1)
	if len(imgs) != 2 {
		t.Fatalf("%d inline images, want 2", len(imgs))
	}
	for _, m := range imgs {
		data, err := base64.StdEncoding.DecodeString(stdhtml.UnescapeString(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		if img, err := png.Decode(bytes.NewReader(data)); err != nil || img.Bounds().Dx() != 28 {
			t.Errorf("inline image: %v", err)
		}
	}
	samples := section(t, html, "samples", "</div>")
	if !strings.Contains(samples, f.a) || !strings.Contains(samples, f.b) {
		t.Errorf("samples section does not name runs a and b")
	}

	// The sweep ranks trial 1 (93) before trial 0 (95): the goal is minimize.
	sw := section(t, html, "sweep-"+f.sweep, "</table>")
	i0, i1 := strings.Index(sw, f.t0), strings.Index(sw, f.t1)
	if i0 < 0 || i1 < 0 || i1 > i0 {
		t.Errorf("sweep section does not rank %s before %s:\n%s", f.t1, f.t0, sw)
	}
	if !strings.Contains(sw, "test/neg_elbo") || !strings.Contains(sw, "minimize") {
		t.Errorf("sweep section does not name its target and goal")
	}

	// Self-contained and escaped.
	if m := externalRef.FindString(html); m != "" {
		t.Errorf("the report refers to something outside it: %q", m)
	}
	if n := strings.Count(strings.ToLower(html), "<script"); n != 1 {
		t.Errorf("%d script elements, want only the report's own", n)
	}
	if strings.Contains(html, "alert(1)</script>") || strings.Contains(html, "<b onmouseover") {
		t.Errorf("user text reached the page unescaped")
	}
	if !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the hostile metric name is not shown escaped")
	}
}

func TestReportFilterAndEmpty(t *testing.T) {
	f := newReportFixture(t)
	_, html := f.writeReport("--sweep", f.sweep[:5])
	table := section(t, html, "runs-table", "</table>")
	if !strings.Contains(table, f.t0) || !strings.Contains(table, f.t1) || strings.Contains(table, f.a) {
		t.Errorf("--sweep report lists the wrong runs:\n%s", table)
	}
	_, html = f.writeReport("--experiment", "nothing")
	if !strings.Contains(html, "No runs match.") || strings.Contains(html, "<svg") {
		t.Errorf("empty report:\n%s", html)
	}
	if code, _, errOut := execExp(t, "report", "--db", filepath.Join(f.dir, "missing.db"), "--out", filepath.Join(f.dir, "r.html")); code != exitBadInput {
		t.Errorf("missing database: status %d, %s", code, errOut)
	}
	if code, _, _ := f.exec("report", "--out", filepath.Join(f.dir, "no", "such", "r.html")); code != exitBadInput {
		t.Errorf("--out in a missing folder: status %d", code)
	}
	if code, _, _ := f.exec("report", "--sort", "x"); code != exitBadInput {
		t.Errorf("unknown flag: status %d", code)
	}
}

func TestReportArtifactProblems(t *testing.T) {
	f := newQueryFixture(t)
	// Run a's grid changes after the run; run b's disappears.
	if err := os.WriteFile(filepath.Join(f.dir, "runs", f.a, "samples", "step_3.png"), pngBytes(t, 4), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(f.dir, "runs", f.b, "samples", "step_3.png")); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(f.dir, "r.html")
	code, _, errOut := f.exec("report", "--out", out)
	if code != exitOK {
		t.Fatalf("status %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, f.a) || !strings.Contains(errOut, "SHA-256 differs") || !strings.Contains(errOut, f.b) || !strings.Contains(errOut, "not found") {
		t.Errorf("stderr does not report the changed and the missing grid:\n%s", errOut)
	}
	b, _ := os.ReadFile(out)
	if n := strings.Count(string(b), "data:image/png"); n != 1 {
		t.Errorf("%d inline images, want 1 (the changed one, flagged)", n)
	}
}

func pngBytes(t *testing.T, size int) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, size, size))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPlotPoints(t *testing.T) {
	var ms []tracking.Metric
	for i := range 2*maxPlotPoints + 10 {
		ms = append(ms, tracking.Metric{Step: i, Value: float64(i)})
	}
	ms[5].Value = math.NaN()
	xys, nonFinite, bucket := plotPoints(ms)
	if nonFinite != 1 || bucket != 3 || len(xys) > maxPlotPoints {
		t.Fatalf("%d points, %d non-finite, bucket %d", len(xys), nonFinite, bucket)
	}
	// The first bucket holds steps 0, 1, 2: mean 1.
	if xys[0].X != 1 || xys[0].Y != 1 {
		t.Errorf("first point %+v, want (1, 1)", xys[0])
	}
}

// chromium is the browser the report is checked in; .ci/run installs
// Debian's chromium package.
const chromium = "/usr/bin/chromium"

// runChromium loads a page headless and returns what it printed: the DOM
// after scripts ran (with --dump-dom) and the browser's log, which holds
// console messages and uncaught script errors.
func runChromium(t *testing.T, page string, extra ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0"}, extra...)
	cmd := exec.CommandContext(ctx, chromium, append(args, "file://"+page)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, errOut.String())
	}
	return out.String(), errOut.String()
}

// scriptErrors returns the lines of a chromium log that report an uncaught
// script error or a failed load.
func scriptErrors(log string) []string {
	var bad []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "Uncaught") || strings.Contains(l, "net::ERR_") {
			bad = append(bad, l)
		}
	}
	return bad
}

// sortProbe clicks the train/loss header of the runs table twice and
// records the run order after each click on the root element.
const sortProbe = `<script>
(function () {
  var t = document.getElementById("runs-table");
  var heads = t.tHead.rows[0].cells, th = null;
  for (var i = 0; i < heads.length; i++) if (heads[i].textContent === "train/loss") th = heads[i];
  function order() { return Array.prototype.map.call(t.tBodies[0].rows, function (r) { return r.cells[0].textContent; }).join(","); }
  th.click();
  document.documentElement.setAttribute("data-asc", order());
  th.click();
  document.documentElement.setAttribute("data-desc", order());
})();
</script>
</body>`

// TestReportInChromium opens the report in headless Chromium: its script
// runs without errors, the table lists every run and sorts numerically,
// the plots are there. EXP_REPORT_KEEP=DIR keeps the report and a
// screenshot in DIR for a look.
func TestReportInChromium(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("%s not installed (apt-get install chromium): the report is not checked in a browser", chromium)
	}
	dir := t.TempDir()

	// The probe must be able to fail: a page whose script throws.
	broken := filepath.Join(dir, "broken.html")
	if err := os.WriteFile(broken, []byte("<!DOCTYPE html><title>x</title><script>noSuchFunction();</script>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, log := runChromium(t, broken, "--dump-dom"); len(scriptErrors(log)) == 0 {
		t.Fatalf("a throwing script went unnoticed; chromium's log:\n%s", log)
	}

	f := newReportFixture(t)
	report, html := f.writeReport()
	probed := filepath.Join(dir, "probed.html")
	if err := os.WriteFile(probed, []byte(strings.Replace(html, "</body>", sortProbe, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, log := runChromium(t, probed, "--dump-dom")
	if bad := scriptErrors(log); len(bad) > 0 {
		t.Errorf("script errors:\n%s", strings.Join(bad, "\n"))
	}
	if !strings.Contains(dom, reportOKMarker+`="ok"`) {
		t.Errorf("the report's script did not run to its end")
	}
	table := section(t, dom, "runs-table", "</table>")
	for _, id := range f.ids() {
		if !strings.Contains(table, id) {
			t.Errorf("rendered runs table lacks %s", id)
		}
	}
	if !strings.Contains(dom, "<svg") {
		t.Errorf("no SVG in the rendered page")
	}
	// Numbers sort as numbers; a run without the metric stays last.
	asc := strings.Join([]string{f.a, f.b, f.t1, f.t0, f.failed}, ",")
	desc := strings.Join([]string{f.t0, f.t1, f.b, f.a, f.failed}, ",")
	if !strings.Contains(dom, `data-asc="`+asc+`"`) || !strings.Contains(dom, `data-desc="`+desc+`"`) {
		got := regexp.MustCompile(`data-(asc|desc)="[^"]*"`).FindAllString(dom, -1)
		t.Errorf("sorting by train/loss gave %v; want asc %s, desc %s", got, asc, desc)
	}

	shot := filepath.Join(dir, "shot.png")
	_, log = runChromium(t, report, "--screenshot="+shot, "--window-size=1280,2000", "--hide-scrollbars")
	if bad := scriptErrors(log); len(bad) > 0 {
		t.Errorf("script errors:\n%s", strings.Join(bad, "\n"))
	}
	b, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, log)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if r := img.Bounds(); r.Dx() != 1280 || r.Dy() != 2000 {
		t.Errorf("screenshot %v, want 1280×2000", r)
	}
	if keep := os.Getenv("EXP_REPORT_KEEP"); keep != "" {
		for name, data := range map[string][]byte{"report.html": []byte(html), "shot.png": b} {
			if err := os.WriteFile(filepath.Join(keep, name), data, 0o644); err != nil {
				t.Error(err)
			}
		}
	}
}
