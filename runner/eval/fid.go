package eval

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Gaussian is a Gaussian fitted to feature vectors, in float64.
type Gaussian struct {
	Mean []float64
	Cov  *mat.SymDense
	N    int // vectors it was fitted on
}

// FitGaussian fits the mean and the unbiased covariance (divided by n−1, as
// numpy.cov and pytorch-fid do) of n vectors of d features stored row after
// row in x. It panics when x does not hold n·d values or n < 2.
func FitGaussian(x []float32, n, d int) Gaussian {
	if len(x) != n*d || n < 2 || d < 1 {
		panic(fmt.Sprintf("eval: FitGaussian of %d values as %d×%d (need n ≥ 2)", len(x), n, d))
	}
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		row := x[i*d : (i+1)*d]
		for j, v := range row {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	// Centre in float64, then one SYRK: C = XcᵀXc / (n−1).
	xc := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		row := x[i*d : (i+1)*d]
		for j, v := range row {
			xc.Set(i, j, float64(v)-mean[j])
		}
	}
	cov := mat.NewSymDense(d, nil)
	cov.SymOuterK(1/float64(n-1), xc.T())
	return Gaussian{Mean: mean, Cov: cov, N: n}
}

// negEigTol is how negative an eigenvalue of a covariance (or of the product
// in FrechetDistance) may be before it is treated as an error rather than
// rounding: relative to the largest eigenvalue.
const negEigTol = 1e-6

// FrechetDistance is the squared Fréchet (2-Wasserstein) distance between two
// Gaussians, the quantity FID reports:
//
//	‖μ1 − μ2‖² + Tr(C1 + C2 − 2 (C1·C2)^½).
//
// Tr((C1·C2)^½) equals Tr((C1^½·C2·C1^½)^½), whose argument is symmetric
// positive semi-definite, so both square roots come from symmetric
// eigendecompositions (no complex parts to discard, unlike scipy's sqrtm).
// Eigenvalues slightly below zero from rounding are clamped to zero.
func FrechetDistance(a, b Gaussian) (float64, error) {
	d := len(a.Mean)
	if len(b.Mean) != d || a.Cov.SymmetricDim() != d || b.Cov.SymmetricDim() != d {
		return 0, fmt.Errorf("eval: Fréchet distance between %d and %d features", d, len(b.Mean))
	}
	var dist float64
	for i := range a.Mean {
		diff := a.Mean[i] - b.Mean[i]
		dist += diff * diff
	}
	s1, err := sqrtSym(a.Cov)
	if err != nil {
		return 0, err
	}
	// M = C1^½ · C2 · C1^½, symmetrised against rounding.
	var t, m mat.Dense
	t.Mul(s1, b.Cov)
	m.Mul(&t, s1)
	ms := mat.NewSymDense(d, nil)
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			ms.SetSym(i, j, (m.At(i, j)+m.At(j, i))/2)
		}
	}
	vals, err := eigenvalues(ms)
	if err != nil {
		return 0, err
	}
	var trSqrt float64
	for _, v := range vals {
		trSqrt += math.Sqrt(math.Max(v, 0))
	}
	return dist + mat.Trace(a.Cov) + mat.Trace(b.Cov) - 2*trSqrt, nil
}

// sqrtSym is the symmetric square root V·diag(√λ)·Vᵀ of a positive
// semi-definite matrix.
func sqrtSym(c *mat.SymDense) (*mat.Dense, error) {
	var es mat.EigenSym
	if !es.Factorize(c, true) {
		return nil, fmt.Errorf("eval: eigendecomposition of a covariance did not converge")
	}
	vals := es.Values(nil)
	var vecs mat.Dense
	es.VectorsTo(&vecs)
	top := 0.0
	for _, v := range vals {
		top = math.Max(top, v)
	}
	n := len(vals)
	scaled := mat.NewDense(n, n, nil)
	for j, v := range vals {
		if v < -negEigTol*top {
			return nil, fmt.Errorf("eval: covariance has eigenvalue %g (largest %g): not positive semi-definite", v, top)
		}
		r := math.Sqrt(math.Max(v, 0))
		for i := 0; i < n; i++ {
			scaled.Set(i, j, vecs.At(i, j)*r)
		}
	}
	var out mat.Dense
	out.Mul(scaled, vecs.T())
	return &out, nil
}

func eigenvalues(c *mat.SymDense) ([]float64, error) {
	var es mat.EigenSym
	if !es.Factorize(c, false) {
		return nil, fmt.Errorf("eval: eigendecomposition did not converge")
	}
	return es.Values(nil), nil
}
