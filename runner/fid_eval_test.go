package runner

import (
	"context"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/exp-ml/exp/runner/eval"
)

// untrainedGAN compiles a shipped GAN experiment and returns its objective
// with freshly initialised weights.
func untrainedGAN(t *testing.T, src string) *gan {
	t.Helper()
	return srcTrainer(t, src, nil).obj.(*gan)
}

func metricValue(t *testing.T, vals []namedValue, name string) float64 {
	t.Helper()
	for _, v := range vals {
		if v.Name == name {
			return v.Value
		}
	}
	t.Fatalf("no %s among %v", name, vals)
	return 0
}

// FID's anchors on the reference classifier: the test set against its own
// statistics is 0; 10,000 training images against them is small; an
// untrained generator's samples are far away.
func TestFIDAnchors(t *testing.T) {
	o := mustTestOutputs(t)
	ref, err := o.rc.referenceStats()
	if err != nil {
		t.Fatal(err)
	}
	self, err := eval.FrechetDistance(eval.FitGaussian(o.features, o.n, o.rc.features), ref)
	if err != nil {
		t.Fatal(err)
	}
	scale := mat.Trace(ref.Cov)
	if math.Abs(self) > 1e-6*scale {
		t.Errorf("FID of the test set against itself %g (total variance %g)", self, scale)
	}
	train, err := mnistSplit("train")
	if err != nil {
		t.Fatal(err)
	}
	const n = 10000
	trainFID, err := eval.FrechetDistance(o.rc.fit(train.Rows(0, n).Floats(), n, nil), ref)
	if err != nil {
		t.Fatal(err)
	}

	// 2,000 samples keep the test quick; fewer samples only raise FID.
	gm := untrainedGAN(t, readExample(t, "gan_mnist.hcl"))
	ev := &evalContext{seed: 1, metrics: map[string]bool{"fid": true, "class_kl": true}, numSamples: 2000,
		rng: streamRand(1, "fid-test"), lo: -1, hi: 1}
	vals, err := ev.ganMetrics(gm)
	if err != nil {
		t.Fatal(err)
	}
	untrained := metricValue(t, vals, "eval/fid")
	t.Logf("FID: test vs test %.2g, 10,000 train vs test %.3f, untrained generator %.1f (class KL %.3f); features' total variance %.1f",
		self, trainFID, untrained, metricValue(t, vals, "eval/class_kl"), scale)
	// The features are unnormalised ReLU outputs, so "small" is relative to
	// their total variance Tr(C).
	if !(trainFID > 0 && trainFID < 0.01*scale) {
		t.Errorf("FID of 10,000 training images %v, want small and positive (total variance %v)", trainFID, scale)
	}
	if !(untrained > 100*trainFID) {
		t.Errorf("untrained generator FID %v, not above 100 × the train-vs-test %v", untrained, trainFID)
	}
}

// cond_acc by construction: a "generator" that returns a random test image
// of each requested class scores what the classifier gets right on exactly
// those images, and class_kl is the KL of their predicted labels.
func TestCondAccByConstruction(t *testing.T) {
	o := mustTestOutputs(t)
	pred := make([]int32, o.n)
	eval.Argmax(pred, o.logits, o.rc.classes)
	byClass := make([][]int, o.rc.classes)
	for i, y := range o.labels {
		byClass[y] = append(byClass[y], i)
	}
	const n = 2000
	size := len(o.x) / o.n
	rng := streamRand(3, "cond-acc-test")
	labels := make([]int32, n)
	chosenPred := make([]int32, n)
	x := make([]float32, n*size)
	correct := 0
	for i := range labels {
		labels[i] = int32(rng.IntN(o.rc.classes))
		pick := byClass[labels[i]][rng.IntN(len(byClass[labels[i]]))]
		copy(x[i*size:], o.x[pick*size:(pick+1)*size])
		chosenPred[i] = pred[pick]
		if pred[pick] == labels[i] {
			correct++
		}
	}
	ev := &evalContext{metrics: map[string]bool{"cond_acc": true, "class_kl": true}}
	vals, err := ev.mnistSampleMetrics(x, n, labels)
	if err != nil {
		t.Fatal(err)
	}
	acc, kl := metricValue(t, vals, "eval/cond_acc"), metricValue(t, vals, "eval/class_kl")
	t.Logf("cond_acc %.4f, class_kl %.4f on %d real test images", acc, kl, n)
	if acc != float64(correct)/n {
		t.Errorf("cond_acc %v, want %v (the classifier's hits on the chosen images)", acc, float64(correct)/n)
	}
	if acc < 0.98 {
		t.Errorf("cond_acc %v of real images of the requested class, want about the classifier's accuracy", acc)
	}
	if want := eval.ClassKL(chosenPred, o.rc.classes); math.Abs(kl-want) > 1e-12 || kl > 0.02 {
		t.Errorf("class_kl %v, want %v and near 0 for uniformly requested classes", kl, want)
	}
}

// A briefly trained MLP GAN (gan_mnist at lr 0.001, 400 steps) has a
// finite FID that falls from its untrained generator's, on the same sample
// count. (At the file's lr of 0.0002 the fall takes over an epoch.)
func TestFIDFallsAsGANTrains(t *testing.T) {
	src := readExample(t, "gan_mnist.hcl")
	const metrics = `metrics = ["samples", "parzen_ll"]`
	if !strings.Contains(src, metrics) {
		t.Fatalf("gan_mnist.hcl no longer says %s", metrics)
	}
	src = strings.Replace(src, metrics, "metrics     = [\"fid\", \"class_kl\"]\n  num_samples = 1000", 1)
	src = strings.Replace(src, `every   = "1 epoch"`, `every   = "200 steps"`, 1)
	sets := map[string]string{"lr": "0.001"}

	tr := srcTrainer(t, src, sets)
	ev := &evalContext{seed: 1, metrics: map[string]bool{"fid": true, "class_kl": true}, numSamples: 1000,
		rng: streamRand(1, "fid-test"), lo: -1, hi: 1}
	vals, err := ev.ganMetrics(tr.obj.(*gan))
	if err != nil {
		t.Fatal(err)
	}
	untrained, untrainedKL := metricValue(t, vals, "eval/fid"), metricValue(t, vals, "eval/class_kl")

	opts := testOptions(t)
	opts.MaxSteps = 400
	run := runSrc(t, opts, src, sets)
	fid, err := opts.Store.Series(context.Background(), run.ID, "eval/fid")
	if err != nil {
		t.Fatal(err)
	}
	if len(fid) != 2 || fid[0].Step != 200 || fid[1].Step != 400 {
		t.Fatalf("eval/fid series %+v, want steps 200 and 400", fid)
	}
	kl := finalMetric(t, run, "eval/class_kl")
	t.Logf("FID on 1,000 samples: untrained %.1f, 200 steps %.1f, 400 steps %.1f; class KL %.3f → %.3f",
		untrained, fid[0].Value, fid[1].Value, untrainedKL, kl)
	last := fid[1].Value
	if math.IsNaN(last) || math.IsInf(last, 0) || !(last < fid[0].Value) || !(last < 0.8*untrained) {
		t.Errorf("FID did not fall: untrained %v, then %v", untrained, fid)
	}
	if !(kl < 0.9*untrainedKL) {
		t.Errorf("class KL %v after 400 steps, untrained %v: no more classes covered", kl, untrainedKL)
	}
}

// The full DCGAN: after one epoch its FID is a fraction of the untrained
// generator's (about 1,000 steps; minutes here).
func TestDCGANFIDAfterOneEpoch(t *testing.T) {
	slow(t)
	src := readExample(t, "dcgan.hcl")
	gm := untrainedGAN(t, src)
	ev := &evalContext{seed: 1, metrics: map[string]bool{"fid": true}, rng: streamRand(1, "fid-test"), lo: -1, hi: 1}
	vals, err := ev.ganMetrics(gm)
	if err != nil {
		t.Fatal(err)
	}
	untrained := metricValue(t, vals, "eval/fid")
	opts := testOptions(t)
	opts.Epochs = 1
	run := runSrc(t, opts, src, nil)
	fid := finalMetric(t, run, "eval/fid")
	t.Logf("DCGAN FID: untrained %.1f, one epoch %.2f; class KL %.3f", untrained, fid, finalMetric(t, run, "eval/class_kl"))
	if !(fid < untrained/10) {
		t.Errorf("one epoch: FID %v, untrained %v", fid, untrained)
	}
}
