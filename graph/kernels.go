package graph

import "math"

// Elementwise kernels shared by ops, losses and optimizers. They are the
// scalar reference; faster versions must match them (see kernels_test.go).

// addTo computes dst[i] += src[i].
func addTo(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}

// AddTo computes dst[i] += src[i]; exported for optimizers and objectives.
func AddTo(dst, src []float32) { addTo(dst, src) }

// Scale computes dst[i] *= s.
func Scale(dst []float32, s float32) {
	for i := range dst {
		dst[i] *= s
	}
}

// sigmoid32 is 1/(1+e^-x), stable for large |x|.
func sigmoid32(x float32) float32 {
	if x >= 0 {
		return float32(1 / (1 + math.Exp(-float64(x))))
	}
	e := math.Exp(float64(x))
	return float32(e / (1 + e))
}

// softplus is log(1+e^x) without overflow.
func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}
