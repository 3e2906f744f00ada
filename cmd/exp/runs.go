package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/exp-ml/exp/tracking"
)

const runsUsage = "runs [--experiment NAME] [--status S] [--sweep ID] [--sort KEY] [--limit N] [--json]"

// headlineMetrics are the final metrics `exp runs` shows as columns, when
// any listed run has them (DESIGN.md §5).
var headlineMetrics = []string{"train/loss", "test/neg_elbo", "eval/fid", "eval/modes", "test/accuracy"}

func runRuns(ctx context.Context, env *Env, args []string) error {
	var (
		c common
		f tracking.Filter
	)
	fs := newFlags(env, "runs", runsUsage, &c, true)
	fs.StringVar(&f.Experiment, "experiment", "", "only runs of this experiment")
	fs.StringVar(&f.Status, "status", "", "only runs with this status: running, completed, failed, interrupted, stopped")
	fs.StringVar(&f.SweepID, "sweep", "", "only the trials of this sweep (id or unique prefix)")
	fs.StringVar(&f.Sort, "sort", "", "order by "+strings.Join(tracking.SortKeys(), ", ")+
		" or a metric's final value; a leading '-' sorts descending (default: newest first)")
	fs.IntVar(&f.Limit, "limit", 0, "show at most N runs (0: all)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return badInput("runs takes no arguments, got %q", fs.Arg(0))
	}
	if f.Limit < 0 {
		return badInput("--limit must not be negative, got %d", f.Limit)
	}
	var runs []*tracking.Run
	if dbExists(c.db) {
		store, err := openStore(&c)
		if err != nil {
			return err
		}
		defer store.Close()
		markStale(ctx, store)
		if runs, err = store.Runs(ctx, f); err != nil {
			return storeErr(err)
		}
	}
	if c.json {
		out := make([]RunJSON, 0, len(runs))
		for _, r := range runs {
			out = append(out, runJSON(r))
		}
		return writeJSON(env.Stdout, out)
	}
	if len(runs) == 0 {
		if f == (tracking.Filter{Sort: f.Sort, Limit: f.Limit}) {
			fmt.Fprintf(env.Stdout, "no runs in %s yet; 'exp run FILE' records one\n", c.db)
		} else {
			fmt.Fprintln(env.Stdout, "no runs match")
		}
		return nil
	}
	printRunsTable(env.Stdout, runs, time.Now())
	return nil
}

// printRunsTable prints one line per run: who it is, how it went, the
// variables that set it apart from the others listed, and its headline
// metrics.
func printRunsTable(w io.Writer, runs []*tracking.Run, now time.Time) {
	keys, _ := differingParams(runs)
	if len(runs) == 1 {
		keys = sortedKeys(runs[0].Params)
	}
	var metrics []string
	for _, m := range headlineMetrics {
		for _, r := range runs {
			if _, ok := r.Final[m]; ok {
				metrics = append(metrics, m)
				break
			}
		}
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	head := append([]string{"id", "experiment", "status", "started", "duration"}, keys...)
	fmt.Fprintln(tw, strings.Join(append(head, metrics...), "\t"))
	for _, r := range runs {
		row := []string{r.ID, r.Experiment, r.Status, r.Started.Local().Format("2006-01-02 15:04"), runDuration(r, now)}
		for _, k := range keys {
			row = append(row, clip(paramCell(r.Params, k), 24))
		}
		for _, m := range metrics {
			v, ok := r.Final[m]
			cell := "-"
			if ok {
				cell = fmtFloat(v)
			}
			row = append(row, cell)
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
}

// dbExists reports whether the database file is there: the query commands
// read a store and must not create an empty one at a mistyped path.
func dbExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// openExisting opens the store for a command that reads a run the user
// named; a missing file is the user's mistake.
func openExisting(ctx context.Context, c *common) (*tracking.Store, error) {
	if !dbExists(c.db) {
		return nil, badInput("no database at %s (--db or EXP_DB names another)", c.db)
	}
	store, err := openStore(c)
	if err != nil {
		return nil, err
	}
	markStale(ctx, store)
	return store, nil
}

// markStale marks as interrupted the runs left "running" by a process of
// this host that is gone, so that listings do not show the dead as alive.
// A store the user may not write to is still read: the error is dropped.
func markStale(ctx context.Context, store *tracking.Store) {
	_, _ = store.MarkStale(ctx, 0)
}

// storeErr turns the store's answers to a user's ids, statuses and sort
// keys (not found, ambiguous, invalid) into input errors, exit status 2.
func storeErr(err error) error {
	for _, sentinel := range []error{tracking.ErrNotFound, tracking.ErrAmbiguous, tracking.ErrInvalid} {
		if errors.Is(err, sentinel) {
			return badInput("%s", strings.TrimPrefix(err.Error(), sentinel.Error()+": "))
		}
	}
	return err
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// differingParams splits the variable names of runs into those whose value
// differs between some two runs (or that some run lacks) and those every
// run has with one value; both sorted.
func differingParams(runs []*tracking.Run) (differ, same []string) {
	names := map[string]bool{}
	for _, r := range runs {
		for k := range r.Params {
			names[k] = true
		}
	}
	for _, k := range sortedKeys(names) {
		if paramDiffers(runs, k) {
			differ = append(differ, k)
		} else {
			same = append(same, k)
		}
	}
	return differ, same
}

func paramDiffers(runs []*tracking.Run, k string) bool {
	first, ok := runs[0].Params[k]
	if !ok {
		return true
	}
	for _, r := range runs[1:] {
		v, ok := r.Params[k]
		if !ok || !reflect.DeepEqual(v, first) {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// paramCell is a run's value of variable k, "-" where it has none.
func paramCell(params map[string]any, k string) string {
	v, ok := params[k]
	if !ok {
		return "-"
	}
	return fmtParam(v)
}

// fmtParam prints a variable's value exactly: 0.0002 stays 0.0002, not
// 2e-04 rounded; lists and objects print as JSON.
func fmtParam(v any) string {
	switch v := v.(type) {
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// fmtFloat prints a metric value with four significant digits.
func fmtFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// runDuration is how long the run ran; a run still running counts up to
// now and says so.
func runDuration(r *tracking.Run, now time.Time) string {
	if r.Finished.IsZero() {
		if r.Status == tracking.StatusRunning {
			return fmtDuration(now.Sub(r.Started)) + "+"
		}
		return "-"
	}
	return fmtDuration(r.Finished.Sub(r.Started))
}

// fmtDuration prints d the way people read it: 850ms, 12.3s, 4m05s, 2h07m.
func fmtDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "-"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	d = d.Round(time.Minute)
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
