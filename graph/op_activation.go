package graph

import "math"

// Elementwise activations. Each reads one input and writes an output of the
// same shape.

func sameOutShape(in [][]int) []int { return append([]int(nil), in[0]...) }

// ReLU is max(x, 0).
type ReLU struct{}

func (ReLU) Kind() string              { return "relu" }
func (ReLU) OutShape(in [][]int) []int { return sameOutShape(in) }
func (ReLU) Forward(a *Args) {
	x, y := a.In[0].Data, a.Out.Data[:len(a.In[0].Data)]
	for i, v := range x {
		y[i] = max(v, 0)
	}
}
func (ReLU) Backward(a *Args) {
	x, dy, dx := a.In[0].Data, a.OutGrad.Data, a.InGrad[0].Data
	dy = dy[:len(x)]
	for i, v := range x {
		if v > 0 {
			dx[i] += dy[i]
		}
	}
}

// LeakyReLU is x for x > 0 and Slope·x otherwise.
type LeakyReLU struct{ Slope float32 }

func (LeakyReLU) Kind() string              { return "leaky_relu" }
func (LeakyReLU) OutShape(in [][]int) []int { return sameOutShape(in) }
func (l LeakyReLU) Forward(a *Args) {
	x, y := a.In[0].Data, a.Out.Data[:len(a.In[0].Data)]
	for i, v := range x {
		if v > 0 {
			y[i] = v
		} else {
			y[i] = l.Slope * v
		}
	}
}
func (l LeakyReLU) Backward(a *Args) {
	x, dy, dx := a.In[0].Data, a.OutGrad.Data, a.InGrad[0].Data
	dy = dy[:len(x)]
	for i, v := range x {
		if v > 0 {
			dx[i] += dy[i]
		} else {
			dx[i] += l.Slope * dy[i]
		}
	}
}

// Sigmoid is 1/(1+e^-x).
type Sigmoid struct{}

func (Sigmoid) Kind() string              { return "sigmoid" }
func (Sigmoid) OutShape(in [][]int) []int { return sameOutShape(in) }
func (Sigmoid) Forward(a *Args) {
	x, y := a.In[0].Data, a.Out.Data[:len(a.In[0].Data)]
	for i, v := range x {
		y[i] = sigmoid32(v)
	}
}
func (Sigmoid) Backward(a *Args) {
	y, dy, dx := a.Out.Data, a.OutGrad.Data, a.InGrad[0].Data
	dy = dy[:len(y)]
	for i, s := range y {
		dx[i] += dy[i] * s * (1 - s)
	}
}

// Tanh is the hyperbolic tangent.
type Tanh struct{}

func (Tanh) Kind() string              { return "tanh" }
func (Tanh) OutShape(in [][]int) []int { return sameOutShape(in) }
func (Tanh) Forward(a *Args) {
	x, y := a.In[0].Data, a.Out.Data[:len(a.In[0].Data)]
	for i, v := range x {
		y[i] = float32(math.Tanh(float64(v)))
	}
}
func (Tanh) Backward(a *Args) {
	y, dy, dx := a.Out.Data, a.OutGrad.Data, a.InGrad[0].Data
	dy = dy[:len(y)]
	for i, t := range y {
		dx[i] += dy[i] * (1 - t*t)
	}
}

// Add is the elementwise sum of two inputs of one shape.
type Add struct{}

func (Add) Kind() string { return "add" }
func (Add) OutShape(in [][]int) []int {
	if !sameShape(in[0], in[1]) {
		panic("graph: add of different shapes")
	}
	return sameOutShape(in)
}
func (Add) Forward(a *Args) {
	x, z, y := a.In[0].Data, a.In[1].Data, a.Out.Data
	for i := range y {
		y[i] = x[i] + z[i]
	}
}
func (Add) Backward(a *Args) {
	for _, g := range a.InGrad {
		if g != nil {
			addTo(g.Data, a.OutGrad.Data)
		}
	}
}
