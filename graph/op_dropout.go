package graph

import "fmt"

// Dropout zeroes each value with probability Rate in training and scales the
// survivors by 1/(1−Rate) (inverted dropout, as PyTorch), so evaluation is
// the identity. The mask is drawn from Args.Rand, one Float32 per value in
// order, so it is a deterministic function of the stream.
type Dropout struct{ Rate float32 }

func (Dropout) Kind() string { return "dropout" }

func (d Dropout) OutShape(in [][]int) []int {
	if !(d.Rate >= 0 && d.Rate < 1) {
		panic(fmt.Sprintf("graph: dropout rate %g outside [0, 1)", d.Rate))
	}
	return sameOutShape(in)
}

// Scratch: the mask of the last training Forward, 0 or 1/(1−Rate) per value.
func (Dropout) ScratchSize(batch int, in [][]int) int { return batch * Numel(in[0]) }

func (d Dropout) active(a *Args) bool { return a.Train && d.Rate > 0 }

func (d Dropout) Forward(a *Args) {
	x, y := a.In[0].Data, a.Out.Data[:len(a.In[0].Data)]
	if !d.active(a) {
		copy(y, x)
		return
	}
	if a.Rand == nil {
		panic("graph: dropout in training needs a random stream (Workspace.SetRand)")
	}
	mask := a.Scratch[:len(x)]
	keep := 1 / (1 - d.Rate)
	for i, v := range x {
		m := float32(0)
		if a.Rand.Float32() >= d.Rate {
			m = keep
		}
		mask[i] = m
		y[i] = v * m
	}
}

func (d Dropout) Backward(a *Args) {
	dy, dx := a.OutGrad.Data, a.InGrad[0].Data
	if !d.active(a) {
		addTo(dx, dy)
		return
	}
	mask := a.Scratch[:len(dx)]
	for i, m := range mask {
		dx[i] += dy[i] * m
	}
}

func (Dropout) CouplesBatch() {}
