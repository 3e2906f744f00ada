package graph

import (
	"fmt"
	"math"
)

// BatchNorm is PyTorch's BatchNorm1d/2d: inputs x, gamma [C] and beta [C],
// where C is x's first per-example axis ([F] vectors: per feature over the
// batch; [C,H,W] images: per channel over the batch and space).
//
// In training it normalises with the batch statistics (biased variance) and
// moves RunMean and RunVar towards them, run = (1−m)·run + m·batch, using
// the unbiased variance as PyTorch does; in evaluation it normalises with
// the running statistics. The running tensors come from Builder.State and
// belong to the caller, who starts RunVar at 1 as PyTorch does.
//
// A zero Eps means 1e-5 and a zero Momentum 0.1, PyTorch's defaults.
type BatchNorm struct {
	Eps, Momentum   float32
	RunMean, RunVar *Tensor
}

const (
	defaultBatchNormEps      = 1e-5
	defaultBatchNormMomentum = 0.1
)

func (BatchNorm) Kind() string { return "batchnorm" }

func (n BatchNorm) OutShape(in [][]int) []int {
	x := in[0]
	if len(x) < 1 || len(in) != 3 {
		panic(fmt.Sprintf("graph: batchnorm needs x, gamma and beta, got %v", in))
	}
	c := x[0]
	for _, p := range in[1:] {
		if len(p) != 1 || p[0] != c {
			panic(fmt.Sprintf("graph: batchnorm parameter %v for input %v", p, x))
		}
	}
	if n.RunMean == nil || n.RunVar == nil || n.RunMean.Size() != c || n.RunVar.Size() != c {
		panic(fmt.Sprintf("graph: batchnorm of %v needs running mean and variance of %d", x, c))
	}
	if n.Eps < 0 || n.Momentum < 0 || n.Momentum > 1 {
		panic(fmt.Sprintf("graph: batchnorm eps %g momentum %g", n.Eps, n.Momentum))
	}
	return append([]int(nil), x...)
}

// Scratch: the mean and the inverse standard deviation used by the last
// Forward, per channel, for Backward.
func (BatchNorm) ScratchSize(_ int, in [][]int) int { return 2 * in[0][0] }

func (n BatchNorm) eps() float64 {
	if n.Eps == 0 {
		return defaultBatchNormEps
	}
	return float64(n.Eps)
}

func (n BatchNorm) momentum() float64 {
	if n.Momentum == 0 {
		return defaultBatchNormMomentum
	}
	return float64(n.Momentum)
}

// layout returns channels and values per channel per example.
func (BatchNorm) layout(a *Args) (c, space int) {
	c = a.In[1].Size()
	return c, a.In[0].Size() / (a.Batch * c)
}

func (n BatchNorm) Forward(a *Args) {
	c, space := n.layout(a)
	x, y := a.In[0].Data, a.Out.Data
	gamma, beta := a.In[1].Data, a.In[2].Data
	mean, inv := a.Scratch[:c], a.Scratch[c:2*c]
	count := a.Batch * space
	if a.Train && count < 2 {
		// PyTorch refuses too: one value has no variance to normalise by.
		panic("graph: batchnorm in training needs more than one value per channel")
	}
	for ch := 0; ch < c; ch++ {
		var m, v float64
		if a.Train {
			m, v = channelStats(x, a.Batch, c, space, ch)
			mom := n.momentum()
			unbiased := v * float64(count) / float64(count-1)
			n.RunMean.Data[ch] = float32((1-mom)*float64(n.RunMean.Data[ch]) + mom*m)
			n.RunVar.Data[ch] = float32((1-mom)*float64(n.RunVar.Data[ch]) + mom*unbiased)
		} else {
			m, v = float64(n.RunMean.Data[ch]), float64(n.RunVar.Data[ch])
		}
		is := 1 / math.Sqrt(v+n.eps())
		mean[ch], inv[ch] = float32(m), float32(is)
		// Centre first: folding the mean into one shift (x·s + t) cancels
		// catastrophically in float32 when the mean dwarfs the spread.
		mf, scale, shift := float32(m), float32(float64(gamma[ch])*is), beta[ch]
		for b := 0; b < a.Batch; b++ {
			off := (b*c + ch) * space
			xs, ys := x[off:][:space], y[off:][:space]
			for i, v := range xs {
				ys[i] = (v-mf)*scale + shift
			}
		}
	}
}

// channelStats returns the mean and biased variance of one channel in one
// pass. Sums are in float64 and shifted by the channel's first value, so a
// large mean does not cancel the variance away.
func channelStats(x []float32, batch, c, space, ch int) (mean, variance float64) {
	k := float64(x[ch*space])
	var s, ss float64
	for b := 0; b < batch; b++ {
		for _, v := range x[(b*c+ch)*space:][:space] {
			d := float64(v) - k
			s += d
			ss += d * d
		}
	}
	cnt := float64(batch * space)
	mean = s / cnt
	return k + mean, max(ss/cnt-mean*mean, 0)
}

func (n BatchNorm) Backward(a *Args) {
	c, space := n.layout(a)
	x, dy := a.In[0].Data, a.OutGrad.Data
	gamma := a.In[1].Data
	mean, inv := a.Scratch[:c], a.Scratch[c:2*c]
	dx, dgamma, dbeta := a.InGrad[0], a.InGrad[1], a.InGrad[2]
	count := float64(a.Batch * space)
	for ch := 0; ch < c; ch++ {
		m, is := mean[ch], inv[ch]
		// Σdy and Σdy·x̂ serve the parameter gradients and, in training,
		// the gradient through the batch statistics.
		var sdy, sdyx float64
		for b := 0; b < a.Batch; b++ {
			off := (b*c + ch) * space
			xs, dys := x[off:][:space], dy[off:][:space]
			for i, g := range dys {
				sdy += float64(g)
				sdyx += float64(g) * float64((xs[i]-m)*is)
			}
		}
		if dgamma != nil {
			dgamma.Data[ch] += float32(sdyx)
		}
		if dbeta != nil {
			dbeta.Data[ch] += float32(sdy)
		}
		if dx == nil {
			continue
		}
		gs := gamma[ch] * is
		if !a.Train {
			// Running statistics are constants: a plain affine map.
			for b := 0; b < a.Batch; b++ {
				off := (b*c + ch) * space
				addScaled(dx.Data[off:][:space], dy[off:][:space], gs)
			}
			continue
		}
		// dx = γ·σ⁻¹·(dy − mean(dy) − x̂·mean(dy·x̂))
		mdy, mdyx := float32(sdy/count), float32(sdyx/count)
		for b := 0; b < a.Batch; b++ {
			off := (b*c + ch) * space
			xs, dys, dxs := x[off:][:space], dy[off:][:space], dx.Data[off:][:space]
			for i, g := range dys {
				xh := (xs[i] - m) * is
				dxs[i] += gs * (g - mdy - xh*mdyx)
			}
		}
	}
}

// addScaled computes dst[i] += s·src[i].
func addScaled(dst, src []float32, s float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += s * v
	}
}
