package runner

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/exp-ml/exp/graph"
)

// The embedded source must be the shipped experiment, byte for byte: the
// weights are documented as that file's training result.
func TestReferenceSourceIsTheExperiment(t *testing.T) {
	if shipped := readExample(t, "mnist_classifier.hcl"); shipped != string(refSource) {
		t.Fatal("runner/reference/mnist_classifier.hcl differs from experiments/mnist_classifier.hcl")
	}
}

func TestReferenceWeightsChecksumIsEnforced(t *testing.T) {
	bad := bytes.Clone(refWeights)
	bad[len(bad)-1] ^= 1
	_, err := buildRefClassifier(refSource, bad, refWeightsSHA256)
	if err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Fatalf("altered weights: %v", err)
	}
	if _, err := referenceClassifier(); err != nil {
		t.Fatal(err)
	}
}

// testSetOutputs runs the reference classifier once over MNIST's test split
// for the tests of this package.
var testSetOutputs = sync.OnceValues(func() (refOutputs, error) {
	rc, err := referenceClassifier()
	if err != nil {
		return refOutputs{}, err
	}
	test, err := mnistSplit("test")
	if err != nil {
		return refOutputs{}, err
	}
	o := refOutputs{rc: rc, x: test.Floats(), labels: test.Labels, n: test.N,
		logits: make([]float32, test.N*rc.classes), features: make([]float32, test.N*rc.features)}
	rc.run(o.x, test.N, o.logits, o.features)
	return o, nil
})

type refOutputs struct {
	rc                  *refClassifier
	x, logits, features []float32
	labels              []int32
	n                   int
}

func mustTestOutputs(t *testing.T) refOutputs {
	t.Helper()
	o, err := testSetOutputs()
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// The committed weights reach the accuracy the docs claim on all 10,000
// test images.
func TestReferenceClassifierAccuracy(t *testing.T) {
	o := mustTestOutputs(t)
	_, correct := graph.SoftmaxCrossEntropy(o.logits, o.labels, nil, 0)
	acc := float64(correct) / float64(o.n)
	t.Logf("reference classifier: %.2f%% of %d test images", 100*acc, o.n)
	if acc < 0.99 {
		t.Fatalf("test accuracy %.4f, want >= 0.99", acc)
	}
}

// TestExportReferenceWeights writes runner/reference/mnist_classifier.safetensors
// from a checkpoint of `exp run experiments/mnist_classifier.hcl`: only the
// model's tensors, with the source's SHA-256 in the metadata. It runs only
// when EXP_REFERENCE_CHECKPOINT names the checkpoint; afterwards update
// refWeightsSHA256 to the SHA-256 it logs.
func TestExportReferenceWeights(t *testing.T) {
	ckpt := os.Getenv("EXP_REFERENCE_CHECKPOINT")
	if ckpt == "" {
		t.Skip("set EXP_REFERENCE_CHECKPOINT to a checkpoint of experiments/mnist_classifier.hcl")
	}
	f, err := os.Open(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tensors, meta, err := readSafetensors(f)
	if err != nil {
		t.Fatal(err)
	}
	p := compileSrc(t, string(refSource), nil)
	m := p.Model(p.Exp.Objective.Model)
	out := map[string]*graph.Tensor{}
	for _, prm := range append(append([]*graph.Param(nil), m.Graph.Params()...), m.Graph.State()...) {
		name := m.Name + "." + prm.Name
		src, ok := tensors[name]
		if !ok || len(src.Data) != len(prm.Value.Data) {
			t.Fatalf("checkpoint lacks %q or has another shape", name)
		}
		out[name] = src
	}
	srcSum := sha256.Sum256(refSource)
	err = writeSafetensors("reference/mnist_classifier.safetensors", out, map[string]string{
		"format":        "exp-weights-1",
		"experiment":    p.Exp.Name,
		"source_sha256": hex.EncodeToString(srcSum[:]),
		"step":          meta["step"],
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("reference/mnist_classifier.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	t.Logf("wrote reference/mnist_classifier.safetensors (%d bytes), SHA-256 %s", len(b), hex.EncodeToString(sum[:]))
}
