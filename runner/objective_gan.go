package runner

import (
	"math/rand/v2"
	"slices"

	"github.com/exp-ml/exp/graph"
	"github.com/exp-ml/exp/runner/data"
	"github.com/exp-ml/exp/runner/img"
)

// gan trains a generator against a discriminator (Goodfellow et al. 2014,
// Algorithm 1): k discriminator updates, each on a fresh real batch and fresh
// noise, then one generator update. Real and fake batches go through D in
// two workspaces, so batchnorm statistics are per batch.
type gan struct {
	g, d                *Model
	gWS, realWS, fakeWS *graph.Workspace
	optG, optD          []*Optimizer
	batcher             *data.Batcher
	minimax, uniform    bool
	k                   int
	cond                bool
	classes             int
	noise               *rand.Rand
	zIn, xIn            string
	labels              []int32
	zDim                int
	dStepsTaken         int // counted for tests of k
}

func newGAN(t *trainer) *gan {
	o := t.p.Exp.Objective
	gm := &gan{g: t.p.Model(o.Generator), d: t.p.Model(o.Discriminator), batcher: t.batcher,
		minimax: o.Loss == "minimax", uniform: o.Noise == "uniform", k: max(o.DSteps, 1),
		cond: o.Condition == "label", noise: t.noise}
	gm.classes = t.p.DataShapes[o.Data].NumClasses
	for _, opt := range t.optims {
		if slices.Contains(opt.Models, gm.g.Name) {
			gm.optG = append(gm.optG, opt)
		} else {
			gm.optD = append(gm.optD, opt)
		}
	}
	// The step runs one op at a time: its workspaces share one set of
	// convolution temporaries.
	b, arena := t.batcher.BatchSize(), graph.NewArena()
	gm.gWS = gm.g.Graph.NewSharedWorkspace(b, arena)
	gm.realWS, gm.fakeWS = gm.d.Graph.NewSharedWorkspace(b, arena), gm.d.Graph.NewSharedWorkspace(b, arena)
	for _, ws := range []*graph.Workspace{gm.gWS, gm.realWS, gm.fakeWS} {
		ws.SetRand(t.dropout)
	}
	gm.zIn, gm.xIn = mainInput(gm.g.Spec).Name, mainInput(gm.d.Spec).Name
	gm.zDim = graph.Numel(mainInput(gm.g.Spec).Shape)
	gm.labels = make([]int32, b)
	return gm
}

func (gm *gan) metricNames() []string {
	return []string{"train/loss", "train/d_loss", "train/g_loss", "train/d_real", "train/d_fake"}
}

func (gm *gan) batchesPerStep() int { return gm.k }

// drawNoise fills the generator's noise input from the prior and, for a
// conditional GAN, its label input with uniformly drawn labels.
func (gm *gan) drawNoise() {
	drawPrior(gm.gWS.Input(gm.zIn).Data, gm.uniform, gm.noise)
	if gm.cond {
		for i := range gm.labels {
			gm.labels[i] = int32(gm.noise.IntN(gm.classes))
		}
		oneHot(gm.gWS.Input("y").Data, gm.labels, gm.classes)
	}
}

func drawPrior(z []float32, uniform bool, r *rand.Rand) {
	for i := range z {
		if uniform {
			z[i] = float32(r.Float64()*2 - 1)
		} else {
			z[i] = float32(r.NormFloat64())
		}
	}
}

// generate runs G on fresh noise and feeds its output (and labels) to the
// fake workspace of D.
func (gm *gan) generate() {
	gm.drawNoise()
	gm.gWS.Forward(true)
	copy(gm.fakeWS.Input(gm.xIn).Data, gm.gWS.Out(0).Data)
	if gm.cond {
		copy(gm.fakeWS.Input("y").Data, gm.gWS.Input("y").Data)
	}
}

func (gm *gan) step(vals []float64) {
	n := gm.realWS.Batch()
	scale := float32(1 / float64(n))
	var dLoss, dReal, dFake float64
	for i := 0; i < gm.k; i++ {
		if gm.cond {
			gm.batcher.Next(gm.realWS.Input(gm.xIn).Data, gm.labels)
			oneHot(gm.realWS.Input("y").Data, gm.labels, gm.classes)
		} else {
			gm.batcher.Next(gm.realWS.Input(gm.xIn).Data, nil)
		}
		gm.generate()
		gm.realWS.Forward(true)
		gm.fakeWS.Forward(true)
		real, fake := gm.realWS.Out(0).Data, gm.fakeWS.Out(0).Data
		// D maximises log D(x) + log(1 − D(G(z))): minimise the two cross-entropies.
		lr := graph.SigmoidCrossEntropy(real, 1, gm.realWS.OutGrad(0).Data, scale)
		lf := graph.SigmoidCrossEntropy(fake, 0, gm.fakeWS.OutGrad(0).Data, scale)
		gm.realWS.Backward(graph.BackwardOpts{ParamGrads: true})
		gm.fakeWS.Backward(graph.BackwardOpts{ParamGrads: true})
		for _, o := range gm.optD {
			o.Step()
		}
		gm.dStepsTaken++
		dLoss = (lr + lf) / float64(n)
		dReal, dFake = graph.MeanSigmoid(real), graph.MeanSigmoid(fake)
	}
	gm.generate()
	gm.fakeWS.Forward(true)
	fake := gm.fakeWS.Out(0).Data
	var gLoss float64
	if gm.minimax {
		// G minimises log(1 − D(G(z))) = −softplus(l): the negated fake cross-entropy.
		gLoss = -graph.SigmoidCrossEntropy(fake, 0, gm.fakeWS.OutGrad(0).Data, -scale) / float64(n)
	} else {
		// Non-saturating: G maximises log D(G(z)), i.e. minimises −log D(G(z)).
		gLoss = graph.SigmoidCrossEntropy(fake, 1, gm.fakeWS.OutGrad(0).Data, scale) / float64(n)
	}
	gm.fakeWS.Backward(graph.BackwardOpts{InputGrads: true})
	copy(gm.gWS.OutGrad(0).Data, gm.fakeWS.InputGrad(gm.xIn).Data)
	gm.gWS.Backward(graph.BackwardOpts{ParamGrads: true})
	for _, o := range gm.optG {
		o.Step()
	}
	vals[0], vals[1], vals[2], vals[3], vals[4] = dLoss+gLoss, dLoss, gLoss, dReal, dFake
}

// sampleInto runs G in evaluation mode on the given noise (and labels).
func (gm *gan) sampleInto(ws *graph.Workspace, z []float32, labels []int32) []float32 {
	copy(ws.Input(gm.zIn).Data, z)
	if gm.cond {
		oneHot(ws.Input("y").Data, labels, gm.classes)
	}
	ws.Forward(false)
	return ws.Out(0).Data
}

// drawLabels draws n labels uniformly for a conditional generator (nil for
// an unconditional one).
func (gm *gan) drawLabels(n int, r *rand.Rand) []int32 {
	if !gm.cond {
		return nil
	}
	labels := make([]int32, n)
	for i := range labels {
		labels[i] = int32(r.IntN(gm.classes))
	}
	return labels
}

// Samples draws n samples from G with the given random stream.
func (gm *gan) samples(n int, r *rand.Rand, labels []int32) []float32 {
	ws := gm.g.Graph.NewWorkspace(n)
	z := make([]float32, n*gm.zDim)
	drawPrior(z, gm.uniform, r)
	return append([]float32(nil), gm.sampleInto(ws, z, labels)...)
}

func (gm *gan) evaluate(ev *evalContext) ([]namedValue, error) {
	return ev.ganMetrics(gm)
}

func (gm *gan) artifacts(ev *evalContext) ([]artifactFile, error) {
	if !ev.wants("samples") {
		return nil, nil
	}
	n, cols := 64, 8
	var labels []int32
	if gm.cond {
		// One row per label, the same noise along each column.
		cols = 10
		n = gm.classes * cols
		labels = make([]int32, n)
		for i := range labels {
			labels[i] = int32(i / cols)
		}
	}
	ws := gm.g.Graph.NewWorkspace(n)
	z := ev.fixedNoise(n*gm.zDim, map[bool]string{true: "uniform", false: "normal"}[gm.uniform])
	if gm.cond {
		for i := 0; i < n; i++ {
			copy(z[i*gm.zDim:(i+1)*gm.zDim], z[(i%cols)*gm.zDim:(i%cols+1)*gm.zDim])
		}
	}
	x := gm.sampleInto(ws, z, labels)
	path := ev.path("samples", "png")
	if len(ev.dataShape) == 1 && ev.dataShape[0] == 2 {
		more := gm.samples(mixtureSamples, ev.rng, gm.drawLabels(mixtureSamples, ev.rng))
		pts := make([][2]float32, mixtureSamples)
		for i := range pts {
			pts[i] = [2]float32{more[2*i], more[2*i+1]}
		}
		if err := img.WriteScatter(ev.abs(path), pts, ev.centers()); err != nil {
			return nil, err
		}
		return []artifactFile{{"samples", path}}, nil
	}
	shape := imageShape(ev.dataShape)
	if err := img.WriteGrid(ev.abs(path), x, n, shape[0], shape[1], shape[2], cols, ev.lo, ev.hi); err != nil {
		return nil, err
	}
	return []artifactFile{{"samples", path}}, nil
}
