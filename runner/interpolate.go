package runner

import (
	"context"
	"fmt"
	"math"

	"github.com/exp-ml/exp/graph"
	"github.com/exp-ml/exp/runner/img"
	"github.com/exp-ml/exp/tracking"
)

// InterpolateOptions say what exp interpolate draws.
type InterpolateOptions struct {
	Steps int // images per row, both end points included (the grid's side with Manifold)
	Rows  int
	Seed  int64
	// Manifold draws the latent manifold of a VAE with a 2-D latent
	// (Kingma & Welling 2013, Fig. 4) instead of interpolations.
	Manifold bool
	Out      string
}

// Interpolate writes a grid of latent interpolations from a run's
// checkpoint: for a GAN or a VAE decoder, each row walks linearly from one
// random prior point to another (Radford et al. 2015, Fig. 4); for a
// conditional GAN each row keeps its noise fixed and moves the label input
// from one class to the next, through mixtures of the two one-hot vectors.
// With Manifold, a VAE with a 2-D latent decodes the Steps×Steps grid of
// Gaussian quantiles Φ⁻¹((i+½)/Steps), the first coordinate along the
// columns and the second growing upwards.
func Interpolate(ctx context.Context, store *tracking.Store, runID string, o InterpolateOptions) error {
	if o.Steps < 2 || o.Rows < 1 {
		return fmt.Errorf("interpolate needs at least 2 steps and 1 row (got %d and %d)", o.Steps, o.Rows)
	}
	_, p, err := loadRun(ctx, store, runID)
	if err != nil {
		return err
	}
	obj := p.Exp.Objective
	shape := p.DataShapes[obj.Data].Shape
	if graph.Numel(shape) == 2 {
		return fmt.Errorf("interpolate draws image grids; data %q holds 2-D points", obj.Data)
	}
	shape = imageShape(shape)
	lo := float32(0)
	if d := p.Exp.DataByName(obj.Data); d != nil && d.Scale == "tanh" {
		lo = -1
	}
	rng := streamRand(o.Seed, "interpolate")
	var x []float32
	n, cols := o.Rows*o.Steps, o.Steps
	switch obj.Kind {
	case "gan":
		if o.Manifold {
			return fmt.Errorf("--manifold draws a VAE's 2-D latent; run %s is a GAN", runID)
		}
		g := p.Model(obj.Generator)
		zIn := mainInput(g.Spec).Name
		zDim := graph.Numel(mainInput(g.Spec).Shape)
		ws := g.Graph.NewWorkspace(n)
		z := ws.Input(zIn).Data
		if obj.Condition == "label" {
			classes := p.DataShapes[obj.Data].NumClasses
			y := ws.Input("y").Data
			clear(y)
			row := make([]float32, zDim)
			for r := 0; r < o.Rows; r++ {
				drawPrior(row, obj.Noise == "uniform", rng)
				from, to := r%classes, (r+1)%classes
				for s := 0; s < o.Steps; s++ {
					i := r*o.Steps + s
					t := float32(s) / float32(o.Steps-1)
					copy(z[i*zDim:(i+1)*zDim], row)
					y[i*classes+from] += 1 - t
					y[i*classes+to] += t
				}
			}
		} else {
			lerpRows(z, zDim, o.Rows, o.Steps, func(v []float32) { drawPrior(v, obj.Noise == "uniform", rng) })
		}
		ws.Forward(false)
		x = ws.Out(0).Data
	case "elbo":
		dec := p.Model(obj.Decoder)
		zIn := dec.Spec.Inputs[0].Name
		zDim := graph.Numel(dec.Spec.Inputs[0].Shape)
		if o.Manifold {
			if zDim != 2 {
				return fmt.Errorf("--manifold needs a 2-D latent; the decoder %q reads %d dimensions", dec.Name, zDim)
			}
			n, cols = o.Steps*o.Steps, o.Steps
		}
		ws := dec.Graph.NewWorkspace(n)
		z := ws.Input(zIn).Data
		if o.Manifold {
			manifoldGrid(z, o.Steps)
		} else {
			lerpRows(z, zDim, o.Rows, o.Steps, func(v []float32) { drawPrior(v, false, rng) })
		}
		ws.Forward(false)
		x = ws.Out(0).Data
		if obj.Likelihood != "gaussian" {
			for i, v := range x {
				x[i] = float32(1 / (1 + math.Exp(-float64(v))))
			}
		}
	default:
		return fmt.Errorf("a %s objective has no latent space to interpolate", obj.Kind)
	}
	return img.WriteGrid(o.Out, x, n, shape[0], shape[1], shape[2], cols, lo, 1)
}

// lerpRows fills rows×steps latent vectors of dim values: row r goes from
// one drawn point to another in equal steps, both ends included.
func lerpRows(z []float32, dim, rows, steps int, draw func([]float32)) {
	a, b := make([]float32, dim), make([]float32, dim)
	for r := 0; r < rows; r++ {
		draw(a)
		draw(b)
		for s := 0; s < steps; s++ {
			t := float32(s) / float32(steps-1)
			dst := z[(r*steps+s)*dim : (r*steps+s+1)*dim]
			for j := range dst {
				dst[j] = (1-t)*a[j] + t*b[j]
			}
		}
	}
}

// manifoldGrid fills side×side 2-D latent points with Gaussian quantiles of
// a uniform grid: column j has z₁ = Φ⁻¹((j+½)/side), row i has
// z₂ = Φ⁻¹(1 − (i+½)/side), so z₂ grows upwards as in a plot.
func manifoldGrid(z []float32, side int) {
	q := func(u float64) float32 { return float32(math.Sqrt2 * math.Erfinv(2*u-1)) }
	for i := 0; i < side; i++ {
		for j := 0; j < side; j++ {
			k := 2 * (i*side + j)
			z[k] = q((float64(j) + 0.5) / float64(side))
			z[k+1] = q(1 - (float64(i)+0.5)/float64(side))
		}
	}
}
