package runner

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"

	_ "embed"

	"github.com/exp-ml/exp/dsl"
	"github.com/exp-ml/exp/graph"
	"github.com/exp-ml/exp/runner/data"
	"github.com/exp-ml/exp/runner/eval"
)

// The reference MNIST classifier behind eval/fid, eval/class_kl and
// eval/cond_acc: experiments/mnist_classifier.hcl, trained by exp itself.
// Its source (a byte-identical copy, checked by a test) and its model
// tensors are embedded, so every FID any exp binary reports is computed on
// the same features.
//
//go:embed reference/mnist_classifier.hcl
var refSource []byte

//go:embed reference/mnist_classifier.safetensors
var refWeights []byte

// refWeightsSHA256 pins reference/mnist_classifier.safetensors: the model
// tensors (weights and batchnorm statistics) of one run of
//
//	exp run experiments/mnist_classifier.hcl    (5 epochs, 2,340 steps, seed 1, OpenBLAS, 2 threads)
//
// exported with
//
//	EXP_REFERENCE_CHECKPOINT=runs/<id>/checkpoints/step-0002340.safetensors \
//	    go test -tags openblas ./runner -run TestExportReferenceWeights
//
// It classifies 99.11% of the 10,000 MNIST test images correctly
// (TestReferenceClassifierAccuracy; docs/paper-anchors.md).
const refWeightsSHA256 = "54e63e15616db4a37aebdad64d6221d71b9d2290a68c13af35fc3143d66e7d6b"

// refBatch bounds the classifier's activation memory (about 1 MiB an
// example).
const refBatch = 100

// refClassifier is the compiled reference classifier with its weights. Its
// methods may be called from several goroutines: each call runs its own
// workspace over weights that are only read.
type refClassifier struct {
	m                 *Model
	in                string
	classes, features int

	testOnce  sync.Once
	testStats eval.Gaussian
	testErr   error
}

// referenceClassifier builds the classifier once per process.
var referenceClassifier = sync.OnceValues(func() (*refClassifier, error) {
	return buildRefClassifier(refSource, refWeights, refWeightsSHA256)
})

func buildRefClassifier(src, weights []byte, wantSHA string) (*refClassifier, error) {
	sum := sha256.Sum256(weights)
	if got := hex.EncodeToString(sum[:]); got != wantSHA {
		return nil, fmt.Errorf("reference classifier: weights have SHA-256 %s, want %s", got, wantSHA)
	}
	e, diags := dsl.Parse("mnist_classifier.hcl", src, nil)
	if diags.HasErrors() {
		return nil, fmt.Errorf("reference classifier: %s", diags.Error())
	}
	p, diags := Compile(e, CompileOptions{})
	if diags.HasErrors() {
		return nil, fmt.Errorf("reference classifier: %s", diags.Error())
	}
	m := p.Model(e.Objective.Model)
	if len(m.OutputShapes) != 2 || len(m.OutputShapes[1]) != 1 {
		return nil, fmt.Errorf("reference classifier: want outputs [logits, features], have %v", shapesString(m.OutputShapes))
	}
	tensors, _, err := readSafetensors(bytes.NewReader(weights))
	if err != nil {
		return nil, fmt.Errorf("reference classifier: %w", err)
	}
	for _, prm := range append(append([]*graph.Param(nil), m.Graph.Params()...), m.Graph.State()...) {
		src, ok := tensors[m.Name+"."+prm.Name]
		if !ok || len(src.Data) != len(prm.Value.Data) {
			return nil, fmt.Errorf("reference classifier: tensor %q is missing or has another shape", m.Name+"."+prm.Name)
		}
		copy(prm.Value.Data, src.Data)
	}
	return &refClassifier{m: m, in: m.Spec.Inputs[0].Name, classes: m.OutputShapes[0][0], features: m.OutputShapes[1][0]}, nil
}

// run feeds n images (784 values each, in [0,1]) through the classifier,
// writing n rows of logits and of features where those are not nil.
func (rc *refClassifier) run(x []float32, n int, logits, features []float32) {
	size := len(x) / n
	ws := rc.m.Graph.NewWorkspace(min(refBatch, n))
	b := ws.Batch()
	for start := 0; start < n; start += b {
		rows := min(b, n-start)
		in := ws.Input(rc.in).Data
		copy(in, x[start*size:(start+rows)*size])
		clear(in[rows*size:])
		ws.Forward(false)
		if logits != nil {
			copy(logits[start*rc.classes:(start+rows)*rc.classes], ws.Out(0).Data)
		}
		if features != nil {
			copy(features[start*rc.features:(start+rows)*rc.features], ws.Out(1).Data)
		}
	}
}

// predict returns the classifier's label for each of n images.
func (rc *refClassifier) predict(x []float32, n int) []int32 {
	logits := make([]float32, n*rc.classes)
	rc.run(x, n, logits, nil)
	pred := make([]int32, n)
	eval.Argmax(pred, logits, rc.classes)
	return pred
}

// fit runs n images through the classifier and fits a Gaussian to their
// features; with pred not nil it also writes the predicted labels.
func (rc *refClassifier) fit(x []float32, n int, pred []int32) eval.Gaussian {
	feats := make([]float32, n*rc.features)
	var logits []float32
	if pred != nil {
		logits = make([]float32, n*rc.classes)
	}
	rc.run(x, n, logits, feats)
	if pred != nil {
		eval.Argmax(pred, logits, rc.classes)
	}
	return eval.FitGaussian(feats, n, rc.features)
}

// referenceStats are the feature statistics FID compares against: all
// 10,000 images of MNIST's test split, computed once per process.
func (rc *refClassifier) referenceStats() (eval.Gaussian, error) {
	rc.testOnce.Do(func() {
		test, err := mnistSplit("test")
		if err != nil {
			rc.testErr = err
			return
		}
		rc.testStats = rc.fit(test.Floats(), test.N, nil)
	})
	return rc.testStats, rc.testErr
}

// mnistSplit loads one MNIST split in [0,1].
func mnistSplit(split string) (*data.Dataset, error) {
	return data.Load(data.Spec{Kind: "mnist", Name: "mnist_" + split, Split: split, Scale: "unit"})
}
