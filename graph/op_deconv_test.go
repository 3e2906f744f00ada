package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// deconvCase: x is [c,h,w], the weight [c,f,k,k], the output [f,oh,ow].
type deconvCase = convCase

func deconvOut(cc deconvCase) (oh, ow int) {
	return (cc.h-1)*cc.stride - 2*cc.pad + cc.k, (cc.w-1)*cc.stride - 2*cc.pad + cc.k
}

// refConvTranspose2DAt is PyTorch's definition in float64 for one output
// element: input pixel (i, j) adds x·w[c,f,ki,kj] at (i·S−P+ki, j·S−P+kj),
// so output (y, x0) gathers every (i, ki) with i·S+ki = y+P. It also
// returns Σ|term| for the tolerance.
func refConvTranspose2DAt(cc deconvCase, x, w, bias []float32, b, f, y, x0 int) (out, mag float64) {
	if bias != nil {
		out, mag = float64(bias[f]), math.Abs(float64(bias[f]))
	}
	for c := 0; c < cc.c; c++ {
		for ki := 0; ki < cc.k; ki++ {
			for kj := 0; kj < cc.k; kj++ {
				di, dj := y+cc.pad-ki, x0+cc.pad-kj
				if di < 0 || dj < 0 || di%cc.stride != 0 || dj%cc.stride != 0 {
					continue
				}
				i, j := di/cc.stride, dj/cc.stride
				if i >= cc.h || j >= cc.w {
					continue
				}
				t := float64(x[((b*cc.c+c)*cc.h+i)*cc.w+j]) * float64(w[((c*cc.f+f)*cc.k+ki)*cc.k+kj])
				out += t
				mag += math.Abs(t)
			}
		}
	}
	return out, mag
}

var deconvRefCases = []deconvCase{
	{"k4 s2 p1 bias", 2, 3, 3, 4, 2, 4, 2, 1, true},
	{"k3 s1 p0 batch 1", 1, 2, 4, 3, 3, 3, 1, 0, false},
	{"k3 s2 p2 bias", 2, 2, 4, 5, 2, 3, 2, 2, true},
	{"k1 s2 p0 gaps", 2, 3, 3, 5, 2, 1, 2, 0, true},
	{"k4 s1 p2", 2, 2, 5, 4, 3, 4, 1, 2, false},
	{"k4 s3 p1", 1, 2, 3, 4, 2, 4, 3, 1, true},
	{"k3 s2 p1 two strips", 2, 19, 3, 4, 17, 3, 2, 1, true},
	{"dcgan up1", 64, 128, 7, 7, 64, 4, 2, 1, true},
	{"dcgan up2", 64, 64, 14, 14, 1, 4, 2, 1, true},
}

func TestConvTranspose2DMatchesReference(t *testing.T) {
	convPaths(t, testConvTranspose2DMatchesReference)
}

func testConvTranspose2DMatchesReference(t *testing.T) {
	for _, cc := range deconvRefCases {
		t.Run(cc.name, func(t *testing.T) {
			if cc.batch > 4 && slowPath() {
				t.Skip("DCGAN's sizes on the scalar kernel")
			}
			rng := rand.New(rand.NewPCG(5, 6))
			x := randSlice(rng, cc.batch*cc.c*cc.h*cc.w)
			w := randSlice(rng, cc.c*cc.f*cc.k*cc.k)
			var bias []float32
			if cc.bias {
				bias = randSlice(rng, cc.f)
			}
			b := NewBuilder()
			in := []*Node{b.Input("x", cc.c, cc.h, cc.w), b.Param("w", cc.c, cc.f, cc.k, cc.k)}
			if bias != nil {
				in = append(in, b.Param("b", cc.f))
			}
			g := b.Build(b.Apply("up", ConvTranspose2D{Stride: cc.stride, Padding: cc.pad}, in...))
			copy(g.Params()[0].Value.Data, w)
			if bias != nil {
				copy(g.Params()[1].Value.Data, bias)
			}
			ws := g.NewWorkspace(cc.batch)
			copy(ws.Input("x").Data, x)
			ws.Forward(false)
			oh, ow := deconvOut(cc)
			ref := func(i int) (float64, float64) {
				j := i % ow
				i /= ow
				r := i % oh
				i /= oh
				return refConvTranspose2DAt(cc, x, w, bias, i/cc.f, i%cc.f, r, j)
			}
			compareRef(t, ws.Out(0).Data, refSample(rng, cc.batch, cc.f*oh*ow), ref)
		})
	}
}

func TestConvTranspose2DOutShape(t *testing.T) {
	for _, c := range []struct {
		op   ConvTranspose2D
		x, w []int
		want string
	}{
		{ConvTranspose2D{Stride: 2, Padding: 1}, []int{128, 7, 7}, []int{128, 64, 4, 4}, "[64 14 14]"},
		{ConvTranspose2D{Stride: 2, Padding: 1}, []int{64, 14, 14}, []int{64, 1, 4, 4}, "[1 28 28]"},
		{ConvTranspose2D{Stride: 1}, []int{2, 3, 5}, []int{2, 4, 3, 3}, "[4 5 7]"},
	} {
		if got := c.op.OutShape([][]int{c.x, c.w}); fmt.Sprint(got) != c.want {
			t.Errorf("%+v.OutShape(%v, %v) = %v, want %s", c.op, c.x, c.w, got, c.want)
		}
	}
	bad := map[string]struct {
		op ConvTranspose2D
		in [][]int
	}{
		"empty output":     {ConvTranspose2D{Stride: 1, Padding: 2}, [][]int{{1, 1, 1}, {1, 1, 3, 3}}},
		"channel mismatch": {ConvTranspose2D{Stride: 1}, [][]int{{2, 4, 4}, {3, 1, 3, 3}}},
		"bias size":        {ConvTranspose2D{Stride: 1}, [][]int{{2, 4, 4}, {2, 3, 3, 3}, {2}}},
		"zero stride":      {ConvTranspose2D{}, [][]int{{2, 4, 4}, {2, 3, 3, 3}}},
	}
	for name, c := range bad {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatalf("OutShape(%v) did not panic", c.in)
				}
			}()
			c.op.OutShape(c.in)
		})
	}
}

// adjointTol bounds |⟨Ax, y⟩ − ⟨x, Aᵀy⟩| relative to Σ|x|·|Aᵀy|: the two
// sides are the same float32 sums in different orders.
const adjointTol = 1e-5

// im2col and col2im are adjoint: ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩. This is
// far tighter than a finite-difference check on the index arithmetic.
func TestCol2imIsAdjointOfIm2col(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, s := range []struct{ batch, c, h, w, k, st, p int }{
		{1, 1, 5, 5, 3, 1, 1}, {2, 3, 7, 4, 3, 2, 0}, {3, 2, 6, 9, 4, 2, 1},
		{2, 1, 4, 3, 1, 1, 2}, {2, 2, 5, 8, 4, 3, 2}, {1, 2, 3, 3, 5, 1, 1},
	} {
		g := newPatches(s.c, s.h, s.w, s.k, s.st, s.p)
		x := randSlice(rng, s.batch*s.c*s.h*s.w)
		c := randSlice(rng, g.rows()*s.batch*g.posPerItem)
		col := make([]float32, len(c))
		im2col(g, s.batch, x, col)
		back := make([]float32, len(x))
		col2im(g, s.batch, c, back)
		var lhs, rhs, mag float64
		for i := range col {
			lhs += float64(col[i]) * float64(c[i])
		}
		for i := range x {
			rhs += float64(x[i]) * float64(back[i])
			mag += math.Abs(float64(x[i]) * float64(back[i]))
		}
		if math.Abs(lhs-rhs) > adjointTol*mag {
			t.Errorf("%+v: ⟨im2col x, c⟩ = %.9g, ⟨x, col2im c⟩ = %.9g", s, lhs, rhs)
		}
	}
}

// With one weight W [F,C,K,K], ConvTranspose2D is Conv2D's adjoint:
// ⟨conv(x), y⟩ = ⟨x, deconv(y)⟩. This pins the weight layout to PyTorch's
// ([in, out, ...] for the transposed op) and both index maps at once.
func TestConvTranspose2DIsAdjointOfConv2D(t *testing.T) {
	convPaths(t, testConvTranspose2DIsAdjointOfConv2D)
}

func testConvTranspose2DIsAdjointOfConv2D(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, s := range []struct{ batch, c, h, w, f, k, st, p int }{
		{2, 1, 28, 28, 3, 4, 2, 1}, {1, 3, 7, 5, 2, 3, 2, 0}, {2, 2, 6, 8, 3, 4, 2, 2}, {3, 2, 5, 4, 2, 1, 1, 0},
	} {
		g := newPatches(s.c, s.h, s.w, s.k, s.st, s.p)
		if (s.h+2*s.p-s.k)%s.st != 0 || (s.w+2*s.p-s.k)%s.st != 0 {
			t.Fatalf("%+v: the transposed conv would not restore %dx%d", s, s.h, s.w)
		}
		w := randSlice(rng, s.f*s.c*s.k*s.k)

		bc := NewBuilder()
		gc := bc.Build(bc.Apply("c", Conv2D{Stride: s.st, Padding: s.p}, bc.Input("x", s.c, s.h, s.w), bc.Param("w", s.f, s.c, s.k, s.k)))
		bd := NewBuilder()
		gd := bd.Build(bd.Apply("d", ConvTranspose2D{Stride: s.st, Padding: s.p}, bd.Input("y", s.f, g.OH, g.OW), bd.Param("w", s.f, s.c, s.k, s.k)))
		copy(gc.Params()[0].Value.Data, w)
		copy(gd.Params()[0].Value.Data, w)
		wc, wd := gc.NewWorkspace(s.batch), gd.NewWorkspace(s.batch)
		x := randSlice(rng, wc.Input("x").Size())
		y := randSlice(rng, wd.Input("y").Size())
		copy(wc.Input("x").Data, x)
		copy(wd.Input("y").Data, y)
		wc.Forward(false)
		wd.Forward(false)
		var lhs, rhs, mag float64
		for i, v := range wc.Out(0).Data {
			lhs += float64(v) * float64(y[i])
		}
		for i, v := range wd.Out(0).Data {
			rhs += float64(v) * float64(x[i])
			mag += math.Abs(float64(v) * float64(x[i]))
		}
		if math.Abs(lhs-rhs) > adjointTol*mag {
			t.Errorf("%+v: ⟨conv x, y⟩ = %.9g, ⟨x, deconv y⟩ = %.9g", s, lhs, rhs)
		}
	}
}

func deconv(b *Builder, name string, x *Node, c, f, k, s, p int, bias bool) *Node {
	in := []*Node{x, b.Param(name+".weight", c, f, k, k)}
	if bias {
		in = append(in, b.Param(name+".bias", f))
	}
	return b.Apply(name, ConvTranspose2D{Stride: s, Padding: p}, in...)
}

func TestGradConvTranspose2D(t *testing.T) { convPaths(t, testGradConvTranspose2D) }

func testGradConvTranspose2D(t *testing.T) {
	var cases []gradCase
	for _, cc := range deconvRefCases {
		if cc.batch > 4 {
			continue // DCGAN's sizes are for the reference test
		}
		cases = append(cases, gradCase{name: cc.name, batch: cc.batch, build: func(b *Builder) *Node {
			return deconv(b, "d", b.Input("x", cc.c, cc.h, cc.w), cc.c, cc.f, cc.k, cc.stride, cc.pad, cc.bias)
		}})
	}
	cases = append(cases,
		gradCase{name: "two consumers", batch: 2, build: func(b *Builder) *Node {
			x := b.Input("x", 2, 3, 3)
			y := deconv(b, "d", x, 2, 2, 4, 2, 1, true)
			return b.Apply("sum", Add{}, b.Apply("t", Tanh{}, y), b.Apply("g", Sigmoid{}, y))
		}},
		// DCGAN's generator pattern at a small size: 3x3 → 6x6 → 12x12.
		gradCase{name: "stacked", batch: 2, build: func(b *Builder) *Node {
			h := b.Apply("t", Tanh{}, deconv(b, "d1", b.Input("x", 3, 3, 3), 3, 2, 4, 2, 1, true))
			return deconv(b, "d2", h, 2, 1, 4, 2, 1, true)
		}},
	)
	checkGrads(t, cases)
}

func BenchmarkConvTranspose2DForwardBackward(b *testing.B) {
	const batch = 64
	// DCGAN's generator at batch 64: 128x7x7 → 64x14x14 → 1x28x28.
	for _, s := range []struct {
		name       string
		c, h, f, k int
	}{
		{"up1 128x7x7-64", 128, 7, 64, 4},
		{"up2 64x14x14-1", 64, 14, 1, 4},
	} {
		oh := (s.h-1)*2 - 2 + s.k
		g := newPatches(s.f, oh, oh, s.k, 2, 1)
		flops := 3 * 2 * float64(s.c) * float64(g.rows()) * float64(batch*g.posPerItem)
		b.Run(s.name, func(b *testing.B) {
			benchConvLike(b, ConvTranspose2D{Stride: 2, Padding: 1}, batch, []int{s.c, s.h, s.h}, []int{s.c, s.f, s.k, s.k}, s.f, flops)
		})
	}
}
