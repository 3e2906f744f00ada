package graph

import (
	"fmt"
	"math/rand/v2"
)

// Workspace holds the activations and activation gradients of one graph for
// one batch size. Make one per concurrent use (a real and a fake batch through
// one discriminator are two workspaces).
type Workspace struct {
	g       *Graph
	batch   int
	val     []*Tensor // per node; parameters point at the Graph's tensors
	grad    []*Tensor // per node; parameters point at the Graph's gradients
	args    []Args
	need    []bool
	inputIx map[string]int
	// outGrad marks the nodes whose gradient buffer is an output's (the
	// outputs and the sources they alias): the caller fills those between
	// Forward and Backward.
	outGrad []bool
	arena   *Arena
	temp    []int // per node: the op's temporary floats
}

// Arena holds the temporary memory of ops (TempUser) for the workspaces
// that share it. Those must run one op at a time: the workspaces of one
// training loop, not of concurrent trials.
type Arena struct{ buf []float32 }

// NewArena returns an empty arena; workspaces grow it to what they need.
func NewArena() *Arena { return &Arena{} }

func (ar *Arena) reserve(n int) {
	if n > len(ar.buf) {
		ar.buf = make([]float32, n)
	}
}

// Floats reports the arena's size, for tests and memory accounting.
func (ar *Arena) Floats() int { return len(ar.buf) }

// NewWorkspace allocates every buffer the graph needs for batch examples,
// temporaries included.
func (g *Graph) NewWorkspace(batch int) *Workspace { return g.NewSharedWorkspace(batch, nil) }

// NewSharedWorkspace is NewWorkspace with the ops' temporaries in arena
// (a new one when nil): a GAN's generator and discriminator workspaces need
// one set of convolution temporaries between them, not one each.
func (g *Graph) NewSharedWorkspace(batch int, arena *Arena) *Workspace {
	if batch <= 0 {
		panic("graph: batch must be positive")
	}
	if arena == nil {
		arena = NewArena()
	}
	ws := &Workspace{
		arena:   arena,
		temp:    make([]int, len(g.nodes)),
		g:       g,
		batch:   batch,
		val:     make([]*Tensor, len(g.nodes)),
		grad:    make([]*Tensor, len(g.nodes)),
		args:    make([]Args, len(g.nodes)),
		need:    make([]bool, len(g.nodes)),
		inputIx: map[string]int{},
		outGrad: make([]bool, len(g.nodes)),
	}
	for _, n := range g.nodes {
		switch {
		case n.kind == kindParam:
			ws.val[n.ID], ws.grad[n.ID] = n.param.Value, n.param.Grad
		case isAlias(n.op):
			src := n.in[0].ID
			shape := batched(batch, n.Shape)
			ws.val[n.ID] = &Tensor{Shape: shape, Data: ws.val[src].Data}
			ws.grad[n.ID] = &Tensor{Shape: shape, Data: ws.grad[src].Data}
		default:
			ws.val[n.ID] = NewTensor(batched(batch, n.Shape)...)
			ws.grad[n.ID] = NewTensor(batched(batch, n.Shape)...)
		}
		if n.kind == kindInput {
			ws.inputIx[n.Name] = n.ID
		}
	}
	for _, o := range g.outputs {
		for _, n := range g.nodes {
			if len(ws.grad[n.ID].Data) > 0 && &ws.grad[n.ID].Data[0] == &ws.grad[o.ID].Data[0] {
				ws.outGrad[n.ID] = true
			}
		}
	}
	for _, n := range g.nodes {
		if n.kind != kindOp {
			continue
		}
		a := &ws.args[n.ID]
		a.Batch = batch
		a.Out, a.OutGrad = ws.val[n.ID], ws.grad[n.ID]
		a.In = make([]*Tensor, len(n.in))
		a.InGrad = make([]*Tensor, len(n.in))
		a.inGradAll = make([]*Tensor, len(n.in))
		shapes := make([][]int, len(n.in))
		for i, in := range n.in {
			a.In[i], a.inGradAll[i] = ws.val[in.ID], ws.grad[in.ID]
			shapes[i] = in.Shape
		}
		if s, ok := n.op.(Scratcher); ok {
			a.Scratch = make([]float32, s.ScratchSize(batch, shapes))
		}
		if t, ok := n.op.(TempUser); ok {
			ws.temp[n.ID] = t.TempSize(batch, shapes)
			arena.reserve(ws.temp[n.ID])
		}
	}
	return ws
}

func isAlias(op Op) bool {
	_, ok := op.(Aliaser)
	return ok
}

func batched(batch int, shape []int) []int {
	return append([]int{batch}, shape...)
}

// Graph returns the workspace's graph.
func (ws *Workspace) Graph() *Graph { return ws.g }

// Batch is the workspace's batch size.
func (ws *Workspace) Batch() int { return ws.batch }

// Input returns the buffer of the named input, to be filled before Forward.
func (ws *Workspace) Input(name string) *Tensor {
	id, ok := ws.inputIx[name]
	if !ok {
		panic(fmt.Sprintf("graph: no input %q", name))
	}
	return ws.val[id]
}

// InputGrad returns the gradient of the named input after a Backward that
// asked for input gradients.
func (ws *Workspace) InputGrad(name string) *Tensor {
	id, ok := ws.inputIx[name]
	if !ok {
		panic(fmt.Sprintf("graph: no input %q", name))
	}
	return ws.grad[id]
}

// Out returns the i-th output's value.
func (ws *Workspace) Out(i int) *Tensor { return ws.val[ws.g.outputs[i].ID] }

// OutGrad returns the i-th output's gradient buffer; the caller fills it
// after Forward and before Backward. Forward zeroes it.
func (ws *Workspace) OutGrad(i int) *Tensor { return ws.grad[ws.g.outputs[i].ID] }

// Value returns any node's value (for tests and summaries).
func (ws *Workspace) Value(n *Node) *Tensor { return ws.val[n.ID] }

// SetRand gives the workspace the random stream its stochastic ops (dropout)
// draw from.
func (ws *Workspace) SetRand(r *rand.Rand) {
	for i := range ws.args {
		ws.args[i].Rand = r
	}
}

// Forward runs every op in order. train selects training behaviour (batch
// statistics, dropout). It zeroes the gradients Backward accumulates into
// across calls: the outputs' (the caller fills or adds to them) and the
// inputs'. Backward zeroes the intermediate gradients it uses, so a
// forward-only pass (sampling, a generator feeding D) clears little.
func (ws *Workspace) Forward(train bool) {
	for _, n := range ws.g.nodes {
		if ws.outGrad[n.ID] || n.kind == kindInput {
			ws.grad[n.ID].Zero()
		}
	}
	for _, n := range ws.g.nodes {
		if n.kind != kindOp || isAlias(n.op) {
			continue
		}
		a := &ws.args[n.ID]
		a.Train = train
		a.Temp = ws.arena.buf[:ws.temp[n.ID]]
		n.op.Forward(a)
		a.Temp = nil
	}
}

// BackwardOpts says which gradients a Backward computes.
type BackwardOpts struct {
	// ParamGrads accumulates into the graph's parameter gradients.
	ParamGrads bool
	// InputGrads computes the gradients of the inputs (read with InputGrad).
	InputGrads bool
}

// Backward propagates the output gradients (filled through OutGrad) back
// through the graph, computing only what opts asks for.
func (ws *Workspace) Backward(opts BackwardOpts) {
	nodes := ws.g.nodes
	// A node needs a gradient if a wanted leaf lies below it.
	for _, n := range nodes {
		switch n.kind {
		case kindParam:
			ws.need[n.ID] = opts.ParamGrads
		case kindInput:
			ws.need[n.ID] = opts.InputGrads
		default:
			need := false
			for _, in := range n.in {
				need = need || ws.need[in.ID]
			}
			ws.need[n.ID] = need
		}
	}
	for _, n := range nodes {
		if ws.need[n.ID] && n.kind == kindOp && !isAlias(n.op) && !ws.outGrad[n.ID] {
			ws.grad[n.ID].Zero()
		}
	}
	for i := len(nodes) - 1; i >= 0; i-- {
		n := nodes[i]
		if n.kind != kindOp || !ws.need[n.ID] || isAlias(n.op) {
			continue
		}
		a := &ws.args[n.ID]
		for j, in := range n.in {
			a.InGrad[j] = nil
			if ws.need[in.ID] {
				a.InGrad[j] = a.inGradAll[j]
			}
		}
		a.Temp = ws.arena.buf[:ws.temp[n.ID]]
		n.op.Backward(a)
		a.Temp = nil
	}
}
