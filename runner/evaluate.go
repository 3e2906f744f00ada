package runner

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/exp-ml/exp/runner/data"
	"github.com/exp-ml/exp/runner/eval"
)

// Metrics the runner can compute today, by objective. The evaluate block's
// other names are refused at compile time rather than silently skipped.
var supportedMetrics = map[string][]string{
	"elbo":       {"elbo", "iwae_nll", "samples", "reconstructions"},
	"gan":        {"samples", "modes", "hq", "reverse_kl"},
	"classifier": {"accuracy"},
}

// evalContext is what an evaluation needs: its own random stream (derived
// from the seed and the step, so evaluating never disturbs training), the
// evaluation data and where to write artifacts.
type evalContext struct {
	seed      int64
	step      int
	data      *data.Dataset // evaluation data; nil when the block names none
	train     *data.Dataset
	dataShape []int
	batch     int
	metrics   map[string]bool
	iwaeK     int
	rng       *rand.Rand
	runDir    string
	lo, hi    float32 // pixel range of the data, for grids
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
	var out []namedValue
	if ev.wants("modes") || ev.wants("hq") || ev.wants("reverse_kl") {
		if ev.train == nil || ev.train.Centers == nil {
			return nil, fmt.Errorf("modes, hq and reverse_kl need gaussian_mixture data")
		}
		s := eval.ScoreMixture(gm.samples(mixtureSamples, ev.rng, nil), ev.train.Centers, ev.train.Std)
		if ev.wants("modes") {
			out = append(out, namedValue{"eval/modes", float64(s.Modes)})
		}
		if ev.wants("hq") {
			out = append(out, namedValue{"eval/hq", s.HQ})
		}
		if ev.wants("reverse_kl") {
			out = append(out, namedValue{"eval/reverse_kl", s.ReverseKL})
		}
	}
	return out, nil
}
