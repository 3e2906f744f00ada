package runner

import (
	"context"
	"fmt"
	"math"

	"github.com/exp-ml/exp/dsl"
	"github.com/exp-ml/exp/graph"
	"github.com/exp-ml/exp/runner/img"
	"github.com/exp-ml/exp/tracking"
)

// SampleOptions say what exp sample draws.
type SampleOptions struct {
	N     int
	Seed  int64
	Label int // conditional GAN: the requested class; -1 draws one row per class
	Out   string
}

// loadRun recompiles a stored run and loads its newest intact checkpoint.
func loadRun(ctx context.Context, store *tracking.Store, runID string) (*tracking.Run, *Program, error) {
	run, err := store.Run(ctx, runID)
	if err != nil {
		return nil, nil, err
	}
	p, err := recompile(run)
	if err != nil {
		return nil, nil, err
	}
	ckpt, err := latestCheckpoint(run)
	if err != nil {
		return nil, nil, err
	}
	if err := loadWeights(p, ckpt); err != nil {
		return nil, nil, err
	}
	return run, p, nil
}

// Sample draws samples from a run's generator (GAN) or decoder (VAE) and
// writes them as a PNG grid.
func Sample(ctx context.Context, store *tracking.Store, runID string, so SampleOptions) error {
	_, p, err := loadRun(ctx, store, runID)
	if err != nil {
		return err
	}
	o := p.Exp.Objective
	rng := streamRand(so.Seed, "sample")
	shape := imageShape(p.DataShapes[o.Data].Shape)
	lo := float32(0)
	if d := p.Exp.DataByName(o.Data); d != nil && d.Scale == "tanh" {
		lo = -1
	}
	cols := int(math.Ceil(math.Sqrt(float64(so.N))))
	var x []float32
	switch o.Kind {
	case "gan":
		g := p.Model(o.Generator)
		cond := o.Condition == "label"
		classes := p.DataShapes[o.Data].NumClasses
		n := so.N
		var labels []int32
		if cond {
			if so.Label >= classes {
				return fmt.Errorf("--label %d: the data has classes 0..%d", so.Label, classes-1)
			}
			labels = make([]int32, n)
			for i := range labels {
				if so.Label >= 0 {
					labels[i] = int32(so.Label)
				} else {
					labels[i] = int32(i % classes)
				}
			}
			if so.Label < 0 {
				cols = classes
			}
		} else if so.Label >= 0 {
			return fmt.Errorf("--label needs a conditional GAN (condition = \"label\")")
		}
		ws := g.Graph.NewWorkspace(n)
		zIn := mainInput(g.Spec).Name
		drawPrior(ws.Input(zIn).Data, o.Noise == "uniform", rng)
		if cond {
			oneHot(ws.Input("y").Data, labels, classes)
		}
		ws.Forward(false)
		x = ws.Out(0).Data
	case "elbo":
		if so.Label >= 0 {
			return fmt.Errorf("--label needs a conditional GAN")
		}
		dec := p.Model(o.Decoder)
		ws := dec.Graph.NewWorkspace(so.N)
		drawPrior(ws.Input(dec.Spec.Inputs[0].Name).Data, false, rng)
		ws.Forward(false)
		x = ws.Out(0).Data
		if o.Likelihood != "gaussian" {
			for i, v := range x {
				x[i] = float32(1 / (1 + math.Exp(-float64(v))))
			}
		}
	default:
		return fmt.Errorf("a %s objective has nothing to sample", o.Kind)
	}
	if graph.Numel(p.DataShapes[o.Data].Shape) == 2 {
		pts := make([][2]float32, so.N)
		for i := range pts {
			pts[i] = [2]float32{x[2*i], x[2*i+1]}
		}
		return img.WriteScatter(so.Out, pts, nil)
	}
	return img.WriteGrid(so.Out, x, so.N, shape[0], shape[1], shape[2], cols, lo, 1)
}

// recompile rebuilds a stored run's program from its source, variables and
// seed (a sweep trial's seed is not its file's).
func recompile(run *tracking.Run) (*Program, error) {
	e, diags := dsl.Parse(run.Filename, []byte(run.Source), stringParams(run.Params))
	if diags.HasErrors() {
		return nil, fmt.Errorf("run %s: stored source no longer parses: %s", run.ID, diags.Error())
	}
	e.Seed = run.Seed
	p, diags := Compile(e, CompileOptions{})
	if diags.HasErrors() {
		return nil, fmt.Errorf("run %s: stored source no longer compiles: %s", run.ID, diags.Error())
	}
	return p, nil
}
