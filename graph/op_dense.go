package graph

import "fmt"

// Dense is y = x·Wᵀ + b with W of shape [out, in] (PyTorch's Linear layout)
// and an optional bias b of shape [out]. Inputs: x, W[, b].
type Dense struct{}

func (Dense) Kind() string { return "dense" }

func (Dense) OutShape(in [][]int) []int {
	x, w := in[0], in[1]
	if len(x) != 1 || len(w) != 2 || w[1] != x[0] {
		panic(fmt.Sprintf("graph: dense of %v by weight %v", x, w))
	}
	if len(in) == 3 && (len(in[2]) != 1 || in[2][0] != w[0]) {
		panic(fmt.Sprintf("graph: dense bias %v for weight %v", in[2], w))
	}
	return []int{w[0]}
}

func (Dense) Flops(batch int, in [][]int) int { return 2 * batch * Numel(in[1]) }

func (Dense) Forward(a *Args) {
	x, w, y := a.In[0], a.In[1], a.Out
	out, in := w.Shape[0], w.Shape[1]
	if len(a.In) == 3 {
		gemmBias(false, true, a.Batch, out, in, 1, x.Data, in, w.Data, in, a.In[2].Data, y.Data, out)
		return
	}
	gemm(false, true, a.Batch, out, in, 1, x.Data, in, w.Data, in, 0, y.Data, out)
}

func (Dense) Backward(a *Args) {
	x, w, dy := a.In[0], a.In[1], a.OutGrad
	out, in := w.Shape[0], w.Shape[1]
	if dx := a.InGrad[0]; dx != nil {
		gemm(false, false, a.Batch, in, out, 1, dy.Data, out, w.Data, in, 1, dx.Data, in)
	}
	if dw := a.InGrad[1]; dw != nil {
		gemm(true, false, out, in, a.Batch, 1, dy.Data, out, x.Data, in, 1, dw.Data, in)
	}
	if len(a.In) == 3 && a.InGrad[2] != nil {
		db := a.InGrad[2].Data
		for r := 0; r < a.Batch; r++ {
			addTo(db, dy.Data[r*out:(r+1)*out])
		}
	}
}
