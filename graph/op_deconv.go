package graph

import "fmt"

// ConvTranspose2D is PyTorch's ConvTranspose2d with square kernels (no output
// padding, no dilation): inputs x [C,H,W], weight [C,F,K,K] (PyTorch's
// [in, out, kH, kW]) and an optional bias [F]; output [F,OH,OW] with
// OH = (H−1)·Stride − 2·Padding + K.
//
// It is the adjoint of Conv2D with the same weight, seen as a convolution
// from the output image back to x: forward is a GEMM followed by col2im,
// the input gradient im2col followed by a GEMM.
type ConvTranspose2D struct{ Stride, Padding int }

func (ConvTranspose2D) Kind() string { return "conv_transpose2d" }

// geometry returns the window sliding over the output image (F channels),
// whose positions are x's pixels, and x's channel count.
func (d ConvTranspose2D) geometry(x, w []int) (patches, int) {
	if len(x) != 3 || len(w) != 4 || w[0] != x[0] || w[2] != w[3] {
		panic(fmt.Sprintf("graph: conv_transpose2d of %v by weight %v (want [C,H,W] and [C,F,K,K])", x, w))
	}
	k, s, p := w[2], d.Stride, d.Padding
	if s < 1 || p < 0 || k < 1 {
		panic(fmt.Sprintf("graph: conv_transpose2d kernel %d stride %d padding %d", k, s, p))
	}
	oh, ow := (x[1]-1)*s-2*p+k, (x[2]-1)*s-2*p+k
	if oh < 1 || ow < 1 {
		panic(fmt.Sprintf("graph: conv_transpose2d of %v with kernel %d stride %d padding %d gives %dx%d", x, k, s, p, oh, ow))
	}
	g := newPatches(w[1], oh, ow, k, s, p)
	if g.OH != x[1] || g.OW != x[2] {
		panic(fmt.Sprintf("graph: conv_transpose2d geometry %+v does not invert %v", g, x))
	}
	return g, x[0]
}

func (d ConvTranspose2D) OutShape(in [][]int) []int {
	g, _ := d.geometry(in[0], in[1])
	if len(in) == 3 && (len(in[2]) != 1 || in[2][0] != g.C) {
		panic(fmt.Sprintf("graph: conv_transpose2d bias %v for weight %v", in[2], in[1]))
	}
	return []int{g.C, g.H, g.W}
}

func (d ConvTranspose2D) Flops(batch int, in [][]int) int {
	g, _ := d.geometry(in[0], in[1])
	return 2 * batch * Numel(in[1]) * g.posPerItem
}

// Scratch: x in channel-major order, kept for the weight gradient; nothing
// for direct convolution.
func (d ConvTranspose2D) ScratchSize(batch int, in [][]int) int {
	g, c := d.geometry(in[0], in[1])
	if useDirect(g, c, batch) {
		return 0
	}
	return c * batch * g.posPerItem
}

// Temporaries: the column matrix (forward's, then the output gradient's)
// with the slack col2im may read past it, and the input gradient in
// channel-major order.
func (d ConvTranspose2D) TempSize(batch int, in [][]int) int {
	g, c := d.geometry(in[0], in[1])
	if useDirect(g, c, batch) {
		return max(directForwardTemp(g, c, batch), directInputGradTemp(g, c, batch), directWeightGradTemp(g, c, batch))
	}
	n := batch * g.posPerItem
	return g.rows()*n + patchSlack + c*n
}

func (d ConvTranspose2D) scratch(a *Args) (g patches, c int, xT, col, dxT []float32) {
	g, c = d.geometry(a.In[0].Shape[1:], a.In[1].Shape)
	n := a.Batch * g.posPerItem
	xT = a.Scratch[:c*n]
	col, dxT = a.Temp[:g.rows()*n+patchSlack], a.Temp[g.rows()*n+patchSlack:][:c*n]
	return
}

func (d ConvTranspose2D) Forward(a *Args) {
	g, c := d.geometry(a.In[0].Shape[1:], a.In[1].Shape)
	direct := useDirect(g, c, a.Batch)
	var col []float32
	if !direct {
		var xT []float32
		g, c, xT, col, _ = d.scratch(a)
		n := a.Batch * g.posPerItem
		toChannelMajor(xT, a.In[0].Data, a.Batch, c, g.posPerItem)
		// col = Wᵀ·x: each input pixel's contribution to its K×K output window.
		gemm(true, false, g.rows(), n, c, 1, a.In[1].Data, g.rows(), xT, n, 0, col, n)
	}
	y := a.Out.Data
	var bias []float32
	if len(a.In) == 3 {
		bias = a.In[2].Data
	}
	if direct && g.directCovers() {
		// The input gradient of the convolution this one transposes, which
		// writes every pixel once.
		directInputGrad(g, c, a.Batch, a.In[0].Data, a.In[1].Data, bias, y, false, a.Temp)
		return
	}
	if bias != nil {
		hw := g.H * g.W
		for i, v := range bias {
			for b := 0; b < a.Batch; b++ {
				row := y[(b*g.C+i)*hw:][:hw]
				for j := range row {
					row[j] = v
				}
			}
		}
	} else {
		clear(y)
	}
	if direct {
		directInputGrad(g, c, a.Batch, a.In[0].Data, a.In[1].Data, nil, y, true, a.Temp)
		return
	}
	col2im(g, a.Batch, col, y)
}

func (d ConvTranspose2D) Backward(a *Args) {
	dy := a.OutGrad.Data
	if g, c := d.geometry(a.In[0].Shape[1:], a.In[1].Shape); useDirect(g, c, a.Batch) {
		if dw := a.InGrad[1]; dw != nil {
			directWeightGrad(g, c, a.Batch, dy, a.In[0].Data, dw.Data, a.Temp)
		}
		if len(a.In) == 3 && a.InGrad[2] != nil {
			sumPerChannel(a.InGrad[2].Data, dy, a.Batch, g.C, g.H*g.W)
		}
		if dx := a.InGrad[0]; dx != nil {
			directForward(g, c, a.Batch, dy, a.In[1].Data, nil, dx.Data, true, a.Temp)
		}
		return
	}
	g, c, xT, dcol, dxT := d.scratch(a)
	n := a.Batch * g.posPerItem
	im2col(g, a.Batch, dy, dcol)
	if dw := a.InGrad[1]; dw != nil {
		// dW += x·dcolᵀ
		gemm(false, true, c, g.rows(), n, 1, xT, n, dcol, n, 1, dw.Data, g.rows())
	}
	if len(a.In) == 3 && a.InGrad[2] != nil {
		sumPerChannel(a.InGrad[2].Data, dy, a.Batch, g.C, g.H*g.W)
	}
	if dx := a.InGrad[0]; dx != nil {
		gemm(false, false, c, n, g.rows(), 1, a.In[1].Data, g.rows(), dcol, n, 0, dxT, n)
		fromChannelMajor(dx.Data, dxT, nil, a.Batch, c, g.posPerItem, true)
	}
}
