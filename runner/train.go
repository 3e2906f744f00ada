package runner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/rs/zerolog"

	"github.com/exp-ml/exp/dsl"
	"github.com/exp-ml/exp/runner/data"
	"github.com/exp-ml/exp/tracking"
)

// ErrDiverged marks a run stopped because a loss or gradient was not finite.
var ErrDiverged = errors.New("training diverged")

// ErrInterrupted marks a run stopped by its context (SIGINT, SIGTERM).
var ErrInterrupted = errors.New("interrupted")

// Progress receives the training position after each step.
type Progress func(step, total, epoch int, loss float64)

// trainer holds one run's live state.
type trainer struct {
	p       *Program
	opts    Options
	seed    int64
	runID   string
	runDir  string
	trainDS *data.Dataset
	evalDS  *data.Dataset
	batcher *data.Batcher
	optims  []*Optimizer
	obj     objective

	// Random streams; their states go into checkpoints.
	noiseSrc, dropoutSrc *rand.PCG
	noise, dropout       *rand.Rand

	step, total, perEpoch int
	start                 time.Time
	startStep             int     // t.step when this process's loop began
	startFlop             uint64  // graph.GemmFlop() then
	wallOffset            float64 // seconds trained before a resume
	pending               []tracking.Metric
	window                []float64
	windowN               int
	lastHeartbeat         time.Time
	log                   zerolog.Logger
	stopper               *earlyStopper // nil outside a sweep with early_stop
}

func newTrainer(p *Program, opts Options, trainDS, evalDS *data.Dataset) (*trainer, error) {
	e := p.Exp
	t := &trainer{p: p, opts: opts, seed: e.Seed, trainDS: trainDS, evalDS: evalDS, log: opts.Log}
	t.noiseSrc, t.dropoutSrc = stream(e.Seed, "noise"), stream(e.Seed, "dropout")
	t.noise, t.dropout = rand.New(t.noiseSrc), rand.New(t.dropoutSrc)
	batch := e.Train.BatchSize
	if batch > trainDS.N {
		return nil, fmt.Errorf("batch_size %d is larger than data %q (%d examples)", batch, trainDS.Name, trainDS.N)
	}
	t.batcher = data.NewBatcher(trainDS, batch, streamSeed(e.Seed, "shuffle"), true)
	for _, o := range e.Optimizers {
		t.optims = append(t.optims, newOptimizer(o, p))
	}
	switch e.Objective.Kind {
	case "elbo":
		t.obj = newELBO(t)
	case "gan":
		t.obj = newGAN(t)
	case "classifier":
		t.obj = newClassifier(t)
	default:
		return nil, fmt.Errorf("objective %q has no trainer", e.Objective.Kind)
	}
	t.perEpoch = t.batcher.StepsPerEpoch() / t.obj.batchesPerStep()
	if t.perEpoch == 0 {
		return nil, fmt.Errorf("data %q has too few examples for one step of batch %d", trainDS.Name, batch)
	}
	// The budget: epochs, cut by max_steps; a file that sets max_steps and
	// no epochs trains for max_steps. The command line cuts further.
	epochs := e.Train.Epochs
	if opts.Epochs > 0 {
		epochs = opts.Epochs
	}
	t.total = epochs * t.perEpoch
	if _, setEpochs := e.Train.Ranges["epochs"]; e.Train.MaxSteps > 0 && (!setEpochs && opts.Epochs == 0 || e.Train.MaxSteps < t.total) {
		t.total = e.Train.MaxSteps
	}
	if opts.MaxSteps > 0 && opts.MaxSteps < t.total {
		t.total = opts.MaxSteps
	}
	if t.total <= 0 {
		return nil, fmt.Errorf("nothing to train: epochs and max_steps are both 0")
	}
	t.window = make([]float64, len(t.obj.metricNames()))
	return t, nil
}

// due reports whether an Every fires after the given step.
func (t *trainer) due(ev dsl.Every, step int) bool {
	switch {
	case ev.N <= 0:
		return false
	case ev.Unit == "epoch":
		return step%(ev.N*t.perEpoch) == 0
	default:
		return step%ev.N == 0
	}
}

func (t *trainer) epoch(step int) int { return step / t.perEpoch }

// loop trains from t.step to t.total. It returns nil, ErrInterrupted,
// an error wrapping ErrDiverged, or an I/O error.
func (t *trainer) loop(ctx context.Context) error {
	tr := t.p.Exp.Train
	vals := make([]float64, len(t.window))
	names := t.obj.metricNames()
	// The language fills the defaults; a zero Every is "never". The last
	// step always logs, evaluates, samples and checkpoints (exp sample and
	// exp resume read that checkpoint).
	logEvery, ckptEvery := tr.LogEvery, tr.CheckpointEvery
	t.stopper = newEarlyStopper(t)
	for t.step < t.total {
		if ctx.Err() != nil {
			if err := t.saveCheckpoint(); err != nil {
				return err
			}
			return ErrInterrupted
		}
		for _, o := range t.optims {
			o.SetProgress(t.step, t.total)
		}
		t.obj.step(vals)
		t.step++
		if err := t.checkFinite(names, vals); err != nil {
			return err
		}
		for i, v := range vals {
			t.window[i] += v
		}
		t.windowN++
		if t.opts.Progress != nil {
			t.opts.Progress(t.step, t.total, t.epoch(t.step), vals[0])
		}
		last := t.step == t.total
		if t.due(logEvery, t.step) || last {
			t.flushWindow(names)
		}
		if ev := t.p.Exp.Evaluate; ev != nil && (t.due(ev.Every, t.step) || last) {
			if err := t.evaluate(false); err != nil {
				return err
			}
		}
		if t.due(tr.SampleEvery, t.step) || last {
			if err := t.evaluate(true); err != nil {
				return err
			}
		}
		justLogged := t.stopper.logged(t.pending)
		if err := t.flush(ctx); err != nil {
			return err
		}
		if !last { // a trial that has reached its end completes
			if err := t.stopper.check(ctx, t.step, justLogged); err != nil {
				return err
			}
		}
		if t.due(ckptEvery, t.step) || last {
			if err := t.saveCheckpoint(); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkFinite stops a diverging run, naming the step and the quantity.
func (t *trainer) checkFinite(names []string, vals []float64) error {
	for i, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: %s = %v at step %d", ErrDiverged, names[i], v, t.step)
		}
	}
	for _, o := range t.optims {
		if math.IsNaN(o.lastSq) || math.IsInf(o.lastSq, 0) {
			return fmt.Errorf("%w: gradient norm of optimizer %q = %v at step %d", ErrDiverged, o.Name, math.Sqrt(o.lastSq), t.step)
		}
	}
	return nil
}

func (t *trainer) wall() float64 { return t.wallOffset + time.Since(t.start).Seconds() }

// flushWindow records the mean of each training metric since the last log.
func (t *trainer) flushWindow(names []string) {
	if t.windowN == 0 {
		return
	}
	for i, name := range names {
		t.pending = append(t.pending, tracking.Metric{Name: name, Step: t.step, Epoch: t.epoch(t.step),
			Value: t.window[i] / float64(t.windowN), Wall: t.wall()})
		t.window[i] = 0
	}
	t.windowN = 0
}

// flush writes pending metric rows and, now and then, the heartbeat.
func (t *trainer) flush(ctx context.Context) error {
	if len(t.pending) > 0 {
		if err := t.opts.Store.LogMetrics(context.WithoutCancel(ctx), t.runID, t.pending); err != nil {
			return err
		}
		t.pending = t.pending[:0]
	}
	if time.Since(t.lastHeartbeat) > 10*time.Second {
		t.lastHeartbeat = time.Now()
		return t.opts.Store.Heartbeat(context.WithoutCancel(ctx), t.runID)
	}
	return nil
}

// evaluate computes the evaluate block's metrics, or (artifacts) writes the
// sample grids.
func (t *trainer) evaluate(artifacts bool) error {
	e := t.p.Exp
	ev := &evalContext{seed: t.seed, step: t.step, train: t.trainDS, data: t.evalDS,
		dataShape: t.trainDS.Shape, batch: 500, metrics: map[string]bool{}, iwaeK: 100,
		rng: streamRand(t.seed, fmt.Sprintf("eval/%d/%v", t.step, artifacts)), runDir: t.runDir, lo: 0, hi: 1}
	if e.Data != nil {
		for _, d := range e.Data {
			if d.Name == e.Objective.Data && d.Scale == "tanh" {
				ev.lo = -1
			}
		}
	}
	if e.Evaluate != nil {
		for _, m := range e.Evaluate.Metrics {
			ev.metrics[m] = true
		}
		ev.numSamples = e.Evaluate.NumSamples
		if e.Evaluate.IWAESamples > 0 {
			ev.iwaeK = e.Evaluate.IWAESamples
		}
	}
	if artifacts {
		files, err := t.obj.artifacts(ev)
		if err != nil {
			return err
		}
		for _, f := range files {
			if err := t.recordArtifact(f.Kind, f.Path); err != nil {
				return err
			}
		}
		return nil
	}
	if ev.data != nil && ev.data.N < ev.batch {
		ev.batch = ev.data.N
	}
	vals, err := t.obj.evaluate(ev)
	if err != nil {
		return err
	}
	for _, v := range vals {
		t.pending = append(t.pending, tracking.Metric{Name: v.Name, Step: t.step, Epoch: t.epoch(t.step), Value: v.Value, Wall: t.wall()})
		t.log.Info().Int("step", t.step).Str("metric", v.Name).Float64("value", v.Value).Msg("evaluation")
	}
	return nil
}
