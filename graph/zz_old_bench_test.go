package graph

// Temporary: the implementations before issue 7, for before/after numbers.

import (
	"math"
	"testing"
)

func oldSigmoid32(x float32) float32 {
	if x >= 0 {
		return float32(1 / (1 + math.Exp(-float64(x))))
	}
	e := math.Exp(float64(x))
	return float32(e / (1 + e))
}

func oldSoftplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

func oldBernoulli(logits, x, grad []float32, scale float32) float64 {
	var s float64
	for i := range logits {
		l := float64(logits[i])
		s += oldSoftplus(l) - float64(x[i])*l
		if grad != nil {
			grad[i] += scale * (oldSigmoid32(logits[i]) - x[i])
		}
	}
	return s
}

func oldXent(logits []float32, target float32, grad []float32, scale float32) float64 {
	t := float64(target)
	var total float64
	for i, l := range logits {
		lf := float64(l)
		total += t*oldSoftplus(-lf) + (1-t)*oldSoftplus(lf)
		if grad != nil {
			grad[i] += scale * (oldSigmoid32(l) - target)
		}
	}
	return total
}

func oldAdam(p, g, m, v []float32, beta1, beta2, step, sqrtBC2, eps, decay float32) float64 {
	var sq float64
	for i := range p {
		gi := g[i]
		sq += float64(gi) * float64(gi)
		if decay != 0 {
			gi += decay * p[i]
		}
		mi := beta1*m[i] + (1-beta1)*gi
		vi := beta2*v[i] + (1-beta2)*gi*gi
		m[i], v[i] = mi, vi
		p[i] -= step * mi / (float32(math.Sqrt(float64(vi)))/sqrtBC2 + eps)
	}
	return sq
}

func oldBench(b *testing.B, bytes int64, f func()) {
	b.SetBytes(bytes)
	for b.Loop() {
		f()
	}
}

func BenchmarkOldAdam(b *testing.B) {
	n := 784 * 400
	p, g, m, v := benchVec(n, 1, 1), benchVec(n, 1e-2, 2), benchVec(n, 1e-3, 3), benchVec(n, 1e-3, 4)
	for i := range v {
		v[i] *= v[i]
	}
	oldBench(b, int64(n)*4*7, func() { benchSink += oldAdam(p, g, m, v, 0.9, 0.999, 1e-3, 0.5, 1e-8, 0) })
}

func BenchmarkOldBernoulliNLL(b *testing.B) {
	n := 128 * 784
	l, grad := benchVec(n, 4, 5), make([]float32, n)
	x := benchVec(n, 1, 6)
	for i := range x {
		x[i] = min(max(x[i], 0), 1)
	}
	oldBench(b, int64(n)*4*4, func() { benchSink += oldBernoulli(l, x, grad, 1.0/128) })
}

func BenchmarkOldSigmoidCrossEntropy(b *testing.B) {
	n := 512
	l, grad := benchVec(n, 4, 7), make([]float32, n)
	oldBench(b, int64(n)*4*3, func() { benchSink += oldXent(l, 1, grad, 1.0/512) })
}

func BenchmarkOldReLUForward(b *testing.B) {
	x := benchVec(128*400, 1, 8)
	y := make([]float32, len(x))
	oldBench(b, int64(len(x))*8, func() {
		for i, v := range x {
			y[i] = max(v, 0)
		}
	})
}

func BenchmarkOldReLUBackward(b *testing.B) {
	x, dy := benchVec(128*400, 1, 8), benchVec(128*400, 1, 9)
	dx := make([]float32, len(x))
	oldBench(b, int64(len(x))*16, func() {
		for i, v := range x {
			if v > 0 {
				dx[i] += dy[i]
			}
		}
	})
}

func BenchmarkOldLeakyReLUForward(b *testing.B) {
	x := benchVec(512*128, 1, 8)
	y := make([]float32, len(x))
	oldBench(b, int64(len(x))*8, func() {
		for i, v := range x {
			if v > 0 {
				y[i] = v
			} else {
				y[i] = 0.2 * v
			}
		}
	})
}

func BenchmarkOldLeakyReLUBackward(b *testing.B) {
	x, dy := benchVec(512*128, 1, 8), benchVec(512*128, 1, 9)
	dx := make([]float32, len(x))
	oldBench(b, int64(len(x))*16, func() {
		for i, v := range x {
			if v > 0 {
				dx[i] += dy[i]
			} else {
				dx[i] += 0.2 * dy[i]
			}
		}
	})
}

func BenchmarkOldTanhForward(b *testing.B) {
	x := benchVec(64*784, 2, 10)
	y := make([]float32, len(x))
	oldBench(b, int64(len(x))*8, func() {
		for i, v := range x {
			y[i] = float32(math.Tanh(float64(v)))
		}
	})
}

func BenchmarkOldSigmoidForward(b *testing.B) {
	x := benchVec(64*784, 4, 11)
	y := make([]float32, len(x))
	oldBench(b, int64(len(x))*8, func() {
		for i, v := range x {
			y[i] = oldSigmoid32(v)
		}
	})
}

func BenchmarkOldAddTo(b *testing.B) {
	x := benchVec(128*784, 1, 12)
	y := make([]float32, len(x))
	oldBench(b, int64(len(x))*12, func() {
		for i, v := range x {
			y[i] += v
		}
	})
}
