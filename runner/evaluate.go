package runner

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/hashicorp/hcl/v2"

	"github.com/exp-ml/exp/dsl"
	"github.com/exp-ml/exp/graph"
	"github.com/exp-ml/exp/runner/data"
	"github.com/exp-ml/exp/runner/eval"
)

// Metrics the runner can compute today, by objective. The evaluate block's
// other names are refused at compile time rather than silently skipped.
var supportedMetrics = map[string][]string{
	"elbo":       {"elbo", "iwae_nll", "samples", "reconstructions"},
	"gan":        {"samples", "modes", "hq", "reverse_kl", "fid", "class_kl", "cond_acc", "parzen_ll"},
	"classifier": {"accuracy"},
}

// evalContext is what an evaluation needs: its own random stream (derived
// from the seed and the step, so evaluating never disturbs training), the
// evaluation data and where to write artifacts.
type evalContext struct {
	seed       int64
	step       int
	data       *data.Dataset // evaluation data; nil when the block names none
	train      *data.Dataset
	dataShape  []int
	batch      int
	metrics    map[string]bool
	iwaeK      int
	numSamples int // generated samples for the MNIST metrics; 0 takes defaultNumSamples
	rng        *rand.Rand
	runDir     string
	lo, hi     float32 // pixel range of the data, for grids
}

func (ev *evalContext) wants(m string) bool { return ev.metrics[m] }

// fixedNoise is the same noise at every evaluation of a run, so sample grids
// show progress on the same z.
func (ev *evalContext) fixedNoise(n int, prior string) []float32 {
	z := make([]float32, n)
	drawPrior(z, prior == "uniform", streamRand(ev.seed, "fixed-noise"))
	return z
}

// path names an artifact of this evaluation, relative to the run folder.
func (ev *evalContext) path(kind, ext string) string {
	return filepath.Join(kind, fmt.Sprintf("step-%07d.%s", ev.step, ext))
}

// abs is an artifact's full path; its folder is created on the way.
func (ev *evalContext) abs(rel string) string {
	p := filepath.Join(ev.runDir, rel)
	os.MkdirAll(filepath.Dir(p), 0o755) // a failure surfaces when the file is written
	return p
}

func (ev *evalContext) centers() [][2]float64 {
	if ev.train != nil {
		return ev.train.Centers
	}
	return nil
}

// mixtureSamples is the VEEGAN/PacGAN sample count.
const mixtureSamples = 2500

func (ev *evalContext) ganMetrics(gm *gan) ([]namedValue, error) {
	if ev.train != nil && ev.train.Centers != nil {
		return ev.mixtureMetrics(gm), nil
	}
	if ev.wants("modes") || ev.wants("hq") || ev.wants("reverse_kl") {
		return nil, fmt.Errorf("modes, hq and reverse_kl need gaussian_mixture data")
	}
	if !slices.ContainsFunc(mnistMetrics, ev.wants) {
		return nil, nil
	}
	n := ev.nSamples()
	// Requested labels drawn uniformly, before the noise, from the
	// evaluation's own stream.
	labels := gm.drawLabels(n, ev.rng)
	return ev.mnistSampleMetrics(ev.generate(gm, n, labels), n, labels)
}

// mixtureMetrics scores samples of a generator trained on gaussian_mixture
// data: modes, hq and reverse_kl over mixtureSamples samples and, for a
// conditional generator, cond_acc, the share that lands on the requested
// mode. A conditional generator's labels are drawn uniformly, before the
// noise, from the evaluation's own stream.
func (ev *evalContext) mixtureMetrics(gm *gan) []namedValue {
	labels := gm.drawLabels(mixtureSamples, ev.rng)
	xy := gm.samples(mixtureSamples, ev.rng, labels)
	s := eval.ScoreMixture(xy, ev.train.Centers, ev.train.Std)
	var out []namedValue
	if ev.wants("modes") {
		out = append(out, namedValue{"eval/modes", float64(s.Modes)})
	}
	if ev.wants("hq") {
		out = append(out, namedValue{"eval/hq", s.HQ})
	}
	if ev.wants("reverse_kl") {
		out = append(out, namedValue{"eval/reverse_kl", s.ReverseKL})
	}
	if ev.wants("cond_acc") {
		out = append(out, namedValue{"eval/cond_acc", eval.MixtureCondAcc(xy, labels, ev.train.Centers, ev.train.Std)})
	}
	return out
}

// mnistMetrics are computed from generated MNIST digits: against the
// reference classifier (fid, class_kl, cond_acc) or MNIST's own splits
// (parzen_ll).
var mnistMetrics = []string{"fid", "class_kl", "cond_acc", "parzen_ll"}

// defaultNumSamples is the sample count of FID as the field reports it.
const defaultNumSamples = 10000

// genChunk bounds the generator's activation memory while sampling.
const genChunk = 250

func (ev *evalContext) nSamples() int {
	if ev.numSamples > 0 {
		return ev.numSamples
	}
	return defaultNumSamples
}

// generate draws n samples from G in chunks, the noise from ev.rng, and
// maps them from the data's pixel range [lo, hi] to [0, 1].
func (ev *evalContext) generate(gm *gan, n int, labels []int32) []float32 {
	b := min(genChunk, n)
	ws := gm.g.Graph.NewWorkspace(b)
	size := graph.Numel(gm.g.OutputShapes[0])
	out := make([]float32, n*size)
	z := make([]float32, b*gm.zDim)
	var lb []int32
	if gm.cond {
		lb = make([]int32, b)
	}
	for start := 0; start < n; start += b {
		rows := min(b, n-start)
		drawPrior(z[:rows*gm.zDim], gm.uniform, ev.rng)
		clear(z[rows*gm.zDim:]) // padding rows; evaluation mode treats rows independently
		if gm.cond {
			copy(lb, labels[start:start+rows])
			clear(lb[rows:])
		}
		x := gm.sampleInto(ws, z, lb)
		copy(out[start*size:(start+rows)*size], x)
	}
	toUnit(out, ev.lo, ev.hi)
	return out
}

// toUnit maps pixels from [lo, hi] to [0, 1] in place, clamping.
func toUnit(x []float32, lo, hi float32) {
	scale := 1 / (hi - lo)
	for i, v := range x {
		x[i] = min(max((v-lo)*scale, 0), 1)
	}
}

// mnistSampleMetrics computes the MNIST metrics the evaluate block asks for
// from n generated images x in [0, 1]; labels are the requested classes of a
// conditional generator (nil otherwise).
func (ev *evalContext) mnistSampleMetrics(x []float32, n int, labels []int32) ([]namedValue, error) {
	var out []namedValue
	if ev.wants("fid") || ev.wants("class_kl") || ev.wants("cond_acc") {
		rc, err := referenceClassifier()
		if err != nil {
			return nil, err
		}
		pred := make([]int32, n)
		if ev.wants("fid") {
			if n < 2 {
				return nil, fmt.Errorf("fid needs at least 2 samples, num_samples is %d", n)
			}
			ref, err := rc.referenceStats()
			if err != nil {
				return nil, err
			}
			fid, err := eval.FrechetDistance(rc.fit(x, n, pred), ref)
			if err != nil {
				return nil, err
			}
			out = append(out, namedValue{"eval/fid", fid})
		} else {
			pred = rc.predict(x, n)
		}
		if ev.wants("class_kl") {
			out = append(out, namedValue{"eval/class_kl", eval.ClassKL(pred, rc.classes)})
		}
		if ev.wants("cond_acc") {
			if labels == nil {
				return nil, fmt.Errorf("cond_acc needs a conditional generator")
			}
			out = append(out, namedValue{"eval/cond_acc", eval.Agreement(pred, labels)})
		}
	}
	if ev.wants("parzen_ll") {
		sets, err := parzenSets()
		if err != nil {
			return nil, err
		}
		r := eval.Parzen(x, n, sets.val.Floats(), sets.val.N, sets.test.Floats(), sets.test.N, sets.test.Size(), eval.GoodfellowSigmas())
		out = append(out, namedValue{"eval/parzen_ll", r.TestLL},
			namedValue{"eval/parzen_ll_stderr", r.TestStdErr}, namedValue{"eval/parzen_sigma", r.Sigma})
	}
	return out, nil
}

// parzenSplits are the data of Goodfellow et al.'s Parzen evaluation: σ is
// chosen on the last 10,000 training images (the classic validation split),
// the log-likelihood reported on the 10,000 test images, all in [0, 1].
type parzenSplits struct{ val, test *data.Dataset }

const parzenValidation = 10000

var parzenSets = sync.OnceValues(func() (parzenSplits, error) {
	train, err := mnistSplit("train")
	if err != nil {
		return parzenSplits{}, err
	}
	test, err := mnistSplit("test")
	if err != nil {
		return parzenSplits{}, err
	}
	val := train.Rows(train.N-parzenValidation, parzenValidation) // shares the cached bytes
	val.Name = "mnist_validation"
	return parzenSplits{val: val, test: test}, nil
})

// checkMetricData refuses an MNIST metric on other data: the reference
// classifier, its reference statistics and the Parzen splits are MNIST's.
func checkMetricData(p *Program, metric string, subject hcl.Range) *hcl.Diagnostic {
	if !slices.Contains(mnistMetrics, metric) {
		return nil
	}
	var d *dsl.Data
	if o := p.Exp.Objective; o != nil {
		d = p.Exp.DataByName(o.Data)
	}
	if d == nil || d.Kind == "mnist" || (metric == "cond_acc" && d.Kind == "gaussian_mixture") {
		return nil // a mixture's cond_acc needs no classifier: the label is the mode
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Metric not available for this data",
		Detail: fmt.Sprintf("%q compares generated digits with MNIST (the reference classifier's features of its test split, or its validation and test images); data %q is %s data.",
			metric, d.Name, d.Kind),
		Subject: subject.Ptr()}
}
