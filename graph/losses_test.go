package graph

import (
	"math"
	"math/rand/v2"
	"testing"
)

const lossTol = 1e-5

// Hand-computed values: each expected number is worked from the formula in
// the comment, not read off the code.

func TestBernoulliNLLHand(t *testing.T) {
	// logits 0 and 2, targets 1 and 0:
	// softplus(0) − 0 = ln 2; softplus(2) − 0 = ln(1 + e²).
	want := math.Ln2 + math.Log(1+math.Exp(2))
	got := BernoulliNLL([]float32{0, 2}, []float32{1, 0}, nil, 1, nil)
	if math.Abs(got-want) > lossTol {
		t.Fatalf("got %v, want %v", got, want)
	}
	// Extreme logits stay finite: −log σ(−100) for target 1 is 100 (+e^-100).
	got = BernoulliNLL([]float32{-100}, []float32{1}, nil, 1, nil)
	if math.Abs(got-100) > 1e-4 {
		t.Fatalf("extreme logit: got %v, want 100", got)
	}
}

func TestGaussianKLHand(t *testing.T) {
	// mu = 1, logvar = 0: −½(1 + 0 − 1 − 1) = ½. mu = 0, logvar = ln 2: −½(1 + ln2 − 0 − 2) = ½(1 − ln 2).
	want := 0.5 + 0.5*(1-math.Ln2)
	got := GaussianKL([]float32{1, 0}, []float32{0, float32(math.Ln2)}, nil, nil, 1, nil)
	if math.Abs(got-want) > lossTol {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestGaussianNLLHand(t *testing.T) {
	// (x − mean) = 2: ½·4 + ½ ln 2π.
	want := 2 + 0.5*math.Log(2*math.Pi)
	if got := GaussianNLL([]float32{1}, []float32{3}, nil, 1, nil); math.Abs(got-want) > lossTol {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestSigmoidCrossEntropyHand(t *testing.T) {
	// −log σ(0) = ln 2 for target 1; −log(1 − σ(ln 3)) = ln(1 + 3) = ln 4 for target 0.
	if got := SigmoidCrossEntropy([]float32{0}, 1, nil, 1); math.Abs(got-math.Ln2) > lossTol {
		t.Fatalf("target 1: got %v", got)
	}
	if got := SigmoidCrossEntropy([]float32{float32(math.Log(3))}, 0, nil, 1); math.Abs(got-math.Log(4)) > lossTol {
		t.Fatalf("target 0: got %v", got)
	}
}

func TestSoftmaxCrossEntropyHand(t *testing.T) {
	// Row [0, ln 3] label 1: p = 3/4, loss = ln(4/3); arg-max is 1, so correct.
	loss, correct := SoftmaxCrossEntropy([]float32{0, float32(math.Log(3))}, []int32{1}, nil, 1)
	if math.Abs(loss-math.Log(4.0/3)) > lossTol || correct != 1 {
		t.Fatalf("got %v, %d", loss, correct)
	}
}

func TestLossRows(t *testing.T) {
	rows := make([]float64, 2)
	total := BernoulliNLL([]float32{0, 0, 2, 2}, []float32{1, 1, 0, 0}, nil, 1, rows)
	if math.Abs(rows[0]-2*math.Ln2) > lossTol || math.Abs(rows[0]+rows[1]-total) > lossTol {
		t.Fatalf("rows %v total %v", rows, total)
	}
}

// checkLossGrad compares a loss's gradient with central differences.
func checkLossGrad(t *testing.T, name string, n int, f func(v, grad []float32) float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	grad := make([]float32, n)
	f(v, grad)
	for i := range v {
		orig := v[i]
		v[i] = orig + gradH
		up := f(v, nil)
		v[i] = orig - gradH
		down := f(v, nil)
		v[i] = orig
		want := (up - down) / float64(float32(orig+gradH)-float32(orig-gradH))
		got := float64(grad[i])
		if math.Abs(got-want) > gradAtol+gradRtol*math.Max(math.Abs(got), math.Abs(want)) {
			t.Fatalf("%s[%d]: gradient %v, finite difference %v", name, i, got, want)
		}
	}
}

func TestLossGradients(t *testing.T) {
	x := []float32{1, 0, 1, 0.3, 0.7, 0, 1}
	checkLossGrad(t, "bernoulli", 7, func(v, g []float32) float64 { return BernoulliNLL(v, x, g, 1, nil) })
	checkLossGrad(t, "gaussian", 7, func(v, g []float32) float64 { return GaussianNLL(v, x, g, 1, nil) })
	checkLossGrad(t, "bce real", 5, func(v, g []float32) float64 { return SigmoidCrossEntropy(v, 1, g, 1) })
	checkLossGrad(t, "bce fake", 5, func(v, g []float32) float64 { return SigmoidCrossEntropy(v, 0, g, 1) })
	checkLossGrad(t, "minimax g", 5, func(v, g []float32) float64 { return -SigmoidCrossEntropy(v, 0, g, -1) })
	labels := []int32{2, 0}
	checkLossGrad(t, "softmax", 6, func(v, g []float32) float64 {
		l, _ := SoftmaxCrossEntropy(v, labels, g, 1)
		return l
	})
	// KL in both arguments: pack mu and logvar into one vector.
	checkLossGrad(t, "kl", 8, func(v, g []float32) float64 {
		if g == nil {
			return GaussianKL(v[:4], v[4:], nil, nil, 1, nil)
		}
		return GaussianKL(v[:4], v[4:], g[:4], g[4:], 1, nil)
	})
	// Reparameterisation: L = Σ w·z with z = mu + e^(lv/2)·eps.
	eps := []float32{0.5, -1, 2, 0.1}
	w := []float32{1, -2, 0.5, 3}
	checkLossGrad(t, "reparameterize", 8, func(v, g []float32) float64 {
		z := make([]float32, 4)
		Reparameterize(z, v[:4], v[4:], eps)
		var s float64
		for i := range z {
			s += float64(w[i] * z[i])
		}
		if g != nil {
			ReparameterizeBackward(w, v[4:], eps, g[:4], g[4:])
		}
		return s
	})
}
