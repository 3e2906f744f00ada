package graph

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ringMLP builds the ring GAN's discriminator shape: 2-128-128-1 with
// leaky ReLUs, parameters drawn from a fixed stream.
func ringMLP(width int) *Graph {
	b := NewBuilder()
	h := b.Input("x", 2)
	in := 2
	for i, units := range []int{width, width, 1} {
		name := string(rune('a' + i))
		h = b.Apply(name, Dense{}, h, b.Param(name+".w", units, in), b.Param(name+".b", units))
		if units > 1 {
			h = b.Apply(name+".act", LeakyReLU{Slope: 0.2}, h)
		}
		in = units
	}
	g := b.Build(h)
	rng := rand.New(rand.NewPCG(5, 5))
	for _, p := range g.Params() {
		copy(p.Value.Data, randSlice(rng, p.Value.Size()))
	}
	return g
}

// passes runs a forward and a backward pass with the output as its own
// gradient, returning the output, the input gradient and the parameter
// gradients (accumulated onto a nonzero start, as between two backwards).
func passes(g *Graph, ws *Workspace) [][]float32 {
	for _, p := range g.Params() {
		for i := range p.Grad.Data {
			p.Grad.Data[i] = 0.25
		}
	}
	copy(ws.Input("x").Data, randSlice(rand.New(rand.NewPCG(6, 6)), ws.Input("x").Size()))
	ws.Forward(true)
	copy(ws.OutGrad(0).Data, ws.Out(0).Data)
	ws.Backward(BackwardOpts{ParamGrads: true, InputGrads: true})
	out := [][]float32{append([]float32(nil), ws.Out(0).Data...), append([]float32(nil), ws.InputGrad("x").Data...)}
	for _, p := range g.Params() {
		out = append(out, append([]float32(nil), p.Grad.Data...))
	}
	return out
}

// TestHalvesMatchWhole checks that a workspace run as two halves of its
// batch computes what the whole does (up to the rounding of the parameter
// gradients' sums, now added in two parts), bit for bit the same on one
// thread and on two, Backward after Backward.
func TestHalvesMatchWhole(t *testing.T) {
	const batch = 300 // halves of 144 and 156 rows
	g := ringMLP(128)
	if !g.splits(batch) {
		t.Fatal("the ring's discriminator at batch 300 is not split")
	}
	whole := passes(g, g.newWorkspace(batch, nil, false))
	var halves [2][][]float32
	for i, threads := range []int{1, 2} {
		// Twice on one workspace: the second half's own gradients must
		// start each Backward from zero.
		withThreads(threads, func() {
			ws := g.NewWorkspace(batch)
			passes(g, ws)
			halves[i] = passes(g, ws)
		})
	}
	for j := range whole {
		scale := 0.0 // sums of many terms round to a share of the largest
		for _, w := range whole[j] {
			scale = max(scale, math.Abs(float64(w)))
		}
		for e := range whole[j] {
			h0, h1, w := halves[0][j][e], halves[1][j][e], whole[j][e]
			if math.Float32bits(h0) != math.Float32bits(h1) {
				t.Fatalf("result %d[%d]: %v on one thread, %v on two", j, e, h0, h1)
			}
			if d := math.Abs(float64(h0 - w)); d > 1e-5*(1+scale) {
				t.Fatalf("result %d[%d]: %v as halves, %v whole", j, e, h0, w)
			}
		}
	}
}

func TestWhichWorkspacesSplit(t *testing.T) {
	bn := func() *Graph {
		b := NewBuilder()
		x := b.Input("x", 8)
		h := b.Apply("d", Dense{}, x, b.Param("w", 8, 8))
		return b.Build(b.Apply("bn", BatchNorm{RunMean: b.State("m", 8), RunVar: b.State("v", 8)}, h, b.Param("g", 8), b.Param("b", 8)))
	}
	for _, c := range []struct {
		name  string
		g     *Graph
		batch int
		want  bool
	}{
		{"ring MLP, batch 512", ringMLP(128), 512, true},
		{"ring MLP, batch 255: halves under 128 rows", ringMLP(128), 255, false},
		{"an op of 2x512x256x256 flops", ringMLP(256), 512, false},
		{"batch norm mixes the batch", bn(), 512, false},
	} {
		ws := c.g.NewWorkspace(c.batch)
		if got := ws.halves[0] != nil; got != c.want {
			t.Errorf("%s: split %v, want %v", c.name, got, c.want)
		}
	}
}
