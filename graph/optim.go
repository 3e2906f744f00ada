package graph

import "math"

// Optimizer kernels: one fused pass over a parameter tensor. Both return the
// squared norm of the gradient they read (float64), so that the caller's
// divergence check costs no extra pass.

// AdamUpdate applies PyTorch's Adam with L2 weight decay:
//
//	g += decay·p; m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²
//	p −= step · m / (√v / sqrtBC2 + eps)   with step = lr / (1 − β1^t)
//
// The squared norm is summed per block of adamBlock elements in lanes order,
// and the blocks in order; a tensor long enough to be split over threads
// (adamMinPart) adds its parts' sums in order, so the norm depends on the
// thread count, the updated values do not.
func AdamUpdate(p, g, m, v []float32, beta1, beta2, step, sqrtBC2, eps, decay float32) float64 {
	return adamUpdate(p, g, m, v, &adamConsts{beta1, 1 - beta1, beta2, 1 - beta2, step, sqrtBC2, eps, decay}, false)
}

// AdamUpdateZero is AdamUpdate that also zeroes g as it reads it, saving the
// optimizer a separate pass over the gradient.
func AdamUpdateZero(p, g, m, v []float32, beta1, beta2, step, sqrtBC2, eps, decay float32) float64 {
	return adamUpdate(p, g, m, v, &adamConsts{beta1, 1 - beta1, beta2, 1 - beta2, step, sqrtBC2, eps, decay}, true)
}

// adamConsts is Adam's step in the layout the vector kernel reads.
type adamConsts struct {
	beta1, c1, beta2, c2, step, sqrtBC2, eps, decay float32 // c1 = 1−β1, c2 = 1−β2
}

const (
	adamBlock   = 1 << 13
	adamMinPart = 8 * adamBlock // about 50 µs of work
)

// adamArgs is one part of an update: whole blocks of the tensors.
type adamArgs struct {
	p, g, m, v []float32
	k          adamConsts
	zeroGrad   bool
	sq         float64 // result
}

func (a *adamArgs) run() {
	a.sq = 0
	for lo := 0; lo < len(a.p); lo += adamBlock {
		hi := min(lo+adamBlock, len(a.p))
		a.sq += adamRange(a.p[lo:hi], a.g[lo:hi], a.m[lo:hi], a.v[lo:hi], &a.k, a.zeroGrad)
	}
}

func adamUpdate(p, g, m, v []float32, k *adamConsts, zeroGrad bool) float64 {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	var ts [maxParts]task
	nb := (len(p) + adamBlock - 1) / adamBlock
	np := parts(len(p), adamMinPart)
	for j := range np {
		lo, hi := j*nb/np*adamBlock, min((j+1)*nb/np*adamBlock, len(p))
		ts[j] = task{kind: taskAdam, adam: adamArgs{p[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi], *k, zeroGrad, 0}}
	}
	runParts(ts[:np])
	var sq float64
	for j := range np {
		sq += ts[j].adam.sq
	}
	return sq
}

// adamRange updates one block and returns its squared gradient norm.
func adamRange(p, g, m, v []float32, k *adamConsts, zeroGrad bool) float64 {
	var acc lanes
	i := adamVec(p, g, m, v, k, zeroGrad, &acc)
	var t [8]float64
	for ; i+8 <= len(p); i += 8 {
		adamScalar(p[i:i+8], g[i:i+8], m[i:i+8], v[i:i+8], k, zeroGrad, t[:])
		acc.add8(&t)
	}
	sq := acc.sum()
	n := len(p) - i
	adamScalar(p[i:], g[i:], m[i:], v[i:], k, zeroGrad, t[:n])
	for _, s := range t[:n] {
		sq += s
	}
	return sq
}

// adamScalar is the reference update; sq receives each squared gradient.
func adamScalar(p, g, m, v []float32, k *adamConsts, zeroGrad bool, sq []float64) {
	c := *k
	g, m, v, sq = g[:len(p)], m[:len(p)], v[:len(p)], sq[:len(p)]
	for i := range p {
		gi := g[i]
		sq[i] = float64(float64(gi) * float64(gi))
		if zeroGrad {
			g[i] = 0
		}
		if c.decay != 0 {
			gi += float32(c.decay * p[i])
		}
		mi := float32(c.beta1*m[i]) + float32(c.c1*gi)
		vi := float32(c.beta2*v[i]) + float32(float32(c.c2*gi)*gi)
		m[i], v[i] = mi, vi
		p[i] -= float32(c.step*mi) / (float32(math.Sqrt(float64(vi)))/c.sqrtBC2 + c.eps)
	}
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
