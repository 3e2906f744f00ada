package graph

import (
	"fmt"
	"math/rand/v2"
	"runtime"
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
	// halves, when set, are this workspace's two row ranges of the batch,
	// which every Forward and Backward runs as two passes (see split).
	halves [2]*Workspace
	// ownGrads are halves[1]'s parameter gradients, added to the graph's
	// after each Backward: halves[0] accumulates into the graph's own.
	ownGrads []paramGrad
}

type paramGrad struct{ graph, own *Tensor }

// Arena holds the temporary memory of ops (TempUser) for the workspaces
// that share it. Those must run one op at a time: the workspaces of one
// training loop, not of concurrent trials.
type Arena struct {
	buf   []float32
	other *Arena // the second halves' temporaries, which run beside the first
}

func (ar *Arena) twin() *Arena {
	if ar.other == nil {
		ar.other = NewArena()
	}
	return ar.other
}

// NewArena returns an empty arena; workspaces grow it to what they need.
func NewArena() *Arena { return &Arena{} }

func (ar *Arena) reserve(n int) {
	if n > len(ar.buf) {
		ar.buf = make([]float32, n)
	}
}

// Floats reports the arena's size, for tests and memory accounting.
func (ar *Arena) Floats() int {
	if ar.other != nil {
		return len(ar.buf) + ar.other.Floats()
	}
	return len(ar.buf)
}

// NewWorkspace allocates every buffer the graph needs for batch examples,
// temporaries included.
func (g *Graph) NewWorkspace(batch int) *Workspace { return g.NewSharedWorkspace(batch, nil) }

// NewSharedWorkspace is NewWorkspace with the ops' temporaries in arena
// (a new one when nil): a GAN's generator and discriminator workspaces need
// one set of convolution temporaries between them, not one each.
func (g *Graph) NewSharedWorkspace(batch int, arena *Arena) *Workspace {
	return g.newWorkspace(batch, arena, g.splits(batch))
}

// newWorkspace makes a workspace, as halves (split) or whole.
func (g *Graph) newWorkspace(batch int, arena *Arena, split bool) *Workspace {
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
	if split {
		ws.split()
	} else {
		ws.prepareArgs()
	}
	return ws
}

// prepareArgs points every op's Args at the workspace's buffers and sizes
// its scratch and temporary memory.
func (ws *Workspace) prepareArgs() {
	for _, n := range ws.g.nodes {
		if n.kind != kindOp {
			continue
		}
		a := &ws.args[n.ID]
		a.Batch = ws.batch
		a.Out, a.OutGrad = ws.val[n.ID], ws.grad[n.ID]
		a.In = make([]*Tensor, len(n.in))
		a.InGrad = make([]*Tensor, len(n.in))
		a.inGradAll = make([]*Tensor, len(n.in))
		for i, in := range n.in {
			a.In[i], a.inGradAll[i] = ws.val[in.ID], ws.grad[in.ID]
		}
		shapes := shapesOf(n.in)
		if s, ok := n.op.(Scratcher); ok {
			a.Scratch = make([]float32, s.ScratchSize(ws.batch, shapes))
		}
		if t, ok := n.op.(TempUser); ok {
			ws.temp[n.ID] = t.TempSize(ws.batch, shapes)
			ws.arena.reserve(ws.temp[n.ID])
		}
	}
}

// Halves. Cutting each op of a small network (the ring GAN's 128-unit MLPs,
// some 100 µs of work per product) over two threads gained little: two
// threads ran its step 1.1-1.2x faster than one. Where no op
// mixes the examples of a batch, a workspace instead runs each pass as two
// passes over halves of the batch, one per thread, each op whole within a
// half; the second half's parameter gradients are added to the first's
// after Backward. The halves depend on the batch alone, never on the
// thread count (one thread runs them one after the other), so results stay
// the same on any number of threads.

// splitMinRows is the least rows of a half, and splitMaxFlop bounds the
// forward work of every op over the whole batch. Smaller halves, or larger
// products, ran better whole, cut op by op (OpenBLAS's threads take products
// from 64 MFLOP): as halves, the VAE's step (128x784x400, 80 MFLOP) took
// 4.6-6.3 ms against 3.7-4.0 whole, the MNIST cGAN's (batch 64) 3.6-4.0 ms
// against 3.3-3.4; the ring's (batch 512, 512x128x128) 2.1-2.6 ms against
// 2.7-3.1.
const (
	splitMinRows = 128
	splitMaxFlop = 32 << 20
)

// splits reports whether workspaces of the graph run as halves for batch:
// every op treats the examples independently, so two halves computed apart
// give the whole, and none is large enough to use both threads well alone.
func (g *Graph) splits(batch int) bool {
	if batch < 2*splitMinRows {
		return false
	}
	for _, n := range g.nodes {
		if _, ok := n.op.(BatchCoupler); ok {
			return false
		}
		if c, ok := n.op.(FlopCounter); ok {
			if c.Flops(batch, shapesOf(n.in)) > splitMaxFlop {
				return false
			}
		}
	}
	return true
}

// split makes the workspace's halves: views of its rows, with their own
// Args, scratch and (for the second) temporaries and parameter gradients.
func (ws *Workspace) split() {
	mid := ws.batch / 2 / gemmAlign * gemmAlign // whole BLAS tiles
	ws.halves[0] = ws.rows(0, mid, ws.arena, false)
	ws.halves[1] = ws.rows(mid, ws.batch, ws.arena.twin(), true)
}

// rows returns a workspace over rows [r0, r1) of ws's buffers. With
// ownGrads its parameter gradients are its own, recorded in ws.ownGrads.
func (ws *Workspace) rows(r0, r1 int, arena *Arena, ownGrads bool) *Workspace {
	g := ws.g
	h := &Workspace{
		g:       g,
		batch:   r1 - r0,
		val:     make([]*Tensor, len(g.nodes)),
		grad:    make([]*Tensor, len(g.nodes)),
		args:    make([]Args, len(g.nodes)),
		need:    make([]bool, len(g.nodes)),
		inputIx: ws.inputIx,
		outGrad: ws.outGrad,
		arena:   arena,
		temp:    make([]int, len(g.nodes)),
	}
	for _, n := range g.nodes {
		if n.kind == kindParam {
			h.val[n.ID], h.grad[n.ID] = ws.val[n.ID], ws.grad[n.ID]
			if ownGrads {
				h.grad[n.ID] = NewTensor(n.Shape...)
				ws.ownGrads = append(ws.ownGrads, paramGrad{ws.grad[n.ID], h.grad[n.ID]})
			}
			continue
		}
		h.val[n.ID], h.grad[n.ID] = rowView(ws.val[n.ID], r0, r1), rowView(ws.grad[n.ID], r0, r1)
	}
	h.prepareArgs()
	return h
}

// rowView is rows [r0, r1) of a batch-major tensor, sharing its memory.
func rowView(t *Tensor, r0, r1 int) *Tensor {
	per := len(t.Data) / t.Shape[0]
	shape := append([]int{r1 - r0}, t.Shape[1:]...)
	return &Tensor{Shape: shape, Data: t.Data[r0*per : r1*per : r1*per]}
}

// runHalves runs one pass of each half, side by side where a second thread
// is free. Ops within a pass run whole on its thread (parts).
func (ws *Workspace) runHalves(p passArgs) {
	var ts [2]task
	for i, h := range ws.halves {
		ts[i] = task{kind: taskPass, pass: p}
		ts[i].pass.ws = h
	}
	pool.passes.Add(1)
	if min(Threads(), runtime.GOMAXPROCS(0)) > 1 {
		runParts(ts[:])
	} else {
		ts[0].run()
		ts[1].run()
	}
	pool.passes.Add(-1)
}

// passArgs is one half's Forward or Backward.
type passArgs struct {
	ws       *Workspace
	backward bool
	train    bool
	opts     BackwardOpts
}

func (p *passArgs) run() {
	if !p.backward {
		p.ws.Forward(p.train)
		return
	}
	p.ws.Backward(p.opts)
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
	for _, h := range ws.halves {
		if h != nil {
			h.SetRand(r)
		}
	}
}

// Forward runs every op in order. train selects training behaviour (batch
// statistics, dropout). It zeroes the gradients Backward accumulates into
// across calls: the outputs' (the caller fills or adds to them) and the
// inputs'. Backward zeroes the intermediate gradients it uses, so a
// forward-only pass (sampling, a generator feeding D) clears little.
func (ws *Workspace) Forward(train bool) {
	if ws.halves[0] != nil {
		ws.runHalves(passArgs{train: train})
		return
	}
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
	if ws.halves[0] != nil {
		if opts.ParamGrads {
			for _, p := range ws.ownGrads {
				p.own.Zero()
			}
		}
		ws.runHalves(passArgs{backward: true, opts: opts})
		if opts.ParamGrads {
			for _, p := range ws.ownGrads {
				addTo(p.graph.Data, p.own.Data)
			}
		}
		return
	}
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
