package graph

// Elementwise activations. Each reads one input and writes an output of the
// same shape; the loops are the kernels of kernels.go. Small tensors stay on
// the calling goroutine: cut over two threads they measured no faster on an
// idle machine (a few µs each) and slower on a busy one (one hand-off more
// each). Large ones (DCGAN's feature maps) are cut into parts.

func sameOutShape(in [][]int) []int { return append([]int(nil), in[0]...) }

// eltFn names an elementwise kernel.
type eltFn uint8

const (
	eltReLUFwd eltFn = iota
	eltReLUBwd
	eltLeakyFwd
	eltLeakyBwd
	eltSigmoidFwd
	eltSigmoidBwd
	eltTanhFwd
	eltTanhBwd
	eltZero // out = 0; no x
)

// eltArgs is one elementwise kernel over out (y or dx), x and, backward,
// dy; x is the output for sigmoid and tanh backward.
type eltArgs struct {
	fn         eltFn
	out, x, dy []float32
	slope      float32
}

func (e *eltArgs) run() {
	switch e.fn {
	case eltReLUFwd:
		reluForward(e.out, e.x)
	case eltReLUBwd:
		reluBackward(e.out, e.x, e.dy)
	case eltLeakyFwd:
		leakyForward(e.out, e.x, e.slope)
	case eltLeakyBwd:
		leakyBackward(e.out, e.x, e.dy, e.slope)
	case eltSigmoidFwd:
		sigmoidForward(e.out, e.x)
	case eltSigmoidBwd:
		sigmoidBackward(e.out, e.x, e.dy)
	case eltTanhFwd:
		tanhForward(e.out, e.x)
	case eltTanhBwd:
		tanhBackward(e.out, e.x, e.dy)
	case eltZero:
		clear(e.out)
	}
}

// elementwise runs e, cut into parts of whole 8-blocks when it is long.
func elementwise(e eltArgs) {
	const minPerPart = 1 << 18 // values: below, a hand-off costs what it saves
	n := len(e.out)
	if e.x != nil {
		e.x = e.x[:n]
	}
	if e.dy != nil {
		e.dy = e.dy[:n]
	}
	np := parts(n, minPerPart)
	if np == 1 {
		e.run()
		return
	}
	var ts [maxParts]task
	for j := range np {
		lo, hi := (j*n/np)&^7, ((j+1)*n/np)&^7
		if j == np-1 {
			hi = n
		}
		p := e
		p.out = e.out[lo:hi]
		if e.x != nil {
			p.x = e.x[lo:hi]
		}
		if e.dy != nil {
			p.dy = e.dy[lo:hi]
		}
		ts[j] = task{kind: taskElementwise, elt: p}
	}
	runParts(ts[:np])
}

// ReLU is max(x, 0).
type ReLU struct{}

func (ReLU) Kind() string              { return "relu" }
func (ReLU) OutShape(in [][]int) []int { return sameOutShape(in) }
func (ReLU) Forward(a *Args) {
	x := a.In[0].Data
	elementwise(eltArgs{fn: eltReLUFwd, out: a.Out.Data[:len(x)], x: x})
}
func (ReLU) Backward(a *Args) {
	x := a.In[0].Data
	elementwise(eltArgs{fn: eltReLUBwd, out: a.InGrad[0].Data[:len(x)], x: x, dy: a.OutGrad.Data})
}

// LeakyReLU is x for x > 0 and Slope·x otherwise.
type LeakyReLU struct{ Slope float32 }

func (LeakyReLU) Kind() string              { return "leaky_relu" }
func (LeakyReLU) OutShape(in [][]int) []int { return sameOutShape(in) }
func (l LeakyReLU) Forward(a *Args) {
	x := a.In[0].Data
	elementwise(eltArgs{fn: eltLeakyFwd, out: a.Out.Data[:len(x)], x: x, slope: l.Slope})
}
func (l LeakyReLU) Backward(a *Args) {
	x := a.In[0].Data
	elementwise(eltArgs{fn: eltLeakyBwd, out: a.InGrad[0].Data[:len(x)], x: x, dy: a.OutGrad.Data, slope: l.Slope})
}

// Sigmoid is 1/(1+e^-x).
type Sigmoid struct{}

func (Sigmoid) Kind() string              { return "sigmoid" }
func (Sigmoid) OutShape(in [][]int) []int { return sameOutShape(in) }
func (Sigmoid) Forward(a *Args) {
	x := a.In[0].Data
	elementwise(eltArgs{fn: eltSigmoidFwd, out: a.Out.Data[:len(x)], x: x})
}
func (Sigmoid) Backward(a *Args) {
	y := a.Out.Data
	elementwise(eltArgs{fn: eltSigmoidBwd, out: a.InGrad[0].Data[:len(y)], x: y, dy: a.OutGrad.Data})
}

// Tanh is the hyperbolic tangent.
type Tanh struct{}

func (Tanh) Kind() string              { return "tanh" }
func (Tanh) OutShape(in [][]int) []int { return sameOutShape(in) }
func (Tanh) Forward(a *Args) {
	x := a.In[0].Data
	elementwise(eltArgs{fn: eltTanhFwd, out: a.Out.Data[:len(x)], x: x})
}
func (Tanh) Backward(a *Args) {
	y := a.Out.Data
	elementwise(eltArgs{fn: eltTanhBwd, out: a.InGrad[0].Data[:len(y)], x: y, dy: a.OutGrad.Data})
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
