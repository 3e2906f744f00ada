package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// convTol bounds |got − want| as a multiple of Σ|term| of the output's sum:
// float32 accumulation error grows with the terms' magnitude, not the result's.
const convTol = 1e-5

type convCase struct {
	name                 string
	batch, c, h, w, f, k int
	stride, pad          int
	bias                 bool
}

// randSlice fills a new slice with uniform values in [-1, 1).
func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.Float64()*2 - 1)
	}
	return s
}

// refConvAt is the textbook definition in float64 for one output element:
// the sum over its window. It also returns Σ|term| for the tolerance.
func refConvAt(cc convCase, x, w, bias []float32, b, f, i, j int) (out, mag float64) {
	if bias != nil {
		out, mag = float64(bias[f]), math.Abs(float64(bias[f]))
	}
	for c := 0; c < cc.c; c++ {
		for ki := 0; ki < cc.k; ki++ {
			for kj := 0; kj < cc.k; kj++ {
				y, x0 := i*cc.stride-cc.pad+ki, j*cc.stride-cc.pad+kj
				if y < 0 || y >= cc.h || x0 < 0 || x0 >= cc.w {
					continue
				}
				t := float64(w[((f*cc.c+c)*cc.k+ki)*cc.k+kj]) * float64(x[((b*cc.c+c)*cc.h+y)*cc.w+x0])
				out += t
				mag += math.Abs(t)
			}
		}
	}
	return out, mag
}

// refSample picks the output elements to check against a slow reference:
// all of them when there are few, otherwise every element of the first and
// last example (where batch offsets go wrong) and refSamples random others.
const refSamples = 4000

func refSample(rng *rand.Rand, batch, perExample int) []int {
	total := batch * perExample
	if total <= 3*refSamples {
		idx := make([]int, total)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	var idx []int
	for i := 0; i < perExample; i++ {
		idx = append(idx, i, total-perExample+i)
	}
	for range refSamples {
		idx = append(idx, rng.IntN(total))
	}
	return idx
}

// compareRef fails with the worst element and the error norm when got[i]
// is not within convTol of ref(i) for the sampled i.
func compareRef(t *testing.T, got []float32, idx []int, ref func(i int) (want, mag float64)) {
	t.Helper()
	worst, worstIx, norm := 0.0, -1, 0.0
	var worstWant, worstMag float64
	for _, i := range idx {
		want, mag := ref(i)
		d := math.Abs(float64(got[i]) - want)
		norm += d * d
		if ex := d - convTol*(mag+1e-3); ex > worst {
			worst, worstIx, worstWant, worstMag = ex, i, want, mag
		}
	}
	if worstIx >= 0 {
		t.Fatalf("error norm %.3g over %d values; worst [%d]: got %.7g, want %.7g (Σ|term| %.3g)",
			math.Sqrt(norm), len(idx), worstIx, got[worstIx], worstWant, worstMag)
	}
}

// convPaths runs f once per way convolutions are computed: through column
// matrices, and direct (every convolution, whatever its size) with its scalar
// reference kernel and, where the CPU has it, the vector one. Workspaces
// must be made inside f: the path decides the ops' memory.
func convPaths(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	conv, always, vec := directConv, directAlways, useVec
	defer func() { directConv, directAlways, useVec = conv, always, vec }()
	type path struct {
		name        string
		direct, vec bool
	}
	paths := []path{{"columns", false, vec}, {"direct scalar", true, false}}
	if hasFMA {
		paths = append(paths, path{"direct", true, true})
	}
	for _, p := range paths {
		directConv, directAlways, useVec = p.direct, p.direct, p.vec
		t.Run(p.name, f)
	}
}

// slowPath reports a path too slow for DCGAN-sized cases (the scalar kernel).
func slowPath() bool { return directConv && !useVec }

var convRefCases = []convCase{
	{"k3 s1 p1 bias", 2, 3, 5, 7, 4, 3, 1, 1, true},
	{"k3 s2 p0 batch 1", 1, 2, 7, 6, 3, 3, 2, 0, false},
	{"k1 s1 p2", 2, 2, 3, 4, 3, 1, 1, 2, true},
	{"k4 s2 p1 odd", 3, 2, 9, 5, 2, 4, 2, 1, true},
	{"k4 s3 p2", 2, 1, 8, 11, 2, 4, 3, 2, false},
	{"k3 s2 p1 two strips", 2, 20, 5, 6, 18, 3, 2, 1, true},
	{"dcgan c1", 64, 1, 28, 28, 64, 4, 2, 1, true},
	{"dcgan c2", 64, 64, 14, 14, 128, 4, 2, 1, true},
}

func runConv(op Op, cc convCase, x, w, bias []float32) []float32 {
	b := NewBuilder()
	in := []*Node{b.Input("x", cc.c, cc.h, cc.w), b.Param("w", cc.f, cc.c, cc.k, cc.k)}
	if bias != nil {
		in = append(in, b.Param("b", cc.f))
	}
	g := b.Build(b.Apply("conv", op, in...))
	copy(g.Params()[0].Value.Data, w)
	if bias != nil {
		copy(g.Params()[1].Value.Data, bias)
	}
	ws := g.NewWorkspace(cc.batch)
	copy(ws.Input("x").Data, x)
	ws.Forward(false)
	return ws.Out(0).Data
}

func TestConv2DMatchesReference(t *testing.T) { convPaths(t, testConv2DMatchesReference) }

func testConv2DMatchesReference(t *testing.T) {
	for _, cc := range convRefCases {
		t.Run(cc.name, func(t *testing.T) {
			if cc.batch > 4 && slowPath() {
				t.Skip("DCGAN's sizes on the scalar kernel")
			}
			rng := rand.New(rand.NewPCG(3, 4))
			x := randSlice(rng, cc.batch*cc.c*cc.h*cc.w)
			w := randSlice(rng, cc.f*cc.c*cc.k*cc.k)
			var bias []float32
			if cc.bias {
				bias = randSlice(rng, cc.f)
			}
			oh := (cc.h+2*cc.pad-cc.k)/cc.stride + 1
			ow := (cc.w+2*cc.pad-cc.k)/cc.stride + 1
			ref := func(i int) (float64, float64) {
				j := i % ow
				i /= ow
				r := i % oh
				i /= oh
				return refConvAt(cc, x, w, bias, i/cc.f, i%cc.f, r, j)
			}
			idx := refSample(rng, cc.batch, cc.f*oh*ow)
			compareRef(t, runConv(Conv2D{Stride: cc.stride, Padding: cc.pad}, cc, x, w, bias), idx, ref)
			// The per-example variant kept for the benchmark must be right too.
			compareRef(t, runConv(convPerExample{Conv2D{Stride: cc.stride, Padding: cc.pad}}, cc, x, w, bias), idx, ref)
		})
	}
}

func TestConv2DOutShape(t *testing.T) {
	got := Conv2D{Stride: 2, Padding: 1}.OutShape([][]int{{1, 28, 28}, {64, 1, 4, 4}, {64}})
	if fmt.Sprint(got) != "[64 14 14]" {
		t.Fatalf("out shape %v, want [64 14 14]", got)
	}
	bad := map[string][][]int{
		"kernel larger than padded input": {{1, 3, 8}, {2, 1, 5, 5}},
		"channel mismatch":                {{2, 8, 8}, {2, 3, 3, 3}},
		"non-square kernel":               {{1, 8, 8}, {2, 1, 3, 2}},
		"bias size":                       {{1, 8, 8}, {2, 1, 3, 3}, {3}},
		"flat input":                      {{64}, {2, 1, 3, 3}},
	}
	for name, in := range bad {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatalf("OutShape(%v) did not panic", in)
				}
			}()
			Conv2D{Stride: 1}.OutShape(in)
		})
	}
	for _, op := range []Conv2D{{Stride: 0}, {Stride: 1, Padding: -1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Fatalf("%+v did not panic", op)
				}
			}()
			op.OutShape([][]int{{1, 8, 8}, {2, 1, 3, 3}})
		}()
	}
}

func conv(b *Builder, name string, x *Node, c, f, k, s, p int, bias bool) *Node {
	in := []*Node{x, b.Param(name+".weight", f, c, k, k)}
	if bias {
		in = append(in, b.Param(name+".bias", f))
	}
	return b.Apply(name, Conv2D{Stride: s, Padding: p}, in...)
}

func TestGradConv2D(t *testing.T) { convPaths(t, testGradConv2D) }

func testGradConv2D(t *testing.T) {
	var cases []gradCase
	for _, cc := range []convCase{
		{"k3 s1 p1 bias", 2, 2, 5, 7, 3, 3, 1, 1, true},
		{"k3 s2 p0 batch 1", 1, 3, 7, 5, 2, 3, 2, 0, false},
		{"k1 s1 p2 bias", 2, 2, 3, 4, 3, 1, 1, 2, true},
		{"k1 s2 p0", 2, 3, 5, 5, 2, 1, 2, 0, false},
		{"k4 s2 p1 bias", 3, 2, 6, 6, 3, 4, 2, 1, true},
		{"k4 s2 p2 non-square", 2, 1, 5, 7, 2, 4, 2, 2, true},
		{"k3 s2 p1 uneven", 1, 2, 6, 5, 2, 3, 2, 1, false},
		{"k3 s2 p1 two strips", 2, 17, 4, 5, 18, 3, 2, 1, true},
	} {
		cases = append(cases, gradCase{name: cc.name, batch: cc.batch, build: func(b *Builder) *Node {
			return conv(b, "c", b.Input("x", cc.c, cc.h, cc.w), cc.c, cc.f, cc.k, cc.stride, cc.pad, cc.bias)
		}})
	}
	cases = append(cases,
		// The input feeds two convolutions and one output feeds two consumers.
		gradCase{name: "two consumers", batch: 2, build: func(b *Builder) *Node {
			x := b.Input("x", 2, 5, 5)
			y1 := conv(b, "c1", x, 2, 3, 3, 1, 1, true)
			y2 := conv(b, "c2", x, 2, 3, 3, 1, 1, false)
			s := b.Apply("s", Add{}, y1, y2)
			return b.Apply("sum", Add{}, b.Apply("t", Tanh{}, s), b.Apply("g", Sigmoid{}, s))
		}},
		gradCase{name: "stacked", batch: 2, build: func(b *Builder) *Node {
			h := b.Apply("t", Tanh{}, conv(b, "c1", b.Input("x", 1, 9, 7), 1, 2, 4, 2, 1, true))
			return conv(b, "c2", h, 2, 3, 3, 2, 1, true)
		}},
	)
	checkGrads(t, cases)
}

// Backward must not consume Forward's state: a second Backward after one
// Forward adds the same gradients again (a discriminator's fake batch is
// back-propagated once for its own loss and once for the generator's).
func TestBackwardTwiceAddsTwice(t *testing.T) { convPaths(t, testBackwardTwiceAddsTwice) }

func testBackwardTwiceAddsTwice(t *testing.T) {
	for _, c := range []struct {
		name  string
		build func(b *Builder) *Node
	}{
		{"conv2d", func(b *Builder) *Node { return conv(b, "c", b.Input("x", 2, 6, 5), 2, 3, 3, 2, 1, true) }},
		{"conv_transpose2d", func(b *Builder) *Node { return deconv(b, "d", b.Input("x", 2, 3, 4), 2, 3, 4, 2, 1, true) }},
		{"batchnorm", func(b *Builder) *Node { n, _ := batchNorm(b, "bn", b.Input("x", 3, 2, 2), BatchNorm{}); return n }},
		{"dropout", func(b *Builder) *Node { return b.Apply("d", Dropout{Rate: 0.5}, b.Input("x", 9)) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := NewBuilder()
			g := b.Build(c.build(b))
			rng := rand.New(rand.NewPCG(5, 6))
			for _, p := range g.Params() {
				copy(p.Value.Data, randSlice(rng, p.Value.Size()))
			}
			ws := g.NewWorkspace(3)
			ws.SetRand(rand.New(rand.NewPCG(7, 8)))
			copy(ws.Input("x").Data, randSlice(rng, ws.Input("x").Size()))
			ws.Forward(true)
			copy(ws.OutGrad(0).Data, randSlice(rng, ws.OutGrad(0).Size()))
			g.ZeroGrad()
			ws.Backward(BackwardOpts{ParamGrads: true, InputGrads: true})
			once := [][]float32{append([]float32(nil), ws.InputGrad("x").Data...)}
			for _, p := range g.Params() {
				once = append(once, append([]float32(nil), p.Grad.Data...))
			}
			ws.Backward(BackwardOpts{ParamGrads: true, InputGrads: true})
			twice := [][]float32{ws.InputGrad("x").Data}
			for _, p := range g.Params() {
				twice = append(twice, p.Grad.Data)
			}
			for k := range once {
				for i, v := range twice[k] {
					if math.Abs(float64(v-2*once[k][i])) > 1e-5*(1+math.Abs(float64(v))) {
						t.Fatalf("gradient %d [%d] after two backwards %g, want %g", k, i, v, 2*once[k][i])
					}
				}
			}
		})
	}
}

// A small conv → batchnorm → relu → deconv → dropout net, the DCGAN pattern,
// runs Forward and Backward without allocating. It is small enough that
// gonum's GEMM stays on one goroutine (its parallel path spawns goroutines).
func TestConvNetDoesNotAllocate(t *testing.T) { convPaths(t, testConvNetDoesNotAllocate) }

func testConvNetDoesNotAllocate(t *testing.T) {
	b := NewBuilder()
	x := b.Input("x", 2, 6, 6)
	h := conv(b, "c", x, 2, 4, 3, 1, 1, true)
	bn := BatchNorm{RunMean: b.State("bn.mean", 4), RunVar: b.State("bn.var", 4)}
	h = b.Apply("bn", bn, h, b.Param("bn.gamma", 4), b.Param("bn.beta", 4))
	h = b.Apply("r", ReLU{}, h)
	h = b.Apply("up", ConvTranspose2D{Stride: 2, Padding: 1}, h, b.Param("up.weight", 4, 1, 4, 4), b.Param("up.bias", 1))
	h = b.Apply("drop", Dropout{Rate: 0.3}, h)
	g := b.Build(h)
	ws := g.NewWorkspace(2)
	ws.SetRand(rand.New(rand.NewPCG(1, 1)))
	rng := rand.New(rand.NewPCG(2, 2))
	copy(ws.Input("x").Data, randSlice(rng, ws.Input("x").Size()))
	for _, p := range g.Params() {
		copy(p.Value.Data, randSlice(rng, p.Value.Size()))
	}
	for _, train := range []bool{true, false} {
		allocs := testing.AllocsPerRun(5, func() {
			ws.Forward(train)
			copy(ws.OutGrad(0).Data, ws.Out(0).Data)
			ws.Backward(BackwardOpts{ParamGrads: true, InputGrads: true})
		})
		if allocs != 0 {
			t.Errorf("train=%v: %v allocations per forward+backward", train, allocs)
		}
	}
}

// convPerExample is the alternative the batched Conv2D was measured against:
// the same column matrix, but one GEMM per example, writing straight into
// the output and reading straight from its gradient (no reordering). Only
// the benchmark and the reference test use it.
type convPerExample struct{ Conv2D }

func (c convPerExample) ScratchSize(batch int, in [][]int) int {
	g, _ := c.geometry(in)
	return (batch + 1) * g.rows() * g.posPerItem
}

func (c convPerExample) parts(a *Args) (g patches, f int, col, dcol []float32) {
	x, w := a.In[0].Shape, a.In[1].Shape
	g = newPatches(x[1], x[2], x[3], w[2], c.Stride, c.Padding)
	n := g.rows() * g.posPerItem
	return g, w[0], a.Scratch[:a.Batch*n], a.Scratch[a.Batch*n:][:n]
}

func (c convPerExample) Forward(a *Args) {
	g, f, col, _ := c.parts(a)
	p, r := g.posPerItem, g.rows()
	img := a.In[0].Size() / a.Batch
	for b := 0; b < a.Batch; b++ {
		cb, yb := col[b*r*p:][:r*p], a.Out.Data[b*f*p:][:f*p]
		im2col(g, 1, a.In[0].Data[b*img:][:img], cb)
		gemm(false, false, f, p, r, 1, a.In[1].Data, r, cb, p, 0, yb, p)
		if len(a.In) == 3 {
			for i, v := range a.In[2].Data {
				for j := range yb[i*p : (i+1)*p] {
					yb[i*p+j] += v
				}
			}
		}
	}
}

func (c convPerExample) Backward(a *Args) {
	g, f, col, dcol := c.parts(a)
	p, r := g.posPerItem, g.rows()
	img := a.In[0].Size() / a.Batch
	for b := 0; b < a.Batch; b++ {
		cb, dyb := col[b*r*p:][:r*p], a.OutGrad.Data[b*f*p:][:f*p]
		if dw := a.InGrad[1]; dw != nil {
			gemm(false, true, f, r, p, 1, dyb, p, cb, p, 1, dw.Data, r)
		}
		if dx := a.InGrad[0]; dx != nil {
			gemm(true, false, r, p, f, 1, a.In[1].Data, r, dyb, p, 0, dcol, p)
			col2im(g, 1, dcol, dx.Data[b*img:][:img])
		}
	}
	if len(a.In) == 3 && a.InGrad[2] != nil {
		sumPerChannel(a.InGrad[2].Data, a.OutGrad.Data, a.Batch, f, p)
	}
}

// benchConvLike times a workspace's Forward+Backward (all gradients) of one
// op node with a bias of f and reports GFLOP/s for the given flop count.
func benchConvLike(b *testing.B, op Op, batch int, x, w []int, f int, flops float64) {
	bl := NewBuilder()
	g := bl.Build(bl.Apply("op", op, bl.Input("x", x...), bl.Param("w", w...), bl.Param("b", f)))
	rng := rand.New(rand.NewPCG(1, 1))
	for _, p := range g.Params() {
		copy(p.Value.Data, randSlice(rng, p.Value.Size()))
	}
	ws := g.NewWorkspace(batch)
	copy(ws.Input("x").Data, randSlice(rng, ws.Input("x").Size()))
	ws.Forward(true) // touch every buffer once
	ws.Backward(BackwardOpts{ParamGrads: true, InputGrads: true})
	b.ResetTimer()
	for range b.N {
		ws.Forward(true)
		ws.Backward(BackwardOpts{ParamGrads: true, InputGrads: true})
	}
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// DCGAN's discriminator convolutions at batch 64.
var dcganConvs = []struct {
	name       string
	c, h, f, k int
}{
	{"c1 1x28x28-64", 1, 28, 64, 4},
	{"c2 64x14x14-128", 64, 14, 128, 4},
}

func BenchmarkConv2DForwardBackward(b *testing.B) {
	const batch = 64
	for _, s := range dcganConvs {
		g := newPatches(s.c, s.h, s.h, s.k, 2, 1)
		flops := 3 * 2 * float64(s.f) * float64(g.rows()) * float64(batch*g.posPerItem)
		x, w := []int{s.c, s.h, s.h}, []int{s.f, s.c, s.k, s.k}
		b.Run(s.name+"/batched", func(b *testing.B) {
			benchConvLike(b, Conv2D{Stride: 2, Padding: 1}, batch, x, w, s.f, flops)
		})
		b.Run(s.name+"/per-example", func(b *testing.B) {
			benchConvLike(b, convPerExample{Conv2D{Stride: 2, Padding: 1}}, batch, x, w, s.f, flops)
		})
	}
}

// BenchmarkIm2col: the column matrix of DCGAN's second convolution (64
// channels of 14×14, 4×4 windows, stride 2, padding 1, batch 64) and its
// adjoint, on one thread.
func BenchmarkIm2col(b *testing.B) {
	g := newPatches(64, 14, 14, 4, 2, 1)
	const batch = 64
	x := benchVec(batch*64*14*14, 1, 1)
	col := make([]float32, g.rows()*batch*g.posPerItem+patchSlack)
	b.Run("im2col", func(b *testing.B) {
		b.SetBytes(int64(4 * len(col)))
		for b.Loop() {
			im2colRange(g, batch, 0, batch, x, col)
		}
	})
	b.Run("col2im", func(b *testing.B) {
		b.SetBytes(int64(4 * len(col)))
		for b.Loop() {
			col2imRange(g, batch, 0, batch, col, x)
		}
	})
}

// The indexed im2col/col2im (small windows), with and without their vector
// kernels, and the row-by-row ones agree bit for bit: col2im adds into each
// pixel in the same order.
func TestIm2colPathsAgree(t *testing.T) {
	defer func(v bool) { useVec = v }(useVec)
	for _, vec := range []bool{false, hasAVX2} {
		useVec = vec
		k4s2 := 0
		for _, c := range [][6]int{ // C, H, W, K, S, P
			{3, 9, 11, 4, 2, 1}, {2, 7, 7, 3, 1, 1}, {1, 28, 28, 4, 2, 1}, {4, 14, 14, 4, 2, 1},
			{2, 10, 13, 3, 3, 2}, {3, 5, 6, 1, 2, 0}, {2, 6, 5, 5, 1, 2}, {1, 8, 8, 2, 2, 0},
			{2, 4, 4, 2, 2, 0}, {1, 30, 30, 4, 2, 1},
			// DCGAN's window over the widths its dedicated kernels take.
			{2, 8, 8, 4, 2, 1}, {3, 10, 12, 4, 2, 1}, {2, 12, 14, 4, 2, 1}, {1, 2, 8, 4, 2, 1},
		} {
			g := newPatches(c[0], c[1], c[2], c[3], c[4], c[5])
			if !g.indexed() {
				t.Fatalf("%v: no longer takes the indexed path", c)
			}
			if k4s2Vec(g) {
				k4s2++
			}
			for _, batch := range []int{1, 3, 4} {
				x := benchVec(batch*c[0]*c[1]*c[2], 1, 1)
				n := g.rows() * batch * g.posPerItem
				colA, colB := benchVec(n, 1, 8), benchVec(n, 1, 9) // both start dirty: im2col overwrites
				im2colIndexed(g, batch, 0, batch, x, colA)
				im2colRows(g, batch, 0, batch, x, colB)
				if i := same(colA, colB); i >= 0 {
					t.Fatalf("vec %v %v batch %d: im2col entry %d: indexed %v, rows %v", vec, c, batch, i, colA[i], colB[i])
				}
				dcol := benchVec(n+patchSlack, 1, 2)
				dxA, dxB := benchVec(len(x), 1, 3), benchVec(len(x), 1, 3) // col2im accumulates
				col2imIndexed(g, batch, 0, batch, dcol, dxA)
				col2imRows(g, batch, 0, batch, dcol, dxB)
				if i := same(dxA, dxB); i >= 0 {
					t.Fatalf("vec %v %v batch %d: col2im pixel %d: indexed %v, rows %v", vec, c, batch, i, dxA[i], dxB[i])
				}
			}
		}
		if vec && k4s2 != 5 {
			t.Errorf("%d geometries took the 4×4 stride-2 kernels, want 5", k4s2)
		}
	}
}

// Workspaces sharing an Arena (a generator's and two discriminator
// workspaces, used in turn as a GAN step uses them) compute what workspaces
// with their own temporaries compute, bit for bit, and the arena holds one
// set of temporaries: the largest op's.
func TestSharedArena(t *testing.T) { convPaths(t, testSharedArena) }

func testSharedArena(t *testing.T) {
	build := func() (gen, disc *Graph) {
		b := NewBuilder()
		z := b.Input("z", 4, 7, 7)
		h := b.Apply("up", ConvTranspose2D{Stride: 2, Padding: 1}, z, b.Param("up.weight", 4, 3, 4, 4), b.Param("up.bias", 3))
		gen = b.Build(b.Apply("t", Tanh{}, h))
		b = NewBuilder()
		x := b.Input("x", 3, 14, 14)
		h = conv(b, "c1", x, 3, 8, 4, 2, 1, true)
		h = b.Apply("a", LeakyReLU{Slope: 0.2}, h)
		disc = b.Build(conv(b, "c2", h, 8, 16, 4, 2, 1, true))
		return gen, disc
	}
	run := func(arena *Arena) (out [][]float32) {
		gen, disc := build()
		rng := rand.New(rand.NewPCG(3, 3))
		for _, g := range []*Graph{gen, disc} {
			for _, p := range g.Params() {
				copy(p.Value.Data, randSlice(rng, p.Value.Size()))
			}
		}
		const batch = 3
		gws := gen.NewSharedWorkspace(batch, arena)
		real, fake := disc.NewSharedWorkspace(batch, arena), disc.NewSharedWorkspace(batch, arena)
		copy(gws.Input("z").Data, randSlice(rng, gws.Input("z").Size()))
		copy(real.Input("x").Data, randSlice(rng, real.Input("x").Size()))
		gws.Forward(true)
		copy(fake.Input("x").Data, gws.Out(0).Data)
		real.Forward(true)
		fake.Forward(true)
		copy(real.OutGrad(0).Data, real.Out(0).Data)
		copy(fake.OutGrad(0).Data, fake.Out(0).Data)
		real.Backward(BackwardOpts{ParamGrads: true})
		fake.Backward(BackwardOpts{ParamGrads: true, InputGrads: true})
		copy(gws.OutGrad(0).Data, fake.InputGrad("x").Data)
		gws.Backward(BackwardOpts{ParamGrads: true})
		out = [][]float32{real.Out(0).Data, fake.Out(0).Data, fake.InputGrad("x").Data}
		for _, g := range []*Graph{gen, disc} {
			for _, p := range g.Params() {
				out = append(out, p.Grad.Data)
			}
		}
		return out
	}
	arena := NewArena()
	shared, private := run(arena), run(nil)
	for k := range shared {
		if i := same(shared[k], private[k]); i >= 0 {
			t.Fatalf("result %d [%d]: shared arena %v, own temporaries %v", k, i, shared[k][i], private[k][i])
		}
	}
	gen, disc := build()
	want := 0
	for _, ws := range []*Workspace{gen.NewWorkspace(3), disc.NewWorkspace(3)} {
		for _, n := range ws.temp {
			want = max(want, n)
		}
	}
	if arena.Floats() != want {
		t.Errorf("shared arena holds %d floats, want the largest op's %d", arena.Floats(), want)
	}
}
