package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/exp-ml/exp/tracking"
)

const reportUsage = "report [--out report.html] [--experiment NAME] [--sweep ID] [--status S] [--limit N]"

// Limits that keep a report readable and its file a sensible size.
const (
	maxPlotPoints  = 500      // per line; longer series are averaged in buckets
	maxImageBytes  = 16 << 20 // sample grids larger than this are not inlined
	reportOKMarker = "data-report"
)

func runReport(ctx context.Context, env *Env, args []string) error {
	var (
		c   common
		f   tracking.Filter
		out string
	)
	fs := newFlags(env, "report", reportUsage, &c, false)
	fs.StringVar(&out, "out", "report.html", "the HTML file to write")
	fs.StringVar(&f.Experiment, "experiment", "", "only runs of this experiment")
	fs.StringVar(&f.SweepID, "sweep", "", "only the trials of this sweep (id or unique prefix)")
	fs.StringVar(&f.Status, "status", "", "only runs with this status")
	fs.IntVar(&f.Limit, "limit", 0, "at most the N newest runs (0: all)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return badInput("report takes no arguments, got %q (--out names the file)", fs.Arg(0))
	}
	if f.Limit < 0 {
		return badInput("--limit must not be negative, got %d", f.Limit)
	}
	store, err := openExisting(ctx, &c)
	if err != nil {
		return err
	}
	defer store.Close()
	runs, err := store.Runs(ctx, f)
	if err != nil {
		return storeErr(err)
	}
	page, err := buildHTMLReport(ctx, store, runs, f, time.Now())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := reportTemplate.Execute(&buf, page); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := writeFileAtomic(out, buf.Bytes()); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return badInput("--out %s: %v", out, err)
		}
		return err
	}
	fmt.Fprintf(env.Stdout, "wrote %s: %d runs, %d plots, %d images, %d sweeps\n",
		out, len(page.Runs), len(page.Plots), len(page.Images), len(page.Sweeps))
	for _, n := range page.Notes {
		fmt.Fprintln(env.Stderr, "exp report:", n)
	}
	return nil
}

// writeFileAtomic writes data to path through a temporary file in the same
// folder, so a reader never sees half a report.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".report-*.html")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// htmlPage is everything the template shows.
type htmlPage struct {
	Generated  string
	DB         string
	Filter     string
	Runs       []htmlRun
	ParamCols  []string // variables that differ among the runs
	SameParams []htmlParam
	MetricCols []string
	Plots      []htmlPlot
	Images     []htmlImage
	Sweeps     []htmlSweep
	Notes      []string
}

type htmlParam struct{ Name, Value string }

// htmlCell is a table cell: the text shown and the key the table sorts by
// (numbers as numbers; empty sorts last).
type htmlCell struct{ Text, Key string }

type htmlRun struct {
	ID, Experiment, Status, Error string
	Started, Duration, Seed       htmlCell
	Params                        []htmlCell // one per htmlPage.ParamCols
	Metrics                       []htmlCell // one per htmlPage.MetricCols
}

type htmlPlot struct {
	Metric, Caption string
	SVG             template.HTML // drawn here, text escaped by vgsvg
	Legend          []htmlSwatch
}

// htmlSwatch names a run's line in a plot; the legend is HTML beneath the
// plot rather than drawn in it, where it would hide lines.
type htmlSwatch struct{ RunID, Color string }

type htmlImage struct {
	RunID, Kind, Path, Note string
	Step                    int
	Src                     template.URL // a data: URI of a PNG checked here
}

type htmlSweep struct {
	ID, Experiment, Method, Status, Target, Goal string
	Planned, Parallel                            int
	ParamCols                                    []string
	Trials                                       []htmlTrial
}

type htmlTrial struct {
	Rank, Trial, Target htmlCell
	RunID, Status       string
	Params              []string
}

func buildHTMLReport(ctx context.Context, store *tracking.Store, runs []*tracking.Run, f tracking.Filter, now time.Time) (*htmlPage, error) {
	page := &htmlPage{Generated: now.Local().Format("2006-01-02 15:04:05 MST"), DB: store.Path(), Filter: describeFilter(f)}
	differ, same := differingParams(runs)
	if len(runs) == 1 {
		differ, same = same, nil
	}
	page.ParamCols = differ
	for _, k := range same {
		page.SameParams = append(page.SameParams, htmlParam{k, fmtParam(runs[0].Params[k])})
	}
	page.MetricCols = tableMetrics(runs)
	for _, r := range runs {
		page.Runs = append(page.Runs, htmlRunRow(r, page.ParamCols, page.MetricCols, now))
	}

	series := make([]map[string][]tracking.Metric, len(runs))
	for i, r := range runs {
		all, err := store.AllSeries(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		series[i] = all
	}
	plots, err := curvePlots(runs, series)
	if err != nil {
		return nil, err
	}
	page.Plots = plots
	page.Images, page.Notes = sampleImages(runs, filepath.Dir(store.Path()))

	var sweepIDs []string
	seen := map[string]bool{}
	for _, r := range runs {
		if r.SweepID != "" && !seen[r.SweepID] {
			seen[r.SweepID] = true
			sweepIDs = append(sweepIDs, r.SweepID)
		}
	}
	for _, id := range sweepIDs {
		sw, err := store.Sweep(ctx, id)
		if err != nil {
			return nil, err
		}
		trials, err := store.Runs(ctx, tracking.Filter{SweepID: id, Sort: "trial"})
		if err != nil {
			return nil, err
		}
		page.Sweeps = append(page.Sweeps, htmlSweepSection(sw, trials))
	}
	return page, nil
}

func describeFilter(f tracking.Filter) string {
	var parts []string
	if f.Experiment != "" {
		parts = append(parts, "experiment "+strconv.Quote(f.Experiment))
	}
	if f.SweepID != "" {
		parts = append(parts, "sweep "+f.SweepID)
	}
	if f.Status != "" {
		parts = append(parts, "status "+f.Status)
	}
	if f.Limit > 0 {
		parts = append(parts, fmt.Sprintf("newest %d", f.Limit))
	}
	if len(parts) == 0 {
		return "all runs"
	}
	return strings.Join(parts, ", ")
}

// tableMetrics are the metrics whose final values the runs table shows:
// train/loss and every evaluation metric (test/…, eval/…) any run has.
func tableMetrics(runs []*tracking.Run) []string {
	names := map[string]bool{}
	for _, r := range runs {
		for k := range r.Final {
			if k == "train/loss" || strings.HasPrefix(k, "test/") || strings.HasPrefix(k, "eval/") {
				names[k] = true
			}
		}
	}
	out := sortedKeys(names)
	sort.SliceStable(out, func(i, j int) bool { return metricOrder(out[i]) < metricOrder(out[j]) })
	return out
}

// metricOrder puts training curves first, then test and eval metrics.
func metricOrder(name string) int {
	switch {
	case strings.HasPrefix(name, "train/"):
		return 0
	case strings.HasPrefix(name, "test/"):
		return 1
	case strings.HasPrefix(name, "eval/"):
		return 2
	}
	return 3
}

func htmlNum(v float64) htmlCell {
	if math.IsNaN(v) {
		return htmlCell{Text: "NaN"}
	}
	return htmlCell{Text: fmtFloat(v), Key: strconv.FormatFloat(v, 'g', -1, 64)}
}

func htmlRunRow(r *tracking.Run, params, metrics []string, now time.Time) htmlRun {
	row := htmlRun{ID: r.ID, Experiment: r.Experiment, Status: r.Status, Error: r.Error,
		Started: htmlCell{Text: r.Started.Local().Format("2006-01-02 15:04"), Key: r.Started.UTC().Format(time.RFC3339Nano)},
		Seed:    htmlCell{Text: fmt.Sprint(r.Seed), Key: fmt.Sprint(r.Seed)}}
	row.Duration = htmlCell{Text: runDuration(r, now)}
	if !r.Finished.IsZero() {
		row.Duration.Key = strconv.FormatFloat(r.Finished.Sub(r.Started).Seconds(), 'g', -1, 64)
	}
	for _, k := range params {
		text := paramCell(r.Params, k)
		key := text
		if v, ok := r.Params[k].(float64); ok {
			key = strconv.FormatFloat(v, 'g', -1, 64)
		} else if text == "-" {
			key = ""
		}
		row.Params = append(row.Params, htmlCell{Text: clip(text, 32), Key: key})
	}
	for _, m := range metrics {
		v, ok := r.Final[m]
		if !ok {
			row.Metrics = append(row.Metrics, htmlCell{Text: "-"})
			continue
		}
		row.Metrics = append(row.Metrics, htmlNum(v))
	}
	return row
}

// plotPalette is Tableau's ten colours; run i is drawn in plotPalette[i%10] in
// every plot, so a run keeps its colour across the page.
var plotPalette = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff}, {0xd6, 0x27, 0x28, 0xff},
	{0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff}, {0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff},
	{0xbc, 0xbd, 0x22, 0xff}, {0x17, 0xbe, 0xcf, 0xff},
}

// curvePlots draws one plot per metric with a line per run that logged it.
func curvePlots(runs []*tracking.Run, series []map[string][]tracking.Metric) ([]htmlPlot, error) {
	names := map[string]bool{}
	for _, s := range series {
		for k := range s {
			names[k] = true
		}
	}
	metrics := sortedKeys(names)
	sort.SliceStable(metrics, func(i, j int) bool { return metricOrder(metrics[i]) < metricOrder(metrics[j]) })
	var plots []htmlPlot
	for _, m := range metrics {
		p, err := curvePlot(m, runs, series)
		if err != nil {
			return nil, fmt.Errorf("report: plot of %s: %w", m, err)
		}
		plots = append(plots, p)
	}
	return plots, nil
}

func curvePlot(metric string, runs []*tracking.Run, series []map[string][]tracking.Metric) (htmlPlot, error) {
	p := plot.New()
	p.Title.Text = metric
	p.X.Label.Text = "step"
	p.Add(plotter.NewGrid())
	var (
		notes   []string
		legend  []htmlSwatch
		dropped int
	)
	for i, r := range runs {
		ms, ok := series[i][metric]
		if !ok {
			continue
		}
		xys, nonFinite, bucket := plotPoints(ms)
		dropped += nonFinite
		if bucket > 1 {
			notes = append(notes, fmt.Sprintf("%s averaged over %d points", shortID(r.ID), bucket))
		}
		if len(xys) == 0 {
			continue
		}
		col := plotPalette[i%len(plotPalette)]
		l, err := plotter.NewLine(xys)
		if err != nil {
			return htmlPlot{}, err
		}
		l.Color = col
		l.Width = vg.Points(1.2)
		p.Add(l)
		if len(xys) <= 30 {
			sc, err := plotter.NewScatter(xys)
			if err != nil {
				return htmlPlot{}, err
			}
			sc.GlyphStyle.Color = col
			sc.GlyphStyle.Radius = vg.Points(2)
			sc.GlyphStyle.Shape = draw.CircleGlyph{}
			p.Add(sc)
		}
		legend = append(legend, htmlSwatch{RunID: r.ID, Color: fmt.Sprintf("#%02x%02x%02x", col.R, col.G, col.B)})
	}
	if dropped > 0 {
		notes = append(notes, fmt.Sprintf("%d NaN or infinite values not drawn", dropped))
	}
	c := vgsvg.New(5*vg.Inch, 3.2*vg.Inch)
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return htmlPlot{}, err
	}
	svg := buf.String()
	// Drop the XML prolog and comment: the SVG goes inline into HTML.
	if i := strings.Index(svg, "<svg"); i >= 0 {
		svg = svg[i:]
	}
	return htmlPlot{Metric: metric, Caption: strings.Join(notes, "; "), SVG: template.HTML(svg), Legend: legend}, nil
}

// plotPoints turns a series into points, leaving out non-finite values and
// averaging buckets of consecutive points when there are more than
// maxPlotPoints; bucket is the bucket size (1: none).
func plotPoints(ms []tracking.Metric) (xys plotter.XYs, nonFinite, bucket int) {
	finite := make(plotter.XYs, 0, len(ms))
	for _, m := range ms {
		if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
			nonFinite++
			continue
		}
		finite = append(finite, plotter.XY{X: float64(m.Step), Y: m.Value})
	}
	if len(finite) <= maxPlotPoints {
		return finite, nonFinite, 1
	}
	bucket = (len(finite) + maxPlotPoints - 1) / maxPlotPoints
	for i := 0; i < len(finite); i += bucket {
		end := min(i+bucket, len(finite))
		var sx, sy float64
		for _, p := range finite[i:end] {
			sx += p.X
			sy += p.Y
		}
		n := float64(end - i)
		xys = append(xys, plotter.XY{X: sx / n, Y: sy / n})
	}
	return xys, nonFinite, bucket
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// imageKinds are the artifact kinds whose latest file the report shows.
var imageKinds = []string{"samples", "reconstructions"}

// sampleImages inlines each run's latest sample and reconstruction grid.
// Run directories are relative to where the run ran: tried as given, then
// beside the database.
func sampleImages(runs []*tracking.Run, dbDir string) (imgs []htmlImage, notes []string) {
	for _, r := range runs {
		for _, kind := range imageKinds {
			a, ok := latestArtifact(r.Artifacts, kind)
			if !ok {
				continue
			}
			img := htmlImage{RunID: r.ID, Kind: kind, Path: a.Path, Step: a.Step}
			data, err := readArtifact(r.RunDir, dbDir, a.Path)
			if err != nil {
				notes = append(notes, fmt.Sprintf("run %s: %s %s: %v", r.ID, kind, a.Path, err))
				continue
			}
			if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
				notes = append(notes, fmt.Sprintf("run %s: %s %s is not a PNG file", r.ID, kind, a.Path))
				continue
			}
			if sum := sha256.Sum256(data); a.SHA256 != "" && hex.EncodeToString(sum[:]) != a.SHA256 {
				img.Note = "this file's SHA-256 differs from the one recorded: it changed after the run"
				notes = append(notes, fmt.Sprintf("run %s: %s %s changed after the run (SHA-256 differs)", r.ID, kind, a.Path))
			}
			img.Src = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(data))
			imgs = append(imgs, img)
		}
	}
	return imgs, notes
}

// latestArtifact is the artifact of this kind with the highest step (the
// last path among equals).
func latestArtifact(as []tracking.Artifact, kind string) (tracking.Artifact, bool) {
	var (
		best tracking.Artifact
		ok   bool
	)
	for _, a := range as {
		if a.Kind != kind {
			continue
		}
		if !ok || a.Step > best.Step || a.Step == best.Step && a.Path > best.Path {
			best, ok = a, true
		}
	}
	return best, ok
}

func readArtifact(runDir, dbDir, rel string) ([]byte, error) {
	if runDir == "" {
		return nil, fmt.Errorf("the run has no run directory")
	}
	rel = filepath.FromSlash(rel)
	candidates := []string{filepath.Join(runDir, rel)}
	if !filepath.IsAbs(runDir) {
		candidates = append(candidates, filepath.Join(dbDir, runDir, rel))
	}
	for _, p := range candidates {
		st, err := os.Stat(p)
		if err != nil {
			continue
		}
		if st.Size() > maxImageBytes {
			return nil, fmt.Errorf("%d bytes, too large to inline", st.Size())
		}
		return os.ReadFile(p)
	}
	return nil, fmt.Errorf("not found under %s", strings.Join(candidates, " or "))
}

// htmlSweepSection lists a sweep's trials, ranked on its target metric when it
// has one: best first, trials without a finite value last.
func htmlSweepSection(sw *tracking.Sweep, trials []*tracking.Run) htmlSweep {
	out := htmlSweep{ID: sw.ID, Experiment: sw.Experiment, Method: sw.Method, Status: sw.Status,
		Target: sw.Target, Goal: sw.Goal, Planned: sw.NTrials, Parallel: sw.Parallel}
	out.ParamCols, _ = differingParams(trials)
	goal := goalOf(sw.Goal, sw.Target)
	if out.Goal == "" && sw.Target != "" {
		switch goal {
		case goalMinimize:
			out.Goal = "minimize"
		case goalMaximize:
			out.Goal = "maximize"
		}
	}
	value := func(r *tracking.Run) float64 {
		v, ok := r.Final[sw.Target]
		if !ok || math.IsInf(v, 0) {
			return math.NaN()
		}
		return v
	}
	ranked := sw.Target != "" && goal != goalUnknown
	if ranked {
		sort.SliceStable(trials, func(i, j int) bool { return better(value(trials[i]), value(trials[j]), goal) })
	}
	for i, r := range trials {
		t := htmlTrial{RunID: r.ID, Status: r.Status, Trial: htmlCell{Text: "-"}, Rank: htmlCell{Text: "-"}, Target: htmlCell{Text: "-"}}
		if r.TrialIndex >= 0 {
			t.Trial = htmlCell{Text: fmt.Sprint(r.TrialIndex), Key: fmt.Sprint(r.TrialIndex)}
		}
		if v, ok := r.Final[sw.Target]; ok && sw.Target != "" {
			t.Target = htmlNum(v)
		}
		if ranked && !math.IsNaN(value(r)) {
			t.Rank = htmlCell{Text: fmt.Sprint(i + 1), Key: fmt.Sprint(i + 1)}
		}
		for _, k := range out.ParamCols {
			t.Params = append(t.Params, clip(paramCell(r.Params, k), 32))
		}
		out.Trials = append(out.Trials, t)
	}
	return out
}

var reportTemplate = template.Must(template.New("report").Parse(reportHTML))

// reportHTML is the whole page: styles and the table-sorting script are
// inline so that the file opens anywhere, with nothing fetched.
const reportHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>exp report</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5em 2em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
.meta { color: #666; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #eee; text-align: left; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .id { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 0.92em; }
table.sortable th { cursor: pointer; user-select: none; background: #f6f6f6; }
table.sortable th[aria-sort=ascending]::after { content: " \25B2"; }
table.sortable th[aria-sort=descending]::after { content: " \25BC"; }
.status-completed { color: #1a7f37; }
.status-failed, .status-interrupted { color: #cf222e; }
.status-running { color: #9a6700; }
.plots, .images { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; }
.plot svg { max-width: 100%; height: auto; }
figcaption { color: #666; font-size: 0.9em; max-width: 480px; }
.key { white-space: nowrap; margin-right: 0.6em; }
.swatch { display: inline-block; width: 1.4em; height: 0.35em; vertical-align: middle; margin-right: 0.3em; }
.images img { image-rendering: pixelated; width: 280px; height: auto; border: 1px solid #ddd; }
.warn { color: #cf222e; }
</style>
</head>
<body>
<h1>exp report</h1>
<p class="meta">{{len .Runs}} runs ({{.Filter}}) from <code>{{.DB}}</code>, generated {{.Generated}}.</p>

<h2 id="runs">Runs</h2>
{{if .Runs}}
<p class="meta">Click a column header to sort.</p>
<table class="sortable" id="runs-table">
<thead><tr><th>id</th><th>experiment</th><th>status</th><th>started</th><th>duration</th><th>seed</th>
{{- range .ParamCols}}<th>{{.}}</th>{{end}}
{{- range .MetricCols}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{- range .Runs}}
<tr><td class="id">{{.ID}}</td><td>{{.Experiment}}</td><td class="status-{{.Status}}"{{if .Error}} title="{{.Error}}"{{end}}>{{.Status}}</td>
<td data-v="{{.Started.Key}}">{{.Started.Text}}</td><td class="num" data-v="{{.Duration.Key}}">{{.Duration.Text}}</td><td class="num" data-v="{{.Seed.Key}}">{{.Seed.Text}}</td>
{{- range .Params}}<td data-v="{{.Key}}">{{.Text}}</td>{{end}}
{{- range .Metrics}}<td class="num" data-v="{{.Key}}">{{.Text}}</td>{{end}}</tr>
{{- end}}
</tbody>
</table>
{{else}}
<p>No runs match.</p>
{{end}}

{{if .Runs}}
<h2 id="params">Parameters</h2>
{{if .ParamCols}}
<p>Variables that differ between runs:</p>
<table id="diff-table">
<thead><tr><th>variable</th>{{range .Runs}}<th class="id">{{.ID}}</th>{{end}}</tr></thead>
<tbody>
{{- $runs := .Runs}}
{{- range $i, $name := .ParamCols}}
<tr><th>{{$name}}</th>{{range $runs}}<td>{{(index .Params $i).Text}}</td>{{end}}</tr>
{{- end}}
</tbody>
</table>
{{else}}
<p>No variable differs between these runs.</p>
{{end}}
{{if .SameParams}}
<p class="meta">The same in every run: {{range $i, $p := .SameParams}}{{if $i}}, {{end}}<code>{{$p.Name}} = {{$p.Value}}</code>{{end}}</p>
{{end}}
{{end}}

{{if .Plots}}
<h2 id="curves">Curves</h2>
<div class="plots">
{{- range .Plots}}
<figure class="plot" data-metric="{{.Metric}}">{{.SVG}}
<figcaption>{{range .Legend}}<span class="key"><span class="swatch" style="background: {{.Color}}"></span><span class="id">{{.RunID}}</span></span> {{end}}
{{- if .Caption}}<br>{{.Caption}}{{end}}</figcaption></figure>
{{- end}}
</div>
{{end}}

{{if .Images}}
<h2 id="samples">Samples</h2>
<div class="images">
{{- range .Images}}
<figure><img src="{{.Src}}" alt="{{.Kind}} of run {{.RunID}}">
<figcaption><span class="id">{{.RunID}}</span> {{.Kind}}{{if ge .Step 0}} at step {{.Step}}{{end}} (<code>{{.Path}}</code>){{if .Note}} <span class="warn">{{.Note}}</span>{{end}}</figcaption></figure>
{{- end}}
</div>
{{end}}

{{range .Sweeps}}
<h2 id="sweep-{{.ID}}">Sweep <span class="id">{{.ID}}</span></h2>
<p class="meta">{{.Experiment}}: {{.Method}} search, {{len .Trials}} of {{.Planned}} trials recorded, {{.Parallel}} at once, {{.Status}}.
{{if .Target}}Trials ranked on <code>{{.Target}}</code> ({{if .Goal}}{{.Goal}}{{else}}direction unknown: not ranked{{end}}).{{else}}No target metric: trials in order.{{end}}</p>
<table class="sortable">
<thead><tr><th>rank</th><th>trial</th><th>run</th><th>status</th>{{range .ParamCols}}<th>{{.}}</th>{{end}}{{if .Target}}<th>{{.Target}}</th>{{end}}</tr></thead>
<tbody>
{{- $target := .Target}}
{{- range .Trials}}
<tr><td class="num" data-v="{{.Rank.Key}}">{{.Rank.Text}}</td><td class="num" data-v="{{.Trial.Key}}">{{.Trial.Text}}</td><td class="id">{{.RunID}}</td><td class="status-{{.Status}}">{{.Status}}</td>
{{- range .Params}}<td>{{.}}</td>{{end}}{{if $target}}<td class="num" data-v="{{.Target.Key}}">{{.Target.Text}}</td>{{end}}</tr>
{{- end}}
</tbody>
</table>
{{end}}

{{if .Notes}}
<h2 id="notes">Notes</h2>
<ul>{{range .Notes}}<li class="warn">{{.}}</li>{{end}}</ul>
{{end}}

<script>
(function () {
  "use strict";
  function key(td) {
    var v = td.getAttribute("data-v");
    return v === null ? td.textContent.trim() : v;
  }
  function compare(a, b) {
    var x = Number(a), y = Number(b);
    if (!isNaN(x) && !isNaN(y)) return x - y;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r, s) {
          var a = key(r.cells[col]), b = key(s.cells[col]);
          if (a === "" || b === "") return (a === "") - (b === ""); // empty last, either way
          return asc ? compare(a, b) : compare(b, a);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  document.documentElement.setAttribute("` + reportOKMarker + `", "ok");
})();
</script>
</body>
</html>
`
