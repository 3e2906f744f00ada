package eval

import (
	"math"
	"math/rand/v2"
	"testing"
)

// parzenNaive is the definition, term by term, in float64.
func parzenNaive(s []float32, n int, x []float32, d int, sigma float64) float64 {
	terms := make([]float64, n)
	top := math.Inf(-1)
	for j := 0; j < n; j++ {
		var dd float64
		for k := 0; k < d; k++ {
			diff := float64(x[k]) - float64(s[j*d+k])
			dd += diff * diff
		}
		terms[j] = -dd / (2 * sigma * sigma)
		top = math.Max(top, terms[j])
	}
	var sum float64
	for _, v := range terms {
		sum += math.Exp(v - top)
	}
	return top + math.Log(sum) - math.Log(float64(n)) - float64(d)/2*math.Log(2*math.Pi*sigma*sigma)
}

func TestParzenMatchesDefinition(t *testing.T) {
	// Odd sizes: more rows than one block, a sample count not a multiple of anything.
	const n, m, d = 37, parzenBlock + 13, 11
	r := rand.New(rand.NewPCG(5, 6))
	s, x := make([]float32, n*d), make([]float32, m*d)
	for i := range s {
		s[i] = r.Float32()
	}
	for i := range x {
		x[i] = r.Float32()
	}
	sigmas := []float64{0.05, 0.2, 1}
	ll := ParzenLogLik(s, n, x, m, d, sigmas)
	worst, at := 0.0, 0
	for k, sg := range sigmas {
		for i := 0; i < m; i++ {
			want := parzenNaive(s, n, x[i*d:(i+1)*d], d, sg)
			if e := math.Abs(ll[k][i]-want) / math.Max(1, math.Abs(want)); e > worst {
				worst, at = e, k*m+i
			}
		}
	}
	// float32 dot products in the distances: about 1e-6 relative.
	if worst > 1e-5 {
		t.Fatalf("worst relative error %g at σ index %d row %d", worst, at/m, at%m)
	}
}

// One sample at the origin, a point at distance r: −r²/2σ² − (d/2)·ln 2πσ².
func TestParzenSingleSample(t *testing.T) {
	s := []float32{0, 0}
	x := []float32{3, 4}
	got := ParzenLogLik(s, 1, x, 1, 2, []float64{0.5})[0][0]
	want := -25/(2*0.25) - math.Log(2*math.Pi*0.25)
	if math.Abs(got-want) > 1e-9 {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// Samples and test points from one Gaussian N(0, τ²I): the chosen σ must sit
// near the grid value that maximises the validation likelihood, and the
// test log-likelihood must fall short of the true density's.
func TestParzenChoosesSigma(t *testing.T) {
	const n, m, d, tau = 2000, 500, 2, 0.3
	r := rand.New(rand.NewPCG(7, 8))
	draw := func(k int) []float32 {
		v := make([]float32, k*d)
		for i := range v {
			v[i] = float32(tau * r.NormFloat64())
		}
		return v
	}
	s, val, test := draw(n), draw(m), draw(m)
	sigmas := GoodfellowSigmas()
	if math.Abs(sigmas[0]-0.1) > 1e-12 || math.Abs(sigmas[9]-1) > 1e-12 {
		t.Fatalf("grid %v", sigmas)
	}
	res := Parzen(s, n, val, m, test, m, d, sigmas)
	// In 2-D with 2,000 samples the best width is a fraction of τ: the
	// smallest grid value; σ = 1 (over three τ) would be far worse.
	if res.Sigma != sigmas[0] {
		t.Fatalf("chose σ = %v (val %v)", res.Sigma, res.ValLL)
	}
	// The true density's expected log-likelihood: −ln(2πτ²) − 1.
	truth := -math.Log(2*math.Pi*tau*tau) - 1
	if !(res.TestLL < truth+3*res.TestStdErr) || res.TestLL < truth-0.5 {
		t.Fatalf("test ll %v ± %v, truth %v", res.TestLL, res.TestStdErr, truth)
	}
	wide := ParzenLogLik(s, n, test, m, d, []float64{1})[0]
	if mean(wide) >= res.TestLL {
		t.Fatalf("σ = 1 scores %v, not below the chosen %v", mean(wide), res.TestLL)
	}
}
