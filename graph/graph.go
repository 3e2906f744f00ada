package graph

import (
	"fmt"
	"math/rand/v2"
)

// Op is one kind of computation. Each implementation keeps its forward and
// backward side by side in one file.
type Op interface {
	// Kind names the op in messages.
	Kind() string
	// OutShape gives the per-example output shape from the input shapes
	// (per example for activations, full for parameters). It panics on a
	// mismatch: callers check user input before building.
	OutShape(in [][]int) []int
	// Forward computes a.Out from a.In.
	Forward(a *Args)
	// Backward adds the gradient of a.OutGrad into every non-nil a.InGrad.
	Backward(a *Args)
}

// Scratcher is an Op that needs per-workspace scratch memory, kept from its
// Forward to its Backward.
type Scratcher interface {
	ScratchSize(batch int, in [][]int) int
}

// TempUser is an Op that needs temporary memory within each Forward or
// Backward call, which nothing reads after the call returns: workspaces
// that share an Arena share it.
type TempUser interface {
	TempSize(batch int, in [][]int) int
}

// BatchCoupler is an Op whose training pass mixes the examples of a batch
// (batch norm's statistics) or reads one random stream across the batch in
// order (dropout): its graph's workspaces are not cut into halves.
type BatchCoupler interface{ CouplesBatch() }

// FlopCounter is an Op that reports the floating-point operations of its
// forward pass over a batch (the GEMM ops): what decides whether a
// workspace runs as halves (Graph.splits).
type FlopCounter interface {
	Flops(batch int, in [][]int) int
}

// Aliaser is an Op whose output is its first input seen with another shape
// (reshape, flatten): the workspace shares the buffers instead of copying.
type Aliaser interface{ Alias() }

// Args carries one node's buffers through Forward and Backward. Activation
// tensors have the batch as their leading dimension; parameters are whole.
type Args struct {
	Batch   int
	In      []*Tensor
	Out     *Tensor
	InGrad  []*Tensor // nil where no gradient is wanted
	OutGrad *Tensor
	Scratch []float32
	Temp    []float32 // valid during one Forward or Backward call
	Train   bool
	Rand    *rand.Rand

	inGradAll []*Tensor
}

type nodeKind uint8

const (
	kindInput nodeKind = iota
	kindParam
	kindOp
)

// Node is one value of the graph.
type Node struct {
	ID    int
	Name  string
	Shape []int // per example for inputs and ops; full for parameters
	kind  nodeKind
	op    Op
	in    []*Node
	param *Param
}

// Op returns the node's op, or nil for inputs and parameters.
func (n *Node) Op() Op { return n.op }

// Inputs returns the nodes the node reads.
func (n *Node) Inputs() []*Node { return n.in }

// Param is a trained tensor and its accumulated gradient. A parameter with
// Frozen set receives no gradient (used for running statistics).
type Param struct {
	Name  string
	Value *Tensor
	Grad  *Tensor
}

// Builder assembles a Graph. It is not safe for concurrent use.
type Builder struct {
	dry    bool // shapes only: parameters get no memory
	nodes  []*Node
	params []*Param
	state  []*Param
	names  map[string]bool
}

// NewBuilder returns an empty builder.
func NewBuilder() *Builder { return &Builder{names: map[string]bool{}} }

func (b *Builder) add(n *Node) *Node {
	n.ID = len(b.nodes)
	b.nodes = append(b.nodes, n)
	return n
}

// NewShapeBuilder returns a builder that records shapes and parameter sizes
// without allocating parameter memory; its graph cannot run.
func NewShapeBuilder() *Builder { return &Builder{dry: true, names: map[string]bool{}} }

func (b *Builder) tensor(shape []int) *Tensor {
	if b.dry {
		return &Tensor{Shape: append([]int(nil), shape...)}
	}
	return NewTensor(shape...)
}

// ParamsUnder counts the scalars of parameters whose names start with prefix.
func (b *Builder) ParamsUnder(prefix string) int {
	n := 0
	for _, p := range b.params {
		if len(p.Name) >= len(prefix) && p.Name[:len(prefix)] == prefix {
			n += Numel(p.Value.Shape)
		}
	}
	return n
}

// Input declares a per-example input fed by the caller.
func (b *Builder) Input(name string, shape ...int) *Node {
	return b.add(&Node{Name: name, Shape: append([]int(nil), shape...), kind: kindInput})
}

// Param declares a trained parameter of the given full shape, zero-valued.
func (b *Builder) Param(name string, shape ...int) *Node {
	if b.names[name] {
		panic(fmt.Sprintf("graph: duplicate parameter %q", name))
	}
	b.names[name] = true
	p := &Param{Name: name, Value: b.tensor(shape), Grad: b.tensor(shape)}
	b.params = append(b.params, p)
	return b.add(&Node{Name: name, Shape: p.Value.Shape, kind: kindParam, param: p})
}

// State declares a tensor that is saved with the model but not trained (a
// batchnorm's running statistics). Ops receive it at construction.
func (b *Builder) State(name string, shape ...int) *Tensor {
	if b.names[name] {
		panic(fmt.Sprintf("graph: duplicate state %q", name))
	}
	b.names[name] = true
	t := b.tensor(shape)
	b.state = append(b.state, &Param{Name: name, Value: t})
	return t
}

// Apply adds a node computing op over inputs.
func (b *Builder) Apply(name string, op Op, inputs ...*Node) *Node {
	return b.add(&Node{Name: name, Shape: op.OutShape(shapesOf(inputs)), kind: kindOp, op: op, in: inputs})
}

// shapesOf lists the nodes' per-example shapes, as ops take them.
func shapesOf(nodes []*Node) [][]int {
	shapes := make([][]int, len(nodes))
	for i, n := range nodes {
		shapes[i] = n.Shape
	}
	return shapes
}

// Build freezes the graph with the given outputs.
func (b *Builder) Build(outputs ...*Node) *Graph {
	if len(outputs) == 0 {
		panic("graph: Build needs at least one output")
	}
	g := &Graph{nodes: b.nodes, params: b.params, state: b.state, outputs: outputs}
	for _, n := range b.nodes {
		if n.kind == kindInput {
			g.inputs = append(g.inputs, n)
		}
	}
	return g
}

// Graph is a frozen DAG with its parameters. Nodes are in topological order
// by construction (a node can only read nodes made before it).
type Graph struct {
	nodes   []*Node
	inputs  []*Node
	outputs []*Node
	params  []*Param
	state   []*Param
}

// Params are the trained tensors in declaration order.
func (g *Graph) Params() []*Param { return g.params }

// State are the saved, untrained tensors in declaration order.
func (g *Graph) State() []*Param { return g.state }

// Inputs are the input nodes in declaration order.
func (g *Graph) Inputs() []*Node { return g.inputs }

// Outputs are the output nodes.
func (g *Graph) Outputs() []*Node { return g.outputs }

// Nodes are all nodes in topological order.
func (g *Graph) Nodes() []*Node { return g.nodes }

// NumParams counts the trained scalars.
func (g *Graph) NumParams() int {
	n := 0
	for _, p := range g.params {
		n += Numel(p.Value.Shape)
	}
	return n
}

// ZeroGrad clears every parameter gradient.
func (g *Graph) ZeroGrad() {
	for _, p := range g.params {
		p.Grad.Zero()
	}
}

// ParamValue returns a parameter node's value, or nil for other nodes.
func (n *Node) ParamValue() *Tensor {
	if n.param == nil {
		return nil
	}
	return n.param.Value
}
