package graph

// Elementwise activations. Each reads one input and writes an output of the
// same shape; the loops are the kernels of kernels.go. They stay on the
// calling goroutine: cut over two threads they measured no faster on an idle
// machine (a few µs each) and slower on a busy one (one hand-off more each).

func sameOutShape(in [][]int) []int { return append([]int(nil), in[0]...) }

// ReLU is max(x, 0).
type ReLU struct{}

func (ReLU) Kind() string              { return "relu" }
func (ReLU) OutShape(in [][]int) []int { return sameOutShape(in) }
func (ReLU) Forward(a *Args) {
	x := a.In[0].Data
	reluForward(a.Out.Data[:len(x)], x)
}
func (ReLU) Backward(a *Args) {
	x := a.In[0].Data
	reluBackward(a.InGrad[0].Data[:len(x)], x, a.OutGrad.Data)
}

// LeakyReLU is x for x > 0 and Slope·x otherwise.
type LeakyReLU struct{ Slope float32 }

func (LeakyReLU) Kind() string              { return "leaky_relu" }
func (LeakyReLU) OutShape(in [][]int) []int { return sameOutShape(in) }
func (l LeakyReLU) Forward(a *Args) {
	x := a.In[0].Data
	leakyForward(a.Out.Data[:len(x)], x, l.Slope)
}
func (l LeakyReLU) Backward(a *Args) {
	x := a.In[0].Data
	leakyBackward(a.InGrad[0].Data[:len(x)], x, a.OutGrad.Data, l.Slope)
}

// Sigmoid is 1/(1+e^-x).
type Sigmoid struct{}

func (Sigmoid) Kind() string              { return "sigmoid" }
func (Sigmoid) OutShape(in [][]int) []int { return sameOutShape(in) }
func (Sigmoid) Forward(a *Args) {
	x := a.In[0].Data
	sigmoidForward(a.Out.Data[:len(x)], x)
}
func (Sigmoid) Backward(a *Args) {
	y := a.Out.Data
	sigmoidBackward(a.InGrad[0].Data[:len(y)], y, a.OutGrad.Data)
}

// Tanh is the hyperbolic tangent.
type Tanh struct{}

func (Tanh) Kind() string              { return "tanh" }
func (Tanh) OutShape(in [][]int) []int { return sameOutShape(in) }
func (Tanh) Forward(a *Args) {
	x := a.In[0].Data
	tanhForward(a.Out.Data[:len(x)], x)
}
func (Tanh) Backward(a *Args) {
	y := a.Out.Data
	tanhBackward(a.InGrad[0].Data[:len(y)], y, a.OutGrad.Data)
}

// Add is the elementwise sum of two inputs of one shape.
type Add struct{}

func (Add) Kind() string { return "add" }
func (Add) OutShape(in [][]int) []int {
	if !SameShape(in[0], in[1]) {
		panic("graph: add of different shapes")
	}
	return sameOutShape(in)
}
func (Add) Forward(a *Args) { add3(a.Out.Data, a.In[0].Data, a.In[1].Data) }
func (Add) Backward(a *Args) {
	for _, g := range a.InGrad {
		if g != nil {
			addTo(g.Data, a.OutGrad.Data)
		}
	}
}
