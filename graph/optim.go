package graph

import "math"

// Optimizer kernels: one fused pass over a parameter tensor. Both return the
// squared norm of the gradient they read (float64), so that the caller's
// divergence check costs no extra pass.

// AdamUpdate applies PyTorch's Adam with L2 weight decay:
//
//	g += decay·p; m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²
//	p −= step · m / (√v / sqrtBC2 + eps)   with step = lr / (1 − β1^t)
func AdamUpdate(p, g, m, v []float32, beta1, beta2, step, sqrtBC2, eps, decay float32) float64 {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
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

// SGDUpdate applies PyTorch's SGD with momentum (buf = μ·buf + g; p −= lr·buf;
// the first step sets buf = g).
func SGDUpdate(p, g, buf []float32, lr, momentum, decay float32, first bool) float64 {
	g, buf = g[:len(p)], buf[:len(p)]
	var sq float64
	for i := range p {
		gi := g[i]
		sq += float64(gi) * float64(gi)
		if decay != 0 {
			gi += decay * p[i]
		}
		if momentum != 0 {
			if first {
				buf[i] = gi
			} else {
				buf[i] = momentum*buf[i] + gi
			}
			gi = buf[i]
		}
		p[i] -= lr * gi
	}
	return sq
}
