package runner

import (
	"math"
	"math/rand/v2"

	"github.com/exp-ml/exp/graph"
	"github.com/exp-ml/exp/runner/data"
	"github.com/exp-ml/exp/runner/img"
)

// elbo trains a VAE: encoder → (mu, logvar) → z = mu + σ·ε → decoder → logits,
// minimising the negative ELBO per example: −log p(x|z) + β·KL(q(z|x) ‖ N(0, I)).
type elbo struct {
	enc, dec     *Model
	encWS, decWS *graph.Workspace
	opt          []*Optimizer
	batcher      *data.Batcher
	gaussian     bool
	beta         float32
	noise        *rand.Rand
	eps          []float32
	latent       int
	encIn, decIn string
	x            []float32
}

func newELBO(t *trainer) *elbo {
	o := t.p.Exp.Objective
	e := &elbo{enc: t.p.Model(o.Encoder), dec: t.p.Model(o.Decoder), opt: t.optims,
		batcher: t.batcher, gaussian: o.Likelihood == "gaussian", beta: float32(o.KLWeight), noise: t.noise}
	b, arena := t.batcher.BatchSize(), graph.NewArena() // one op at a time: shared temporaries
	e.encWS, e.decWS = e.enc.Graph.NewSharedWorkspace(b, arena), e.dec.Graph.NewSharedWorkspace(b, arena)
	e.encWS.SetRand(t.dropout)
	e.decWS.SetRand(t.dropout)
	e.latent = e.enc.OutputShapes[0][0]
	e.eps = make([]float32, b*e.latent)
	e.encIn, e.decIn = e.enc.Spec.Inputs[0].Name, e.dec.Spec.Inputs[0].Name
	e.x = e.encWS.Input(e.encIn).Data
	return e
}

func (e *elbo) metricNames() []string {
	return []string{"train/loss", "train/neg_elbo", "train/recon", "train/kl"}
}

func (e *elbo) batchesPerStep() int { return 1 }

func (e *elbo) step(vals []float64) {
	e.batcher.Next(e.x, nil)
	recon, kl := e.forwardBackward(e.encWS, e.decWS, e.x, true)
	for _, o := range e.opt {
		o.Step()
	}
	n := float64(e.encWS.Batch())
	vals[0] = (recon + float64(e.beta)*kl) / n
	vals[1] = (recon + kl) / n
	vals[2] = recon / n
	vals[3] = kl / n
}

// forwardBackward runs one batch; with train it also accumulates gradients.
// It returns the batch's summed reconstruction NLL and KL.
func (e *elbo) forwardBackward(enc, dec *graph.Workspace, x []float32, train bool) (recon, kl float64) {
	n := enc.Batch()
	enc.Forward(train)
	mu, logvar := enc.Out(0).Data, enc.Out(1).Data
	for i := range e.eps[:n*e.latent] {
		e.eps[i] = float32(e.noise.NormFloat64())
	}
	z := dec.Input(e.decIn).Data
	graph.Reparameterize(z, mu, logvar, e.eps[:n*e.latent])
	dec.Forward(train)
	scale := float32(1 / float64(n))
	var gl, gmu, glv []float32
	if train {
		gl, gmu, glv = dec.OutGrad(0).Data, enc.OutGrad(0).Data, enc.OutGrad(1).Data
	}
	recon = e.nll(dec.Out(0).Data, x, gl, scale, nil)
	kl = graph.GaussianKL(mu, logvar, gmu, glv, e.beta*scale, nil)
	if !train {
		return recon, kl
	}
	dec.Backward(graph.BackwardOpts{ParamGrads: true, InputGrads: true})
	graph.ReparameterizeBackward(dec.InputGrad(e.decIn).Data, logvar, e.eps[:n*e.latent], gmu, glv)
	enc.Backward(graph.BackwardOpts{ParamGrads: true})
	return recon, kl
}

func (e *elbo) nll(out, x, grad []float32, scale float32, rows []float64) float64 {
	if e.gaussian {
		return graph.GaussianNLL(out, x, grad, scale, rows)
	}
	return graph.BernoulliNLL(out, x, grad, scale, rows)
}

func (e *elbo) evaluate(ev *evalContext) ([]namedValue, error) {
	var out []namedValue
	d := ev.data
	if d == nil {
		return nil, nil
	}
	b := ev.batch
	enc, dec := e.enc.Graph.NewWorkspace(b), e.dec.Graph.NewWorkspace(b)
	eps := make([]float32, b*e.latent)
	if ev.wants("elbo") {
		var total float64
		rows := make([]float64, b)
		klRows := make([]float64, b)
		forwardInBatches(d, b, func(x []float32, _ []int32) { setInput(enc, e.encIn, x) }, func(_, n int) {
			enc.Forward(false)
			mu, logvar := enc.Out(0).Data, enc.Out(1).Data
			for i := range eps {
				eps[i] = float32(ev.rng.NormFloat64())
			}
			graph.Reparameterize(dec.Input(e.decIn).Data, mu, logvar, eps)
			dec.Forward(false)
			e.nll(dec.Out(0).Data, enc.Input(e.encIn).Data, nil, 1, rows)
			graph.GaussianKL(mu, logvar, nil, nil, 1, klRows)
			for r := 0; r < n; r++ {
				total += rows[r] + klRows[r]
			}
		})
		out = append(out, namedValue{"test/neg_elbo", total / float64(d.N)})
	}
	if ev.wants("iwae_nll") {
		out = append(out, namedValue{"test/iwae_nll", e.iwae(ev, enc, dec, ev.iwaeK)})
	}
	return out, nil
}

// iwae is the importance-weighted bound of Burda et al. (2015) with k samples,
// averaged over the evaluation data: −log (1/k) Σ p(x, z_i) / q(z_i | x),
// combined with log-sum-exp in float64.
func (e *elbo) iwae(ev *evalContext, enc, dec *graph.Workspace, k int) float64 {
	d := ev.data
	b := enc.Batch()
	size := d.Size()
	logw := make([][]float64, b)
	for i := range logw {
		logw[i] = make([]float64, k)
	}
	rows := make([]float64, b)
	eps := make([]float32, b*e.latent)
	var total float64
	const halfLog2Pi = 0.9189385332046727
	forwardInBatches(d, b, func(x []float32, _ []int32) { setInput(enc, e.encIn, x) }, func(_, n int) {
		enc.Forward(false)
		mu, logvar := enc.Out(0).Data, enc.Out(1).Data
		x := enc.Input(e.encIn).Data
		for s := 0; s < k; s++ {
			for i := range eps {
				eps[i] = float32(ev.rng.NormFloat64())
			}
			z := dec.Input(e.decIn).Data
			graph.Reparameterize(z, mu, logvar, eps)
			dec.Forward(false)
			e.nll(dec.Out(0).Data, x[:b*size], nil, 1, rows)
			for r := 0; r < n; r++ {
				// log p(z) − log q(z|x), with z − mu = σ·ε.
				var lp, lq float64
				for j := r * e.latent; j < (r+1)*e.latent; j++ {
					zj, ej := float64(z[j]), float64(eps[j])
					lp += -0.5*zj*zj - halfLog2Pi
					lq += -0.5*ej*ej - halfLog2Pi - 0.5*float64(logvar[j])
				}
				logw[r][s] = -rows[r] + lp - lq
			}
		}
		for r := 0; r < n; r++ {
			total += -(graph.LogSumExp(logw[r]) - math.Log(float64(k)))
		}
	})
	return total / float64(d.N)
}

func (e *elbo) artifacts(ev *evalContext) ([]artifactFile, error) {
	var out []artifactFile
	shape := imageShape(ev.dataShape)
	if ev.wants("samples") {
		const n = 64
		dec := e.dec.Graph.NewWorkspace(n)
		copy(dec.Input(e.decIn).Data, ev.fixedNoise(n*e.latent, "normal"))
		dec.Forward(false)
		pix := e.mean(dec.Out(0).Data)
		path := ev.path("samples", "png")
		if err := img.WriteGrid(ev.abs(path), pix, n, shape[0], shape[1], shape[2], 8, 0, 1); err != nil {
			return nil, err
		}
		out = append(out, artifactFile{"samples", path})
	}
	if ev.wants("reconstructions") && ev.data != nil {
		n := min(32, ev.data.N)
		size := ev.data.Size()
		enc, dec := e.enc.Graph.NewWorkspace(n), e.dec.Graph.NewWorkspace(n)
		ev.data.CopyRows(enc.Input(e.encIn).Data[:n*size], 0, n)
		enc.Forward(false)
		copy(dec.Input(e.decIn).Data, enc.Out(0).Data) // decode the posterior mean
		dec.Forward(false)
		rec := e.mean(dec.Out(0).Data)
		// Pairs: original above, reconstruction below, 8 pairs a row.
		grid := make([]float32, 2*((n+7)/8)*8*size)
		for i := 0; i < n; i++ {
			row, col := i/8, i%8
			ev.data.CopyRows(grid[((2*row)*8+col)*size:][:size], i, 1)
			copy(grid[((2*row+1)*8+col)*size:], rec[i*size:(i+1)*size])
		}
		path := ev.path("reconstructions", "png")
		if err := img.WriteGrid(ev.abs(path), grid, len(grid)/size, shape[0], shape[1], shape[2], 8, 0, 1); err != nil {
			return nil, err
		}
		out = append(out, artifactFile{"reconstructions", path})
	}
	return out, nil
}

// mean maps the decoder's output to the likelihood's mean (sigmoid of the
// Bernoulli logits), in a new slice.
func (e *elbo) mean(out []float32) []float32 {
	m := append([]float32(nil), out...)
	if !e.gaussian {
		for i, v := range m {
			m[i] = float32(1 / (1 + math.Exp(-float64(v))))
		}
	}
	return m
}

// imageShape views a per-example shape as [C, H, W] for grids: vectors of a
// square size become one-channel squares, others a one-pixel-high strip.
func imageShape(s []int) []int {
	if len(s) == 3 {
		return s
	}
	n := graph.Numel(s)
	side := int(math.Sqrt(float64(n)))
	if side*side == n {
		return []int{1, side, side}
	}
	return []int{1, 1, n}
}
