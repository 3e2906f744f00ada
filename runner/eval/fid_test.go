package eval

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

const fidTol = 1e-9 // relative, for float64 algebra on small matrices

func gauss(mean []float64, cov [][]float64) Gaussian {
	d := len(mean)
	c := mat.NewSymDense(d, nil)
	for i := range cov {
		for j := i; j < d; j++ {
			c.SetSym(i, j, cov[i][j])
		}
	}
	return Gaussian{Mean: mean, Cov: c}
}

func closeRel(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

// Diagonal covariances: the distance splits per coordinate into
// (μ1−μ2)² + σ1² + σ2² − 2σ1σ2.
func TestFrechetDiagonal(t *testing.T) {
	a := gauss([]float64{1, -2, 0.5}, [][]float64{{4, 0, 0}, {0, 1, 0}, {0, 0, 0.25}})
	b := gauss([]float64{0, 1, 0.5}, [][]float64{{1, 0, 0}, {0, 9, 0}, {0, 0, 0.25}})
	// (1)² + 4 + 1 − 2·2·1 = 2;  (3)² + 1 + 9 − 2·1·3 = 13;  0 + 0.25 + 0.25 − 2·0.5·0.5 = 0.
	want := 2.0 + 13 + 0
	got, err := FrechetDistance(a, b)
	if err != nil || !closeRel(got, want, fidTol) {
		t.Fatalf("got %v (%v), want %v", got, err, want)
	}
	if got, _ := FrechetDistance(a, a); math.Abs(got) > 1e-12 {
		t.Fatalf("distance to itself %v", got)
	}
}

// Non-commuting 2×2 covariances: for a 2×2 matrix A with non-negative
// eigenvalues, Tr √A = √(Tr A + 2√det A); A = C1·C2 has the eigenvalues of
// C1^½·C2·C1^½.
func TestFrechetNonCommuting2x2(t *testing.T) {
	c1 := [][]float64{{2, 0.7}, {0.7, 1}}
	c2 := [][]float64{{1.5, -0.4}, {-0.4, 0.5}}
	a, b := gauss([]float64{0.3, -1}, c1), gauss([]float64{-0.2, 0.4}, c2)
	p := [2][2]float64{
		{c1[0][0]*c2[0][0] + c1[0][1]*c2[1][0], c1[0][0]*c2[0][1] + c1[0][1]*c2[1][1]},
		{c1[1][0]*c2[0][0] + c1[1][1]*c2[1][0], c1[1][0]*c2[0][1] + c1[1][1]*c2[1][1]},
	}
	tr, det := p[0][0]+p[1][1], p[0][0]*p[1][1]-p[0][1]*p[1][0]
	trSqrt := math.Sqrt(tr + 2*math.Sqrt(det))
	want := 0.5*0.5 + 1.4*1.4 + (2 + 1) + (1.5 + 0.5) - 2*trSqrt
	got, err := FrechetDistance(a, b)
	if err != nil || !closeRel(got, want, fidTol) {
		t.Fatalf("got %v (%v), want %v", got, err, want)
	}
	// The distance is symmetric although C1·C2 is not.
	if back, _ := FrechetDistance(b, a); !closeRel(back, got, fidTol) {
		t.Fatalf("d(a,b) = %v, d(b,a) = %v", got, back)
	}
}

// Covariances sharing eigenvectors Q (a random rotation in 6-D):
// Tr((C1·C2)^½) = Σ √(λ1ᵢ·λ2ᵢ).
func TestFrechetSharedEigenvectors(t *testing.T) {
	const d = 6
	r := rand.New(rand.NewPCG(1, 2))
	raw := mat.NewDense(d, d, nil)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			raw.Set(i, j, r.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(raw)
	var q mat.Dense
	qr.QTo(&q)
	l1, l2 := make([]float64, d), make([]float64, d)
	want := 0.0
	for i := range l1 {
		l1[i], l2[i] = 0.1+r.Float64()*3, r.Float64()*2 // l2 may be near 0: a near-singular C2
		want += l1[i] + l2[i] - 2*math.Sqrt(l1[i]*l2[i])
	}
	build := func(l []float64) *mat.SymDense {
		var t, c mat.Dense
		t.Mul(&q, mat.NewDiagDense(d, l))
		c.Mul(&t, q.T())
		s := mat.NewSymDense(d, nil)
		for i := 0; i < d; i++ {
			for j := i; j < d; j++ {
				s.SetSym(i, j, (c.At(i, j)+c.At(j, i))/2)
			}
		}
		return s
	}
	zero := make([]float64, d)
	got, err := FrechetDistance(Gaussian{Mean: zero, Cov: build(l1)}, Gaussian{Mean: zero, Cov: build(l2)})
	if err != nil || !closeRel(got, want, 1e-8) {
		t.Fatalf("got %v (%v), want %v", got, err, want)
	}
}

func TestFitGaussian(t *testing.T) {
	// Three points in 2-D: mean (1, 2); deviations (−1,−1), (0,−1), (1,2).
	x := []float32{0, 1, 1, 1, 2, 4}
	g := FitGaussian(x, 3, 2)
	if g.Mean[0] != 1 || g.Mean[1] != 2 {
		t.Fatalf("mean %v", g.Mean)
	}
	// Unbiased: Σ dev·devᵀ / 2 = [[2, 3], [3, 6]] / 2.
	want := [][]float64{{1, 1.5}, {1.5, 3}}
	for i := 0; i < 2; i++ {
		for j := 0; j < 2; j++ {
			if g.Cov.At(i, j) != want[i][j] {
				t.Fatalf("cov[%d][%d] = %v, want %v", i, j, g.Cov.At(i, j), want[i][j])
			}
		}
	}
}

// Samples from two known Gaussians: the fitted distance approaches the true one.
func TestFrechetOfFittedSamples(t *testing.T) {
	const n, d = 20000, 3
	r := rand.New(rand.NewPCG(3, 4))
	x, y := make([]float32, n*d), make([]float32, n*d)
	for i := range x {
		x[i] = float32(r.NormFloat64())
		y[i] = float32(2*r.NormFloat64() + 1)
	}
	got, err := FrechetDistance(FitGaussian(x, n, d), FitGaussian(y, n, d))
	// Per coordinate: 1² + 1 + 4 − 2·1·2 = 2.
	if err != nil || math.Abs(got-6) > 0.15 {
		t.Fatalf("got %v (%v), want about 6", got, err)
	}
}

func TestFrechetRefusesIndefinite(t *testing.T) {
	a := gauss([]float64{0, 0}, [][]float64{{1, 0}, {0, -1}})
	if _, err := FrechetDistance(a, a); err == nil {
		t.Fatal("an indefinite covariance was accepted")
	}
}
