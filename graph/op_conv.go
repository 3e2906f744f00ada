package graph

import "fmt"

// Conv2D is PyTorch's Conv2d with square kernels: inputs x [C,H,W], weight
// [F,C,K,K] and an optional bias [F]; output [F,OH,OW] with
// OH = (H+2·Padding−K)/Stride + 1.
//
// The whole batch goes through one GEMM over a column matrix of
// [C·K·K, B·OH·OW], at the price of reordering the output and its gradient
// between [F, B·OH·OW] and [B, F, OH·OW]. On DCGAN's costly layer (64→128
// channels, 14×14) that beat one GEMM per example with OpenBLAS and per core
// with gonum (BenchmarkConv2DForwardBackward): per-example products are
// narrow (OH·OW = 49 columns). With one input channel the GEMMs are so thin
// that the reordering costs more than it saves, but that layer is cheap.
type Conv2D struct{ Stride, Padding int }

func (Conv2D) Kind() string { return "conv2d" }

func (c Conv2D) geometry(in [][]int) (patches, int) {
	x, w := in[0], in[1]
	if len(x) != 3 || len(w) != 4 || w[1] != x[0] || w[2] != w[3] {
		panic(fmt.Sprintf("graph: conv2d of %v by weight %v (want [C,H,W] and [F,C,K,K])", x, w))
	}
	if len(in) == 3 && (len(in[2]) != 1 || in[2][0] != w[0]) {
		panic(fmt.Sprintf("graph: conv2d bias %v for weight %v", in[2], w))
	}
	return newPatches(x[0], x[1], x[2], w[2], c.Stride, c.Padding), w[0]
}

func (c Conv2D) OutShape(in [][]int) []int {
	g, f := c.geometry(in)
	return []int{f, g.OH, g.OW}
}

func (c Conv2D) Flops(batch int, in [][]int) int {
	g, _ := c.geometry(in)
	return 2 * batch * Numel(in[1]) * g.posPerItem
}

// Scratch: the column matrix, kept from Forward for the weight gradient;
// Backward leaves it intact, so it may run twice after one Forward. Direct
// convolution (conv_direct.go) keeps nothing.
func (c Conv2D) ScratchSize(batch int, in [][]int) int {
	g, f := c.geometry(in)
	if useDirect(g, f, batch) {
		return 0
	}
	return g.rows() * batch * g.posPerItem
}

// Temporaries: the output (or its gradient) in channel-major order, and the
// column gradient with the slack col2im may read past it; or what the
// direct products need.
func (c Conv2D) TempSize(batch int, in [][]int) int {
	g, f := c.geometry(in)
	if useDirect(g, f, batch) {
		return max(directForwardTemp(g, f, batch), directInputGradTemp(g, f, batch), directWeightGradTemp(g, f, batch))
	}
	n := batch * g.posPerItem
	return f*n + g.rows()*n + patchSlack
}

func (c Conv2D) scratch(a *Args) (g patches, f int, col, t, dcol []float32) {
	x, w := a.In[0].Shape, a.In[1].Shape
	g = newPatches(x[1], x[2], x[3], w[2], c.Stride, c.Padding)
	f = w[0]
	n := a.Batch * g.posPerItem
	col = a.Scratch[:g.rows()*n]
	t, dcol = a.Temp[:f*n], a.Temp[f*n:][:g.rows()*n+patchSlack]
	return
}

// direct reports the geometry and whether it runs direct.
func (c Conv2D) direct(a *Args) (patches, int, bool) {
	x, w := a.In[0].Shape, a.In[1].Shape
	g := newPatches(x[1], x[2], x[3], w[2], c.Stride, c.Padding)
	return g, w[0], useDirect(g, w[0], a.Batch)
}

func (c Conv2D) Forward(a *Args) {
	var bias []float32
	if len(a.In) == 3 {
		bias = a.In[2].Data
	}
	if g, f, ok := c.direct(a); ok {
		directForward(g, f, a.Batch, a.In[0].Data, a.In[1].Data, bias, a.Out.Data, false, a.Temp)
		return
	}
	g, f, col, t, _ := c.scratch(a)
	n := a.Batch * g.posPerItem
	im2col(g, a.Batch, a.In[0].Data, col)
	gemm(false, false, f, n, g.rows(), 1, a.In[1].Data, g.rows(), col, n, 0, t, n)
	fromChannelMajor(a.Out.Data, t, bias, a.Batch, f, g.posPerItem, false)
}

func (c Conv2D) Backward(a *Args) {
	dy := a.OutGrad.Data
	if g, f, ok := c.direct(a); ok {
		if dw := a.InGrad[1]; dw != nil {
			directWeightGrad(g, f, a.Batch, a.In[0].Data, dy, dw.Data, a.Temp)
		}
		if len(a.In) == 3 && a.InGrad[2] != nil {
			sumPerChannel(a.InGrad[2].Data, dy, a.Batch, f, g.posPerItem)
		}
		if dx := a.InGrad[0]; dx != nil {
			directInputGrad(g, f, a.Batch, dy, a.In[1].Data, nil, dx.Data, true, a.Temp)
		}
		return
	}
	g, f, col, dyT, dcol := c.scratch(a)
	n := a.Batch * g.posPerItem
	toChannelMajor(dyT, dy, a.Batch, f, g.posPerItem)
	if dw := a.InGrad[1]; dw != nil {
		// dW += dY·colᵀ
		gemm(false, true, f, g.rows(), n, 1, dyT, n, col, n, 1, dw.Data, g.rows())
	}
	if len(a.In) == 3 && a.InGrad[2] != nil {
		sumPerChannel(a.InGrad[2].Data, dy, a.Batch, f, g.posPerItem)
	}
	if dx := a.InGrad[0]; dx != nil {
		// dcol = Wᵀ·dY, then every column entry returns to its pixel.
		gemm(true, false, g.rows(), n, f, 1, a.In[1].Data, g.rows(), dyT, n, 0, dcol, n)
		col2im(g, a.Batch, dcol, dx.Data)
	}
}
