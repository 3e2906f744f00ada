package eval

import (
	"math"
	"testing"
)

func TestClassKL(t *testing.T) {
	// Uniform over 4 classes: 0.
	if kl := ClassKL([]int32{0, 1, 2, 3, 3, 2, 1, 0}, 4); math.Abs(kl) > 1e-15 {
		t.Fatalf("uniform: %v", kl)
	}
	// One class only: ln k.
	if kl := ClassKL([]int32{2, 2, 2}, 10); math.Abs(kl-math.Log(10)) > 1e-15 {
		t.Fatalf("collapsed: %v, want ln 10", kl)
	}
	// Q = (1/2, 1/4, 1/4, 0) against 1/4: ½·ln 2 + 0 + 0 (+ 0·ln 0).
	if kl := ClassKL([]int32{0, 0, 1, 2}, 4); math.Abs(kl-0.5*math.Log(2)) > 1e-15 {
		t.Fatalf("got %v, want ½ ln 2", kl)
	}
}

func TestArgmaxAndAgreement(t *testing.T) {
	logits := []float32{0, 3, 1, 5, -1, 2, 7, 7, 0}
	pred := make([]int32, 3)
	Argmax(pred, logits, 3)
	if pred[0] != 1 || pred[1] != 0 || pred[2] != 0 { // a tie keeps the first
		t.Fatalf("argmax %v", pred)
	}
	if a := Agreement(pred, []int32{1, 2, 0}); a != 2.0/3 {
		t.Fatalf("agreement %v", a)
	}
}
