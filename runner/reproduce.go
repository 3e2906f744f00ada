package runner

import (
	"context"
	"fmt"
	"math"

	"github.com/exp-ml/exp/tracking"
)

// Difference is the first metric value where two runs disagree.
type Difference struct {
	Metric string  `json:"metric"`
	Step   int     `json:"step"`
	Old    float64 `json:"old"`
	New    float64 `json:"new"`
	Detail string  `json:"detail,omitempty"`
}

// Reproduction is the outcome of Reproduce.
type Reproduction struct {
	Run, NewRun string
	Identical   bool
	First       *Difference
}

// Reproduce re-runs a run from its stored source, variables and seed, for
// as many steps as it trained, and compares every metric value bit for bit.
func Reproduce(ctx context.Context, runID string, opts Options) (*Reproduction, error) {
	old, err := opts.Store.Run(ctx, runID)
	if err != nil {
		return nil, err
	}
	p, err := recompile(old)
	if err != nil {
		return nil, err
	}
	oldSeries, err := opts.Store.AllSeries(ctx, old.ID)
	if err != nil {
		return nil, err
	}
	last := 0
	for _, s := range oldSeries {
		for _, m := range s {
			last = max(last, m.Step)
		}
	}
	if last == 0 {
		return nil, fmt.Errorf("run %s recorded no metrics to reproduce", old.ID)
	}
	// The command line may have cut the original budget: train exactly as
	// many steps as it did.
	opts.Epochs, opts.MaxSteps = 1<<30, last
	res, err := Run(ctx, p, opts)
	if err != nil {
		return nil, err
	}
	newSeries, err := opts.Store.AllSeries(ctx, res.RunID)
	if err != nil {
		return nil, err
	}
	out := &Reproduction{Run: old.ID, NewRun: res.RunID}
	out.First = FirstDifference(oldSeries, newSeries)
	out.Identical = out.First == nil && res.Status == old.Status
	if out.First == nil && res.Status != old.Status {
		out.First = &Difference{Detail: fmt.Sprintf("status %s, originally %s", res.Status, old.Status)}
	}
	return out, nil
}

// FirstDifference compares two runs' metric series bit for bit and returns
// the earliest disagreement (by step, then metric name), or nil.
func FirstDifference(a, b map[string][]tracking.Metric) *Difference {
	var first *Difference
	consider := func(d *Difference) {
		if first == nil || d.Step < first.Step || (d.Step == first.Step && d.Metric < first.Metric) {
			first = d
		}
	}
	for _, name := range sortedKeys(a) {
		sa, sb := a[name], b[name]
		for i := 0; i < max(len(sa), len(sb)); i++ {
			switch {
			case i >= len(sb):
				consider(&Difference{Metric: name, Step: sa[i].Step, Old: sa[i].Value, New: math.NaN(), Detail: "missing in the new run"})
			case i >= len(sa):
				consider(&Difference{Metric: name, Step: sb[i].Step, Old: math.NaN(), New: sb[i].Value, Detail: "missing in the original run"})
			case sa[i].Step != sb[i].Step:
				consider(&Difference{Metric: name, Step: min(sa[i].Step, sb[i].Step), Old: sa[i].Value, New: sb[i].Value, Detail: "logged at different steps"})
			case math.Float64bits(sa[i].Value) != math.Float64bits(sb[i].Value):
				consider(&Difference{Metric: name, Step: sa[i].Step, Old: sa[i].Value, New: sb[i].Value})
			default:
				continue
			}
			break
		}
	}
	for _, name := range sortedKeys(b) {
		if _, ok := a[name]; !ok && len(b[name]) > 0 {
			consider(&Difference{Metric: name, Step: b[name][0].Step, Old: math.NaN(), New: b[name][0].Value, Detail: "metric missing in the original run"})
		}
	}
	return first
}
