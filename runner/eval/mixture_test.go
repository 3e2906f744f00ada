package eval

import (
	"math"
	"testing"
)

func TestScoreMixture(t *testing.T) {
	centers := [][2]float64{{1, 0}, {0, 1}, {-1, 0}, {0, -1}}
	// Two samples on mode 0, one on mode 1, one far from every mode.
	xy := []float32{1, 0, 1.01, 0, 0, 1, 5, 5}
	s := ScoreMixture(xy, centers, 0.02)
	if s.Modes != 2 || s.HQ != 0.75 {
		t.Fatalf("modes %d hq %v, want 2 and 0.75", s.Modes, s.HQ)
	}
	// Q = (2/3, 1/3, 0, 0) against P = 1/4: 2/3·ln(8/3) + 1/3·ln(4/3).
	want := 2.0/3*math.Log(8.0/3) + 1.0/3*math.Log(4.0/3)
	if math.Abs(s.ReverseKL-want) > 1e-12 {
		t.Fatalf("reverse KL %v, want %v", s.ReverseKL, want)
	}
	if s := ScoreMixture([]float32{9, 9}, centers, 0.02); s.Modes != 0 || s.HQ != 0 || !math.IsInf(s.ReverseKL, 1) {
		t.Fatalf("all off-mode: %+v", s)
	}
}

func TestMixtureCondAcc(t *testing.T) {
	centers := [][2]float64{{1, 0}, {0, 1}, {-1, 0}, {0, -1}}
	// On the requested mode, on another mode, on the requested mode, nowhere.
	xy := []float32{1, 0, 0, 1, -1, 0.01, 5, 5}
	if got := MixtureCondAcc(xy, []int32{0, 0, 2, 3}, centers, 0.02); got != 0.5 {
		t.Fatalf("cond acc %v, want 0.5", got)
	}
	// The same samples asked for other modes: only the second one hits.
	if got := MixtureCondAcc(xy, []int32{1, 1, 1, 1}, centers, 0.02); got != 0.25 {
		t.Fatalf("cond acc %v, want 0.25", got)
	}
}
