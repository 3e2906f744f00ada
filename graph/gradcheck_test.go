package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Finite-difference gradient checking. The loss is L = Σ w·out with fixed
// random weights w, accumulated in float64; each checked element is moved by
// ±h and the central difference compared with what Backward accumulated.

const (
	gradH    = 1e-2 // step of the central difference
	gradAtol = 2e-3 // absolute tolerance
	gradRtol = 2e-2 // relative tolerance
	gradMax  = 150  // elements checked per tensor (chosen at random beyond that)
)

type gradCase struct {
	name  string
	batch int
	train bool
	// build declares inputs and parameters and returns the node whose
	// weighted sum is the loss.
	build func(b *Builder) *Node
	// prepare may adjust input values (e.g. keep them off a kink).
	prepare func(ws *Workspace, rng *rand.Rand)
}

type gradFailure struct {
	tensor string
	index  int
	got    float64
	want   float64
}

func (f *gradFailure) Error() string {
	return fmt.Sprintf("%s[%d]: backward %.6g, finite difference %.6g", f.tensor, f.index, f.got, f.want)
}

// runGradCheck returns the worst disagreement, or nil when all agree.
func runGradCheck(c gradCase) *gradFailure {
	rng := rand.New(rand.NewPCG(1, 2))
	b := NewBuilder()
	out := c.build(b)
	g := b.Build(out)
	ws := g.NewWorkspace(c.batch)
	for _, in := range g.Inputs() {
		for i := range ws.Input(in.Name).Data {
			ws.Input(in.Name).Data[i] = float32(rng.Float64()*2 - 1)
		}
	}
	for _, p := range g.Params() {
		for i := range p.Value.Data {
			p.Value.Data[i] = float32(rng.NormFloat64() * 0.5)
		}
	}
	if c.prepare != nil {
		c.prepare(ws, rng)
	}
	w := make([]float32, ws.Out(0).Size())
	for i := range w {
		w[i] = float32(rng.Float64()*2 - 1)
	}
	loss := func() float64 {
		ws.SetRand(rand.New(rand.NewPCG(7, 7))) // same dropout mask every pass
		ws.Forward(c.train)
		var s float64
		for i, v := range ws.Out(0).Data {
			s += float64(w[i]) * float64(v)
		}
		return s
	}
	loss()
	copy(ws.OutGrad(0).Data, w)
	g.ZeroGrad()
	ws.Backward(BackwardOpts{ParamGrads: true, InputGrads: true})

	type target struct {
		name      string
		val, grad []float32
	}
	var targets []target
	for _, in := range g.Inputs() {
		// Copy the analytic gradient: later forwards zero it.
		gr := append([]float32(nil), ws.InputGrad(in.Name).Data...)
		targets = append(targets, target{"input " + in.Name, ws.Input(in.Name).Data, gr})
	}
	for _, p := range g.Params() {
		targets = append(targets, target{"param " + p.Name, p.Value.Data, p.Grad.Data})
	}
	var worst *gradFailure
	worstExcess := 0.0
	for _, t := range targets {
		idx := make([]int, len(t.val))
		for i := range idx {
			idx[i] = i
		}
		if len(idx) > gradMax {
			rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
			idx = idx[:gradMax]
		}
		for _, i := range idx {
			orig := t.val[i]
			t.val[i] = orig + gradH
			up := loss()
			t.val[i] = orig - gradH
			down := loss()
			t.val[i] = orig
			want := (up - down) / float64(float32(orig+gradH)-float32(orig-gradH))
			got := float64(t.grad[i])
			excess := math.Abs(got-want) - (gradAtol + gradRtol*math.Max(math.Abs(got), math.Abs(want)))
			if excess > worstExcess {
				worstExcess = excess
				worst = &gradFailure{t.name, i, got, want}
			}
		}
	}
	return worst
}

func checkGrads(t *testing.T, cases []gradCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if f := runGradCheck(c); f != nil {
				t.Fatal(f)
			}
		})
	}
}

// wrongReLU passes the gradient everywhere: the checker must catch it.
type wrongReLU struct{ ReLU }

func (wrongReLU) Backward(a *Args) { addTo(a.InGrad[0].Data, a.OutGrad.Data) }

func TestGradCheckCatchesWrongBackward(t *testing.T) {
	f := runGradCheck(gradCase{name: "wrong", batch: 3, build: func(b *Builder) *Node {
		return b.Apply("r", wrongReLU{}, b.Input("x", 7))
	}})
	if f == nil {
		t.Fatal("a wrong backward passed the gradient check")
	}
}

// offKink moves inputs away from 0, where ReLU-like ops have no derivative.
func offKink(ws *Workspace, _ *rand.Rand) {
	for _, in := range ws.Graph().Inputs() {
		for i, v := range ws.Input(in.Name).Data {
			if math.Abs(float64(v)) < 0.05 {
				ws.Input(in.Name).Data[i] = 0.1
			}
		}
	}
}

func dense(b *Builder, name string, x *Node, in, out int) *Node {
	w := b.Param(name+".weight", out, in)
	bias := b.Param(name+".bias", out)
	return b.Apply(name, Dense{}, x, w, bias)
}

func TestGradDenseAndActivations(t *testing.T) {
	checkGrads(t, []gradCase{
		{name: "dense", batch: 3, build: func(b *Builder) *Node { return dense(b, "d", b.Input("x", 5), 5, 7) }},
		{name: "dense batch 1", batch: 1, build: func(b *Builder) *Node { return dense(b, "d", b.Input("x", 3), 3, 1) }},
		{name: "dense no bias", batch: 2, build: func(b *Builder) *Node {
			return b.Apply("d", Dense{}, b.Input("x", 4), b.Param("w", 3, 4))
		}},
		{name: "relu", batch: 3, prepare: offKink, build: func(b *Builder) *Node { return b.Apply("r", ReLU{}, b.Input("x", 7)) }},
		{name: "leaky_relu", batch: 2, prepare: offKink, build: func(b *Builder) *Node {
			return b.Apply("r", LeakyReLU{Slope: 0.2}, b.Input("x", 9))
		}},
		{name: "sigmoid", batch: 3, build: func(b *Builder) *Node { return b.Apply("s", Sigmoid{}, b.Input("x", 5)) }},
		{name: "tanh", batch: 3, build: func(b *Builder) *Node { return b.Apply("s", Tanh{}, b.Input("x", 5)) }},
		{name: "add", batch: 2, build: func(b *Builder) *Node {
			return b.Apply("a", Add{}, b.Input("x", 3), b.Input("y", 3))
		}},
		{name: "sum", batch: 3, build: func(b *Builder) *Node { return b.Apply("s", SumFeatures{}, b.Input("x", 5)) }},
		{name: "reshape", batch: 2, build: func(b *Builder) *Node {
			r := b.Apply("r", Reshape{To: []int{2, 3}}, b.Input("x", 6))
			return b.Apply("t", Tanh{}, r)
		}},
		{name: "concat", batch: 3, build: func(b *Builder) *Node {
			return b.Apply("c", Concat{}, b.Input("x", 2), b.Input("y", 5))
		}},
		{name: "concat images", batch: 2, build: func(b *Builder) *Node {
			return b.Apply("c", Concat{}, b.Input("x", 1, 2, 3), b.Input("y", 2, 2, 3))
		}},
		{name: "mlp", batch: 5, build: func(b *Builder) *Node {
			h := b.Apply("h", Tanh{}, dense(b, "l1", b.Input("x", 6), 6, 8))
			return dense(b, "l2", h, 8, 3)
		}},
		// A node read by two consumers receives the sum of both gradients.
		{name: "two consumers", batch: 3, build: func(b *Builder) *Node {
			h := dense(b, "l1", b.Input("x", 4), 4, 5)
			s := b.Apply("s", Sigmoid{}, h)
			t := b.Apply("t", Tanh{}, h)
			return b.Apply("sum", Add{}, s, t)
		}},
		{name: "input used twice", batch: 2, build: func(b *Builder) *Node {
			x := b.Input("x", 3)
			return b.Apply("c", Concat{}, x, b.Apply("t", Tanh{}, x))
		}},
	})
}
