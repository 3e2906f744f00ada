package graph

import "fmt"

// Reshape views its input with another per-example shape of the same size.
// It shares the input's buffers: no copy forward or backward.
type Reshape struct{ To []int }

func (Reshape) Kind() string { return "reshape" }
func (Reshape) Alias()       {}
func (r Reshape) OutShape(in [][]int) []int {
	if Numel(in[0]) != Numel(r.To) {
		panic(fmt.Sprintf("graph: reshape %v to %v", in[0], r.To))
	}
	return append([]int(nil), r.To...)
}
func (Reshape) Forward(*Args)  {}
func (Reshape) Backward(*Args) {}

// Concat joins inputs along the first per-example axis (features of a
// vector, channels of an image); the other axes must agree.
type Concat struct{}

func (Concat) Kind() string { return "concat" }
func (Concat) OutShape(in [][]int) []int {
	out := append([]int(nil), in[0]...)
	for _, s := range in[1:] {
		if len(s) != len(out) || !SameShape(s[1:], out[1:]) {
			panic(fmt.Sprintf("graph: concat of %v and %v", in[0], s))
		}
		out[0] += s[0]
	}
	return out
}
func (Concat) Forward(a *Args) {
	row := a.Out.Size() / a.Batch
	off := 0
	for _, x := range a.In {
		w := x.Size() / a.Batch
		for b := 0; b < a.Batch; b++ {
			copy(a.Out.Data[b*row+off:b*row+off+w], x.Data[b*w:(b+1)*w])
		}
		off += w
	}
}
func (Concat) Backward(a *Args) {
	row := a.Out.Size() / a.Batch
	off := 0
	for i, x := range a.In {
		w := x.Size() / a.Batch
		if g := a.InGrad[i]; g != nil {
			for b := 0; b < a.Batch; b++ {
				addTo(g.Data[b*w:(b+1)*w], a.OutGrad.Data[b*row+off:b*row+off+w])
			}
		}
		off += w
	}
}

// SumFeatures sums each example's values into one number (shape [1]).
type SumFeatures struct{}

func (SumFeatures) Kind() string           { return "sum" }
func (SumFeatures) OutShape([][]int) []int { return []int{1} }
func (SumFeatures) Forward(a *Args) {
	w := a.In[0].Size() / a.Batch
	for b := 0; b < a.Batch; b++ {
		var s float64
		for _, v := range a.In[0].Data[b*w : (b+1)*w] {
			s += float64(v)
		}
		a.Out.Data[b] = float32(s)
	}
}
func (SumFeatures) Backward(a *Args) {
	w := a.In[0].Size() / a.Batch
	g := a.InGrad[0].Data
	for b := 0; b < a.Batch; b++ {
		d := a.OutGrad.Data[b]
		for i := b * w; i < (b+1)*w; i++ {
			g[i] += d
		}
	}
}
