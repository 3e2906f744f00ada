package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"strings"
	"text/tabwriter"

	"github.com/exp-ml/exp/tracking"
)

const compareUsage = "compare RUN RUN... [--sweep ID] [--all] [--json]"

func runCompare(ctx context.Context, env *Env, args []string) error {
	var c common
	fs := newFlags(env, "compare", compareUsage, &c, true)
	sweep := fs.String("sweep", "", "compare the trials of this sweep (id or unique prefix), besides any RUN named")
	all := fs.Bool("all", false, "show every variable, not only those that differ")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 && *sweep == "" {
		fs.Usage()
		return badInput("compare takes two or more run ids, or --sweep ID")
	}
	store, err := openExisting(ctx, &c)
	if err != nil {
		return err
	}
	defer store.Close()
	runs, err := collectRuns(ctx, store, fs.Args(), *sweep)
	if err != nil {
		return err
	}
	if len(runs) < 2 {
		return badInput("compare needs at least two runs, got %d", len(runs))
	}
	sums := make([]map[string]metricSummary, len(runs))
	for i, r := range runs {
		all, err := store.AllSeries(ctx, r.ID)
		if err != nil {
			return err
		}
		sums[i] = summarizeAll(all)
	}
	cmp := buildComparison(runs, sums)
	if c.json {
		return writeJSON(env.Stdout, cmp.json())
	}
	cmp.print(env.Stdout, *all)
	return nil
}

// collectRuns resolves the runs named on the command line, then adds the
// sweep's trials in trial order; a run named twice counts once.
func collectRuns(ctx context.Context, store *tracking.Store, ids []string, sweep string) ([]*tracking.Run, error) {
	var runs []*tracking.Run
	seen := map[string]bool{}
	add := func(r *tracking.Run) {
		if !seen[r.ID] {
			seen[r.ID] = true
			runs = append(runs, r)
		}
	}
	for _, id := range ids {
		r, err := store.Run(ctx, id)
		if err != nil {
			return nil, storeErr(err)
		}
		add(r)
	}
	if sweep != "" {
		trials, err := store.Runs(ctx, tracking.Filter{SweepID: sweep, Sort: "trial"})
		if err != nil {
			return nil, storeErr(err)
		}
		if len(trials) == 0 {
			return nil, badInput("sweep %s has no runs yet", sweep)
		}
		for _, r := range trials {
			add(r)
		}
	}
	return runs, nil
}

// comparison is what compare shows: runs, their variables, every metric's
// final and best value per run, and the seed groups.
type comparison struct {
	runs         []*tracking.Run
	sums         []map[string]metricSummary
	differ, same []string
	metrics      []string // every metric any run has, sorted
	groups       []seedGroup
}

// seedGroup is a set of runs that differ only in their seed: the same
// experiment, the same variables, the same source but for its seed line.
type seedGroup struct {
	runs    []int // indexes into comparison.runs
	metrics map[string]meanSE
}

// meanSE is the mean and standard error (sample standard deviation over
// √n) of the finite final values of one metric in a group; n counts them.
type meanSE struct {
	n        int
	mean, se float64 // se is NaN for n < 2
}

func buildComparison(runs []*tracking.Run, sums []map[string]metricSummary) *comparison {
	c := &comparison{runs: runs, sums: sums}
	c.differ, c.same = differingParams(runs)
	names := map[string]bool{}
	for _, s := range sums {
		for k := range s {
			names[k] = true
		}
	}
	c.metrics = sortedKeys(names)
	c.groups = seedGroups(runs, c.metrics)
	return c
}

// seedLine matches an HCL seed attribute, the one line two replicates of
// a configuration may differ in.
var seedLine = regexp.MustCompile(`(?m)^[ \t]*seed[ \t]*=.*$`)

// replicaKey identifies a configuration up to its seed.
func replicaKey(r *tracking.Run) string {
	pj, err := json.Marshal(r.Params) // encoding/json sorts map keys
	if err != nil {
		pj = []byte(fmt.Sprint(r.Params))
	}
	src := sha256.Sum256([]byte(seedLine.ReplaceAllString(r.Source, "")))
	return r.Experiment + "\x00" + string(pj) + "\x00" + hex.EncodeToString(src[:])
}

// seedGroups finds the groups of two or more runs that differ only in
// seed, in the order of their first run, and summarises each metric.
func seedGroups(runs []*tracking.Run, metrics []string) []seedGroup {
	var (
		order []string
		byKey = map[string][]int{}
	)
	for i, r := range runs {
		k := replicaKey(r)
		if _, ok := byKey[k]; !ok {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], i)
	}
	var groups []seedGroup
	for _, k := range order {
		idx := byKey[k]
		if len(idx) < 2 {
			continue
		}
		g := seedGroup{runs: idx, metrics: map[string]meanSE{}}
		for _, m := range metrics {
			var xs []float64
			for _, i := range idx {
				if v, ok := runs[i].Final[m]; ok && !math.IsNaN(v) && !math.IsInf(v, 0) {
					xs = append(xs, v)
				}
			}
			if len(xs) > 0 {
				g.metrics[m] = meanStdErr(xs)
			}
		}
		groups = append(groups, g)
	}
	return groups
}

// meanStdErr returns the mean of xs and its standard error s/√n, with s
// the sample standard deviation (n−1 in the denominator).
func meanStdErr(xs []float64) meanSE {
	n := float64(len(xs))
	var sum float64
	for _, x := range xs {
		sum += x
	}
	mean := sum / n
	out := meanSE{n: len(xs), mean: mean, se: math.NaN()}
	if len(xs) < 2 {
		return out
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	out.se = math.Sqrt(ss/(n-1)) / math.Sqrt(n)
	return out
}

func (c *comparison) print(w io.Writer, all bool) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "runs")
	fmt.Fprintln(tw, "  id\texperiment\tstatus\tseed\tsweep")
	for _, r := range c.runs {
		sweep := "-"
		if r.SweepID != "" {
			sweep = r.SweepID
			if r.TrialIndex >= 0 {
				sweep += fmt.Sprintf(" #%d", r.TrialIndex)
			}
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%s\n", r.ID, r.Experiment, r.Status, r.Seed, sweep)
	}
	tw.Flush()

	header := func(first ...string) string {
		cols := append([]string{}, first...)
		for _, r := range c.runs {
			cols = append(cols, r.ID)
		}
		return "  " + strings.Join(cols, "\t")
	}

	names := c.differ
	switch {
	case all:
		names = append(append([]string{}, c.differ...), c.same...)
		fmt.Fprintln(w, "\nparams (* differs)")
	case len(c.differ) == 0:
		fmt.Fprintf(w, "\nparams: all %d equal (--all shows them)\n", len(c.same))
	default:
		fmt.Fprintf(w, "\nparams that differ (%d equal, --all shows them)\n", len(c.same))
	}
	if len(names) > 0 {
		tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, header("name"))
		for i, k := range names {
			label := k
			if all && i < len(c.differ) {
				label = "*" + k
			}
			cells := []string{label}
			for _, r := range c.runs {
				cells = append(cells, clip(paramCell(r.Params, k), 24))
			}
			fmt.Fprintln(tw, "  "+strings.Join(cells, "\t"))
		}
		tw.Flush()
	}

	fmt.Fprintln(w, "\nmetrics")
	if len(c.metrics) == 0 {
		fmt.Fprintln(w, "  (none)")
	} else {
		tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, header("name", "value"))
		for _, m := range c.metrics {
			finals, bests := []string{m, "final"}, []string{"", "best"}
			for i := range c.runs {
				s, ok := c.sums[i][m]
				f, b := "-", "-"
				if ok {
					f = fmtFloat(s.Final)
					if s.HasBest {
						b = fmtFloat(s.Best)
					}
				}
				finals, bests = append(finals, f), append(bests, b)
			}
			fmt.Fprintln(tw, "  "+strings.Join(finals, "\t"))
			if metricGoal(m) != goalUnknown {
				fmt.Fprintln(tw, "  "+strings.Join(bests, "\t"))
			}
		}
		tw.Flush()
	}

	if len(c.groups) == 0 {
		return
	}
	fmt.Fprintln(w, "\nseed groups: runs that differ only in seed; final values as mean ± standard error")
	for gi, g := range c.groups {
		first := c.runs[g.runs[0]]
		var ids, seeds []string
		for _, i := range g.runs {
			ids = append(ids, c.runs[i].ID)
			seeds = append(seeds, fmt.Sprint(c.runs[i].Seed))
		}
		fmt.Fprintf(w, "  group %d: %s, %d runs, seeds %s\n", gi+1, first.Experiment, len(g.runs), strings.Join(seeds, ", "))
		if len(c.differ) > 0 {
			var ps []string
			for _, k := range c.differ {
				ps = append(ps, k+"="+paramCell(first.Params, k))
			}
			fmt.Fprintf(w, "    params %s\n", strings.Join(ps, " "))
		}
		fmt.Fprintf(w, "    runs %s\n", strings.Join(ids, " "))
		tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		for _, m := range c.metrics {
			s, ok := g.metrics[m]
			if !ok {
				continue
			}
			fmt.Fprintf(tw, "    %s\t%s\tn=%d\n", m, s.String(), s.n)
		}
		tw.Flush()
	}
}

func (s meanSE) String() string {
	if s.n < 2 {
		return fmtFloat(s.mean)
	}
	return fmtFloat(s.mean) + " ± " + fmtFloat(s.se)
}

// CompareJSON is `exp compare --json`.
type CompareJSON struct {
	Runs            []RunJSON                               `json:"runs"`
	DifferingParams []string                                `json:"differing_params"`
	Metrics         map[string]map[string]CompareMetricJSON `json:"metrics"` // metric -> run id -> values
	Groups          []GroupJSON                             `json:"groups"`
}

// CompareMetricJSON is one run's final and best value of a metric; null
// where NaN or infinite, best null where the metric has no known direction.
type CompareMetricJSON struct {
	Final any `json:"final"`
	Best  any `json:"best"`
}

// GroupJSON is a group of runs that differ only in seed.
type GroupJSON struct {
	Experiment string                `json:"experiment"`
	Params     map[string]any        `json:"params"`
	Runs       []string              `json:"runs"`
	Seeds      []int64               `json:"seeds"`
	Metrics    map[string]MeanSEJSON `json:"metrics"`
}

// MeanSEJSON is the mean and standard error of a metric's final values in
// a group; N counts the finite values, SE is null below two.
type MeanSEJSON struct {
	N    int `json:"n"`
	Mean any `json:"mean"`
	SE   any `json:"se"`
}

func (c *comparison) json() CompareJSON {
	out := CompareJSON{Runs: []RunJSON{}, DifferingParams: append([]string{}, c.differ...),
		Metrics: map[string]map[string]CompareMetricJSON{}, Groups: []GroupJSON{}}
	for _, r := range c.runs {
		out.Runs = append(out.Runs, runJSON(r))
	}
	for _, m := range c.metrics {
		per := map[string]CompareMetricJSON{}
		for i, r := range c.runs {
			s, ok := c.sums[i][m]
			if !ok {
				continue
			}
			v := CompareMetricJSON{Final: jsonNumber(s.Final)}
			if s.HasBest {
				v.Best = jsonNumber(s.Best)
			}
			per[r.ID] = v
		}
		out.Metrics[m] = per
	}
	for _, g := range c.groups {
		first := c.runs[g.runs[0]]
		gj := GroupJSON{Experiment: first.Experiment, Params: first.Params, Runs: []string{}, Seeds: []int64{},
			Metrics: map[string]MeanSEJSON{}}
		if gj.Params == nil {
			gj.Params = map[string]any{}
		}
		for _, i := range g.runs {
			gj.Runs = append(gj.Runs, c.runs[i].ID)
			gj.Seeds = append(gj.Seeds, c.runs[i].Seed)
		}
		for m, s := range g.metrics {
			gj.Metrics[m] = MeanSEJSON{N: s.n, Mean: jsonNumber(s.mean), SE: jsonNumber(s.se)}
		}
		out.Groups = append(out.Groups, gj)
	}
	return out
}
