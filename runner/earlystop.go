package runner

// Early stopping of sweep trials (a sweep's early_stop block).
//
// Vocabulary:
//   - rung k: the step r_k = min_steps · reduction^k at which asha judges a
//     trial (Li et al. 2018, "A System for Massively Parallel
//     Hyperparameter Tuning", asynchronous successive halving);
//   - a trial's value at step s: the latest value of the watched metric it
//     logged at or before s;
//   - a peer reached step s when it logged the metric at a step >= s; only
//     peers that reached s are compared at s.
//
// The trials of a sweep are separate processes sharing one database, so the
// peers' values are read from the store. Stopping only truncates a run: the
// decision reads metrics, never writes a number a later step depends on.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/rs/zerolog"

	"github.com/exp-ml/exp/dsl"
	"github.com/exp-ml/exp/tracking"
)

// ErrStopped marks a sweep trial stopped early by the sweep's early_stop
// block; the run is recorded as stopped, not failed.
var ErrStopped = errors.New("stopped early")

// decision is the outcome of judging one trial at one step.
type decision struct {
	stop      bool
	method    string
	rung      int // asha's rung index; -1 for median
	step      int
	metric    string
	value     float64 // this trial's value
	threshold float64 // the value to match: asha's cutoff, or the peers' median
	keep      int     // asha: how many of the compared trials continue
	compared  int     // trials compared, this one included
}

func (d decision) String() string {
	if d.method == "asha" {
		return fmt.Sprintf("asha rung %d (step %d): %s = %.6g, not among the best %d of %d trials at this rung (threshold %.6g)",
			d.rung, d.step, d.metric, d.value, d.keep, d.compared, d.threshold)
	}
	return fmt.Sprintf("median rule at step %d: %s = %.6g is worse than the median %.6g of %d other trials",
		d.step, d.metric, d.value, d.threshold, d.compared-1)
}

// worse reports whether a is worse than b for goal; NaN is worst of all.
func worse(goal string, a, b float64) bool {
	switch {
	case math.IsNaN(a):
		return !math.IsNaN(b)
	case math.IsNaN(b):
		return false
	case goal == "maximize":
		return a < b
	}
	return a > b
}

// judgeASHA decides whether a trial continues past a rung: only if its
// value is among the best max(1, ⌊n/η⌋) of the n trials that reached the
// rung, itself included. With fewer than η trials only the best continues,
// as in Optuna's SuccessiveHalvingPruner.
func judgeASHA(goal string, reduction int, own float64, peers []float64) (stop bool, threshold float64, keep int) {
	all := append([]float64{own}, peers...)
	sort.Slice(all, func(i, j int) bool { return worse(goal, all[j], all[i]) })
	keep = max(1, len(all)/reduction)
	threshold = all[keep-1]
	return worse(goal, own, threshold), threshold, keep
}

// judgeMedian stops a trial worse than the median of its peers' values at
// the same step (Optuna's MedianPruner). Without peers nothing is stopped.
func judgeMedian(goal string, own float64, peers []float64) (stop bool, median float64) {
	if len(peers) == 0 {
		return false, math.NaN()
	}
	vals := append([]float64(nil), peers...)
	sort.Slice(vals, func(i, j int) bool { return worse(goal, vals[j], vals[i]) })
	n := len(vals)
	median = vals[n/2]
	if n%2 == 0 {
		median = (vals[n/2-1] + vals[n/2]) / 2
	}
	return worse(goal, own, median), median
}

// rungStep is asha's rung k: min_steps · reduction^k. A min_steps of 0
// starts at step 1.
func rungStep(es *dsl.EarlyStop, k int) int {
	r := max(1, es.MinSteps)
	for ; k > 0; k-- {
		r *= es.Reduction
	}
	return r
}

// valueAt is the latest value of a series at or before step.
func valueAt(series []tracking.Metric, step int) (float64, bool) {
	i := sort.Search(len(series), func(i int) bool { return series[i].Step > step })
	if i == 0 {
		return 0, false
	}
	return series[i-1].Value, true
}

// peerValues are the values at step of the sweep's other trials that
// reached it, one per trial index (a trial re-run after an interruption
// has several runs; the one that got furthest counts).
func peerValues(ctx context.Context, store *tracking.Store, sweepID string, trial int, metric string, step int) ([]float64, error) {
	runs, err := store.Runs(ctx, tracking.Filter{SweepID: sweepID})
	if err != nil {
		return nil, err
	}
	type best struct {
		last  int
		value float64
	}
	byTrial := map[int]best{}
	for _, r := range runs {
		if r.TrialIndex == trial {
			continue
		}
		series, err := store.Series(ctx, r.ID, metric)
		if err != nil {
			return nil, err
		}
		if len(series) == 0 || series[len(series)-1].Step < step {
			continue // has not reached this step
		}
		v, ok := valueAt(series, step)
		if !ok {
			continue
		}
		last := series[len(series)-1].Step
		if b, seen := byTrial[r.TrialIndex]; !seen || last > b.last {
			byTrial[r.TrialIndex] = best{last, v}
		}
	}
	trials := make([]int, 0, len(byTrial))
	for k := range byTrial {
		trials = append(trials, k)
	}
	sort.Ints(trials)
	out := make([]float64, len(trials))
	for i, k := range trials {
		out[i] = byTrial[k].value
	}
	return out, nil
}

// judge decides whether the trial of runID stops at step (asha: rung k).
// ok is false when the trial has no value of the metric at or before step:
// there is nothing to judge.
func judge(ctx context.Context, store *tracking.Store, es *dsl.EarlyStop, sweepID, runID string, trial, step, k int) (d decision, ok bool, err error) {
	own, err := store.Series(ctx, runID, es.Metric)
	if err != nil {
		return d, false, err
	}
	v, ok := valueAt(own, step)
	if !ok {
		return d, false, nil
	}
	peers, err := peerValues(ctx, store, sweepID, trial, es.Metric, step)
	if err != nil {
		return d, false, err
	}
	goal := es.Goal
	if goal == "" {
		goal = "minimize"
	}
	d = decision{method: es.Method, rung: -1, step: step, metric: es.Metric, value: v, compared: len(peers) + 1}
	if es.Method == "asha" {
		d.rung = k
		d.stop, d.threshold, d.keep = judgeASHA(goal, max(2, es.Reduction), v, peers)
	} else {
		d.stop, d.threshold = judgeMedian(goal, v, peers)
	}
	return d, true, nil
}

// earlyStopper judges one running trial. A nil *earlyStopper never stops.
type earlyStopper struct {
	es      *dsl.EarlyStop
	store   *tracking.Store
	sweepID string
	runID   string
	trial   int
	next    int // asha: the next rung to judge
	log     zerolog.Logger
}

// newEarlyStopper returns the stopper of a sweep trial whose experiment has
// an early_stop block, starting after step (a resumed run has judged the
// rungs up to its checkpoint); nil otherwise.
func newEarlyStopper(t *trainer) *earlyStopper {
	e := t.p.Exp
	if t.opts.SweepID == "" || e.Sweep == nil || e.Sweep.EarlyStop == nil || e.Sweep.EarlyStop.Metric == "" {
		return nil
	}
	s := &earlyStopper{es: e.Sweep.EarlyStop, store: t.opts.Store, sweepID: t.opts.SweepID,
		runID: t.runID, trial: t.opts.TrialIndex, log: t.log}
	for rungStep(s.es, s.next) <= t.step {
		s.next++
	}
	return s
}

// logged reports whether pending holds the watched metric: the median rule
// judges a trial at each step that logs it.
func (s *earlyStopper) logged(pending []tracking.Metric) bool {
	if s == nil {
		return false
	}
	for _, m := range pending {
		if m.Name == s.es.Metric {
			return true
		}
	}
	return false
}

// check judges the trial after step's metrics were written; it returns an
// error wrapping ErrStopped when the trial must stop. justLogged says
// whether this step logged the watched metric.
func (s *earlyStopper) check(ctx context.Context, step int, justLogged bool) error {
	if s == nil {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	if s.es.Method != "asha" {
		if !justLogged || step < s.es.MinSteps {
			return nil
		}
		return s.decide(ctx, step, -1)
	}
	for rungStep(s.es, s.next) <= step {
		k := s.next
		s.next++
		if err := s.decide(ctx, rungStep(s.es, k), k); err != nil {
			return err
		}
	}
	return nil
}

func (s *earlyStopper) decide(ctx context.Context, step, k int) error {
	d, ok, err := judge(ctx, s.store, s.es, s.sweepID, s.runID, s.trial, step, k)
	if err != nil {
		return fmt.Errorf("early stopping: %w", err)
	}
	if !ok {
		s.log.Warn().Int("step", step).Str("metric", s.es.Metric).
			Msg("early stopping: the metric was not logged at or before this step; the trial is not judged here")
		return nil
	}
	ev := s.log.Info()
	if d.stop {
		ev = s.log.Warn()
	}
	ev.Int("step", step).Str("metric", d.metric).Float64("value", d.value).Float64("threshold", d.threshold).
		Int("compared", d.compared).Bool("stop", d.stop).Msg("early stopping")
	if d.stop {
		return fmt.Errorf("%w: %s", ErrStopped, d)
	}
	return nil
}
