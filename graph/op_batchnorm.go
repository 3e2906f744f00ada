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
	if len(in) != 3 || len(in[0]) < 1 {
		panic(fmt.Sprintf("graph: batchnorm needs x, gamma and beta, got %v", in))
	}
	x := in[0]
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

// Channels are processed in blocks of about bnBlock values per example: a
// block's later passes find its data in cache, and each example's share of
// a block is one contiguous run, read in order. Vectors (one value per
// channel) get their own inner loops, as a loop per value would cost more
// than the arithmetic.
const bnBlock = 64

func blockChannels(space int) int { return max(1, bnBlock/space) }

func (n BatchNorm) Forward(a *Args) {
	if _, space := n.layout(a); a.Train && a.Batch*space < 2 {
		// PyTorch refuses too: one value has no variance to normalise by.
		panic("graph: batchnorm in training needs more than one value per channel")
	}
	n.runParts(a, false)
}

// bnArgs is a batchnorm pass over channels [c0, c1).
type bnArgs struct {
	n        BatchNorm
	a        *Args
	c0, c1   int
	backward bool
}

func (t *bnArgs) run() {
	if t.backward {
		t.n.backwardRange(t.a, t.c0, t.c1)
	} else {
		t.n.forwardRange(t.a, t.c0, t.c1)
	}
}

// runParts splits a pass over whole blocks of channels: every channel's
// statistics and gradients are summed by one part in one order, so the
// results do not depend on the thread count.
func (n BatchNorm) runParts(a *Args, backward bool) {
	const minPerPart = 1 << 15 // values, some 20 µs of work
	c, space := n.layout(a)
	step := blockChannels(space)
	blocks := (c + step - 1) / step
	np := min(parts(a.Batch*c*space, minPerPart), blocks)
	var ts [maxParts]task
	for j := range np {
		ts[j] = task{kind: taskBatchNorm, bn: bnArgs{n, a, min(c, j*blocks/np*step), min(c, (j+1)*blocks/np*step), backward}}
	}
	runParts(ts[:np])
}

func (n BatchNorm) forwardRange(a *Args, cFrom, cTo int) {
	c, space := n.layout(a)
	x, y := a.In[0].Data, a.Out.Data
	gamma, beta := a.In[1].Data, a.In[2].Data
	mean, inv := a.Scratch[:c], a.Scratch[c:2*c]
	count := a.Batch * space
	step := blockChannels(space)
	for c0 := cFrom; c0 < cTo; c0 += step {
		nb := min(step, cTo-c0)
		if a.Train {
			var m, v [bnBlock]float64
			blockStats(x, a.Batch, c, space, c0, nb, &m, &v)
			mom := n.momentum()
			for j := 0; j < nb; j++ {
				ch := c0 + j
				unbiased := v[j] * float64(count) / float64(count-1)
				n.RunMean.Data[ch] = float32((1-mom)*float64(n.RunMean.Data[ch]) + mom*m[j])
				n.RunVar.Data[ch] = float32((1-mom)*float64(n.RunVar.Data[ch]) + mom*unbiased)
				mean[ch], inv[ch] = float32(m[j]), float32(1/math.Sqrt(v[j]+n.eps()))
			}
		} else {
			for ch := c0; ch < c0+nb; ch++ {
				mean[ch] = n.RunMean.Data[ch]
				inv[ch] = float32(1 / math.Sqrt(float64(n.RunVar.Data[ch])+n.eps()))
			}
		}
		// y = (x − μ)·γσ⁻¹ + β. Centring first matters: folding μ into one
		// shift (x·s + t) cancels in float32 when the mean dwarfs the spread.
		var sc [bnBlock]float32
		mu, sh := mean[c0:c0+nb], beta[c0:c0+nb]
		for j := range mu {
			sc[j] = gamma[c0+j] * inv[c0+j]
		}
		for b := 0; b < a.Batch; b++ {
			lo, hi := (b*c+c0)*space, (b*c+c0+nb)*space
			xr, yr := x[lo:hi], y[lo:hi]
			if space == 1 {
				bnNormLanes(yr[:len(mu)], xr, mu, sc[:len(mu)], sh)
				continue
			}
			for j := range mu {
				bnNorm(yr[j*space:(j+1)*space], xr[j*space:(j+1)*space], mu[j], sc[j], sh[j])
			}
		}
	}
}

// blockStats puts the mean and biased variance of channels c0..c0+nb−1 in
// m and v, in one pass. Sums are in float64 and shifted by each channel's
// first value, so a large mean does not cancel the variance away.
func blockStats(x []float32, batch, c, space, c0, nb int, m, v *[bnBlock]float64) {
	var k [bnBlock]float64
	for j := 0; j < nb; j++ {
		k[j] = float64(x[(c0+j)*space])
	}
	cnt := float64(batch * space)
	if space == 1 {
		// One value per example: the channels' sums run side by side.
		var s, ss [bnBlock]float64
		for b := 0; b < batch; b++ {
			statsLanes(x[b*c+c0:b*c+c0+nb], k[:nb], s[:nb], ss[:nb])
		}
		for j := 0; j < nb; j++ {
			mu := s[j] / cnt
			m[j], v[j] = k[j]+mu, max(ss[j]/cnt-mu*mu, 0)
		}
		return
	}
	var s, ss [bnBlock]runSum
	for b := 0; b < batch; b++ {
		run := x[(b*c+c0)*space : (b*c+c0+nb)*space]
		for j := 0; j < nb; j++ {
			statsRun(run[j*space:(j+1)*space], k[j], &s[j], &ss[j])
		}
	}
	for j := 0; j < nb; j++ {
		mu := s[j].total() / cnt
		m[j], v[j] = k[j]+mu, max(ss[j].total()/cnt-mu*mu, 0)
	}
}

func (n BatchNorm) Backward(a *Args) { n.runParts(a, true) }

func (n BatchNorm) backwardRange(a *Args, cFrom, cTo int) {
	c, space := n.layout(a)
	x, dy := a.In[0].Data, a.OutGrad.Data
	gamma := a.In[1].Data
	mean, inv := a.Scratch[:c], a.Scratch[c:2*c]
	dx, dgamma, dbeta := a.InGrad[0], a.InGrad[1], a.InGrad[2]
	count := float64(a.Batch * space)
	step := blockChannels(space)
	for c0 := cFrom; c0 < cTo; c0 += step {
		nb := min(step, cTo-c0)
		mu, is := mean[c0:c0+nb], inv[c0:c0+nb]
		// Σdy and Σdy·x̂ serve the parameter gradients and, in training,
		// the gradient through the batch statistics.
		var sdy, sdyx [bnBlock]float64
		if space == 1 {
			for b := 0; b < a.Batch; b++ {
				gradSumsLanes(dy[b*c+c0:][:len(mu)], x[b*c+c0:], mu, is, sdy[:len(mu)], sdyx[:len(mu)])
			}
		} else {
			var rdy, rdyx [bnBlock]runSum
			for b := 0; b < a.Batch; b++ {
				lo, hi := (b*c+c0)*space, (b*c+c0+nb)*space
				xr, dyr := x[lo:hi], dy[lo:hi]
				for j := range mu {
					gradSumsRun(dyr[j*space:(j+1)*space], xr[j*space:(j+1)*space], mu[j], is[j], &rdy[j], &rdyx[j])
				}
			}
			for j := range mu {
				sdy[j], sdyx[j] = rdy[j].total(), rdyx[j].total()
			}
		}
		for j := range mu {
			if dgamma != nil {
				dgamma.Data[c0+j] += float32(sdyx[j])
			}
			if dbeta != nil {
				dbeta.Data[c0+j] += float32(sdy[j])
			}
		}
		if dx == nil {
			continue
		}
		// Training: dx = γσ⁻¹·(dy − mean(dy) − x̂·mean(dy·x̂)). Evaluation:
		// the running statistics are constants and dx = γσ⁻¹·dy.
		var gs, md, mdx [bnBlock]float32
		for j := range mu {
			gs[j] = gamma[c0+j] * is[j]
			if a.Train {
				md[j], mdx[j] = float32(sdy[j]/count), float32(sdyx[j]/count)*is[j]
			}
		}
		for b := 0; b < a.Batch; b++ {
			lo, hi := (b*c+c0)*space, (b*c+c0+nb)*space
			xr, dyr, dxr := x[lo:hi], dy[lo:hi], dx.Data[lo:hi]
			if space == 1 {
				bnGradLanes(dxr[:len(mu)], dyr, xr, mu, gs[:len(mu)], md[:len(mu)], mdx[:len(mu)])
				continue
			}
			for j := range mu {
				r := dxr[j*space : (j+1)*space]
				bnGrad(r, dyr[j*space:(j+1)*space], xr[j*space:(j+1)*space], mu[j], gs[j], md[j], mdx[j])
			}
		}
	}
}

func (BatchNorm) CouplesBatch() {}
