package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"path"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/exp-ml/exp/tracking"
)

const showUsage = "show RUN [--json]"

func runShow(ctx context.Context, env *Env, args []string) error {
	var c common
	fs := newFlags(env, "show", showUsage, &c, true)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return badInput("show takes one run id")
	}
	store, err := openExisting(ctx, &c)
	if err != nil {
		return err
	}
	defer store.Close()
	r, err := store.Run(ctx, fs.Arg(0))
	if err != nil {
		return storeErr(err)
	}
	all, err := store.AllSeries(ctx, r.ID)
	if err != nil {
		return err
	}
	sums := summarizeAll(all)
	if c.json {
		return writeJSON(env.Stdout, showJSON(r, sums))
	}
	printShow(env.Stdout, r, sums, time.Now())
	return nil
}

// Goals of a metric: whether a smaller or a larger value is better.
const (
	goalUnknown  = 0
	goalMinimize = -1
	goalMaximize = 1
)

// metricGoals maps the last part of a metric name (DESIGN.md §5) to its
// goal. Discriminator outputs count as D's scores: high on real data, low
// on fakes. A name not here has no best value.
var metricGoals = map[string]int{
	"loss": goalMinimize, "d_loss": goalMinimize, "g_loss": goalMinimize,
	"neg_elbo": goalMinimize, "recon": goalMinimize, "kl": goalMinimize,
	"iwae_nll": goalMinimize, "nll": goalMinimize, "xent": goalMinimize,
	"fid": goalMinimize, "class_kl": goalMinimize, "reverse_kl": goalMinimize,
	"d_fake": goalMinimize,

	"elbo": goalMaximize, "accuracy": goalMaximize, "cond_acc": goalMaximize,
	"modes": goalMaximize, "hq": goalMaximize, "parzen_ll": goalMaximize,
	"d_real": goalMaximize,
}

// metricGoal says which way metric name improves; names outside the table
// fall back on their suffix (…_loss, …_nll, …_kl, …_acc).
func metricGoal(name string) int {
	base := path.Base(name)
	if g, ok := metricGoals[base]; ok {
		return g
	}
	switch {
	case strings.HasSuffix(base, "loss"), strings.HasSuffix(base, "_nll"), strings.HasSuffix(base, "_kl"):
		return goalMinimize
	case strings.HasSuffix(base, "_acc"), strings.HasSuffix(base, "accuracy"):
		return goalMaximize
	}
	return goalUnknown
}

// goalOf reads a sweep's goal, falling back on the metric's own.
func goalOf(goal, metric string) int {
	switch goal {
	case "minimize":
		return goalMinimize
	case "maximize":
		return goalMaximize
	}
	return metricGoal(metric)
}

// better reports whether a beats b under goal; NaN never wins.
func better(a, b float64, goal int) bool {
	if math.IsNaN(a) {
		return false
	}
	if math.IsNaN(b) {
		return true
	}
	if goal == goalMaximize {
		return a > b
	}
	return a < b
}

// metricSummary is what one metric series comes to.
type metricSummary struct {
	Final     float64 // value at the highest step (NaN if it diverged)
	FinalStep int
	Best      float64 // best finite value under the metric's goal
	BestStep  int
	HasBest   bool // false when the goal is unknown or no value is finite
	Points    int  // rows in the series
}

func summarize(name string, ms []tracking.Metric) metricSummary {
	s := metricSummary{Final: math.NaN(), Best: math.NaN(), Points: len(ms)}
	if len(ms) == 0 {
		return s
	}
	last := ms[len(ms)-1]
	s.Final, s.FinalStep = last.Value, last.Step
	goal := metricGoal(name)
	if goal == goalUnknown {
		return s
	}
	for _, m := range ms {
		if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
			continue
		}
		if !s.HasBest || better(m.Value, s.Best, goal) {
			s.Best, s.BestStep, s.HasBest = m.Value, m.Step, true
		}
	}
	return s
}

func summarizeAll(all map[string][]tracking.Metric) map[string]metricSummary {
	out := make(map[string]metricSummary, len(all))
	for name, ms := range all {
		out[name] = summarize(name, ms)
	}
	return out
}

func printShow(w io.Writer, r *tracking.Run, sums map[string]metricSummary, now time.Time) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	line := func(k, v string) { fmt.Fprintf(tw, "  %s\t%s\n", k, v) }
	fmt.Fprintf(tw, "run %s\n", r.ID)
	line("experiment", r.Experiment)
	line("status", r.Status)
	if r.Error != "" {
		line("error", r.Error)
	}
	line("started", r.Started.Local().Format(time.RFC3339))
	if !r.Finished.IsZero() {
		line("finished", r.Finished.Local().Format(time.RFC3339))
	}
	line("duration", runDuration(r, now))
	line("seed", fmt.Sprint(r.Seed))
	if r.SweepID != "" {
		trial := ""
		if r.TrialIndex >= 0 {
			trial = fmt.Sprintf(" (trial %d)", r.TrialIndex)
		}
		line("sweep", r.SweepID+trial)
	}
	line("file", orDash(r.Filename))
	line("run dir", orDash(r.RunDir))

	fmt.Fprintln(tw, "\nparams")
	if len(r.Params) == 0 {
		fmt.Fprintln(tw, "  (none)")
	}
	for _, k := range sortedKeys(r.Params) {
		line(k, fmtParam(r.Params[k]))
	}

	fmt.Fprintln(tw, "\nprovenance")
	line("tool version", orDash(r.ToolVersion))
	line("go version", orDash(r.GoVersion))
	line("vcs revision", orDash(r.VCSRevision))
	line("blas backend", orDash(r.BLASBackend))
	line("threads", fmt.Sprint(r.Threads))
	line("host", orDash(r.Host))
	line("pid", fmt.Sprint(r.PID))
	line("config hash", r.ConfigHash)
	if !r.Heartbeat.IsZero() {
		line("last heartbeat", r.Heartbeat.Local().Format(time.RFC3339))
	}
	for _, k := range sortedKeys(r.DataChecksums) {
		line("data checksum "+k, r.DataChecksums[k])
	}
	tw.Flush()

	fmt.Fprintln(w, "\nmetrics")
	if len(sums) == 0 {
		fmt.Fprintln(w, "  (none)")
	} else {
		tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  name\tfinal\tat step\tbest\tat step\tpoints")
		for _, name := range sortedKeys(sums) {
			s := sums[name]
			best, bestStep := "-", "-"
			if s.HasBest {
				best, bestStep = fmtFloat(s.Best), fmt.Sprint(s.BestStep)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\t%s\t%d\n", name, fmtFloat(s.Final), s.FinalStep, best, bestStep, s.Points)
		}
		tw.Flush()
	}

	fmt.Fprintln(w, "\nartifacts")
	if len(r.Artifacts) == 0 {
		fmt.Fprintln(w, "  (none)")
		return
	}
	tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  kind\tpath\tstep\tsha256")
	for _, a := range r.Artifacts {
		step := "-"
		if a.Step >= 0 {
			step = fmt.Sprint(a.Step)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", a.Kind, a.Path, step, a.SHA256)
	}
	tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ShowJSON is `exp show --json`: the run object of DESIGN.md §4 with the
// rest of what the store knows about the run.
type ShowJSON struct {
	RunJSON
	SweepID         string                       `json:"sweep_id,omitempty"`
	TrialIndex      *int                         `json:"trial_index,omitempty"`
	RunDir          string                       `json:"run_dir"`
	Started         time.Time                    `json:"started"`
	Finished        *time.Time                   `json:"finished"` // null while running
	DurationSeconds *float64                     `json:"duration_seconds"`
	Provenance      ProvenanceJSON               `json:"provenance"`
	MetricSummaries map[string]MetricSummaryJSON `json:"metric_summaries"`
}

// ProvenanceJSON says what produced a run.
type ProvenanceJSON struct {
	ToolVersion   string            `json:"tool_version"`
	GoVersion     string            `json:"go_version"`
	VCSRevision   string            `json:"vcs_revision"`
	BLASBackend   string            `json:"blas_backend"`
	Threads       int               `json:"threads"`
	Host          string            `json:"host"`
	PID           int               `json:"pid"`
	DataChecksums map[string]string `json:"data_checksums"`
	ConfigHash    string            `json:"config_hash"`
	Filename      string            `json:"filename"`
}

// MetricSummaryJSON is one metric of a run: final and best values (null
// where NaN, infinite, or where the metric has no known direction).
type MetricSummaryJSON struct {
	Final        any  `json:"final"`
	FinalStep    int  `json:"final_step"`
	Best         any  `json:"best"`
	BestStep     *int `json:"best_step"`
	SeriesLength int  `json:"series_length"`
}

func metricSummaryJSON(s metricSummary) MetricSummaryJSON {
	out := MetricSummaryJSON{Final: jsonNumber(s.Final), FinalStep: s.FinalStep, SeriesLength: s.Points}
	if s.HasBest {
		step := s.BestStep
		out.Best, out.BestStep = jsonNumber(s.Best), &step
	}
	return out
}

func showJSON(r *tracking.Run, sums map[string]metricSummary) ShowJSON {
	out := ShowJSON{RunJSON: runJSON(r), SweepID: r.SweepID, RunDir: r.RunDir,
		Started: r.Started.UTC(), MetricSummaries: map[string]MetricSummaryJSON{}}
	if r.SweepID != "" && r.TrialIndex >= 0 {
		i := r.TrialIndex
		out.TrialIndex = &i
	}
	if !r.Finished.IsZero() {
		f := r.Finished.UTC()
		d := r.Finished.Sub(r.Started).Seconds()
		out.Finished, out.DurationSeconds = &f, &d
	}
	checksums := r.DataChecksums
	if checksums == nil {
		checksums = map[string]string{}
	}
	out.Provenance = ProvenanceJSON{ToolVersion: r.ToolVersion, GoVersion: r.GoVersion, VCSRevision: r.VCSRevision,
		BLASBackend: r.BLASBackend, Threads: r.Threads, Host: r.Host, PID: r.PID, DataChecksums: checksums,
		ConfigHash: r.ConfigHash, Filename: r.Filename}
	for name, s := range sums {
		out.MetricSummaries[name] = metricSummaryJSON(s)
	}
	return out
}
