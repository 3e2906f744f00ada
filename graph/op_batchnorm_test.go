package graph

import (
	"math"
	"math/rand/v2"
	"testing"
)

// batchNorm applies a BatchNorm over x with fresh gamma, beta and running
// statistics (mean 0, variance 1, as PyTorch starts them).
func batchNorm(b *Builder, name string, x *Node, op BatchNorm) (*Node, BatchNorm) {
	c := x.Shape[0]
	op.RunMean, op.RunVar = b.State(name+".running_mean", c), b.State(name+".running_var", c)
	for i := range op.RunVar.Data {
		op.RunVar.Data[i] = 1
	}
	return b.Apply(name, op, x, b.Param(name+".weight", c), b.Param(name+".bias", c)), op
}

func TestGradBatchNorm(t *testing.T) {
	bn := func(shape ...int) func(b *Builder) *Node {
		return func(b *Builder) *Node {
			n, _ := batchNorm(b, "bn", b.Input("x", shape...), BatchNorm{})
			return n
		}
	}
	// In evaluation the running statistics are constants: set them to
	// something other than the identity so the affine map is exercised.
	bnEval := func(shape ...int) func(b *Builder) *Node {
		return func(b *Builder) *Node {
			n, op := batchNorm(b, "bn", b.Input("x", shape...), BatchNorm{Eps: 1e-3})
			for i := range op.RunMean.Data {
				op.RunMean.Data[i] = 0.3 * float32(i%3-1)
				op.RunVar.Data[i] = 0.5 + 0.25*float32(i%4)
			}
			return n
		}
	}
	checkGrads(t, []gradCase{
		{name: "vectors train", batch: 5, train: true, build: bn(4)},
		{name: "vectors train batch 2", batch: 2, train: true, build: bn(3)},
		{name: "images train", batch: 2, train: true, build: bn(3, 3, 5)},
		{name: "images train batch 1", batch: 1, train: true, build: bn(2, 3, 3)},
		// More channels than one block holds, ending in a partial block.
		{name: "vectors train 70", batch: 3, train: true, build: bn(70)},
		{name: "images train 20x2x2", batch: 2, train: true, build: bn(20, 2, 2)},
		{name: "vectors eval", batch: 3, build: bnEval(5)},
		{name: "images eval batch 1", batch: 1, build: bnEval(3, 2, 3)},
		{name: "two consumers train", batch: 4, train: true, build: func(b *Builder) *Node {
			n, _ := batchNorm(b, "bn", b.Input("x", 3, 2, 2), BatchNorm{Momentum: 0.5})
			return b.Apply("sum", Add{}, b.Apply("t", Tanh{}, n), b.Apply("g", Sigmoid{}, n))
		}},
		// DCGAN's discriminator block at a small size.
		{name: "conv bn train", batch: 3, train: true, build: func(b *Builder) *Node {
			h := conv(b, "c", b.Input("x", 2, 5, 5), 2, 3, 3, 2, 1, false)
			n, _ := batchNorm(b, "bn", h, BatchNorm{})
			return n
		}},
	})
}

// Two training steps on vectors worked by hand: feature 0 sees [1,2,3] then
// [2,4,9], feature 1 sees [10,10,10] then [0,1,-1]; momentum 0.1, running
// statistics starting at mean 0, variance 1.
func TestBatchNormRunningStatistics(t *testing.T) {
	const tol = 1e-6
	b := NewBuilder()
	out, op := batchNorm(b, "bn", b.Input("x", 2), BatchNorm{})
	g := b.Build(out)
	gamma, beta := g.Params()[0].Value.Data, g.Params()[1].Value.Data
	gamma[0], gamma[1] = 2, 1
	beta[0], beta[1] = 0.5, 0
	ws := g.NewWorkspace(3)
	x := ws.Input("x").Data
	check := func(what string, got []float32, want ...float64) {
		t.Helper()
		for i, w := range want {
			if math.Abs(float64(got[i])-w) > tol*(1+math.Abs(w)) {
				t.Fatalf("%s[%d] = %.8g, want %.8g", what, i, got[i], w)
			}
		}
	}

	copy(x, []float32{1, 10, 2, 10, 3, 10})
	ws.Forward(true)
	// Feature 0: mean 2, unbiased variance 1; feature 1: mean 10, variance 0.
	check("running mean after step 1", op.RunMean.Data, 0.2, 1.0)
	check("running var after step 1", op.RunVar.Data, 0.9*1+0.1*1, 0.9*1+0.1*0)
	// Normalised with the biased variance 2/3 (and eps = 1e-5).
	s := 1 / math.Sqrt(2.0/3+1e-5)
	check("output of step 1", ws.Out(0).Data, 2*-1*s+0.5, 0, 0.5, 0, 2*1*s+0.5, 0)

	copy(x, []float32{2, 0, 4, 1, 9, -1})
	ws.Forward(true)
	// Feature 0: mean 5, deviations −3, −1, 4, unbiased variance 26/2 = 13.
	// Feature 1: mean 0, unbiased variance 2/2 = 1.
	check("running mean after step 2", op.RunMean.Data, 0.9*0.2+0.1*5, 0.9*1.0+0.1*0)
	check("running var after step 2", op.RunVar.Data, 0.9*1.0+0.1*13, 0.9*0.9+0.1*1)
	s0, s1 := 1/math.Sqrt(26.0/3+1e-5), 1/math.Sqrt(2.0/3+1e-5)
	check("output of step 2", ws.Out(0).Data, 2*-3*s0+0.5, 0, 2*-1*s0+0.5, s1, 2*4*s0+0.5, -s1)

	// Evaluation reads the running statistics and leaves them alone.
	copy(x, []float32{0.68, 0.9, 1, 1, 2, 2})
	ws.Forward(false)
	e0, e1 := 1/math.Sqrt(2.2+1e-5), 1/math.Sqrt(0.91+1e-5)
	check("eval output", ws.Out(0).Data, 0.5, 0, 2*0.32*e0+0.5, 0.1*e1, 2*1.32*e0+0.5, 1.1*e1)
	check("running mean after eval", op.RunMean.Data, 0.68, 0.9)
	check("running var after eval", op.RunVar.Data, 2.2, 0.91)
}

// On images the statistics run over the batch and space of each channel.
func TestBatchNormImageStatistics(t *testing.T) {
	b := NewBuilder()
	out, op := batchNorm(b, "bn", b.Input("x", 2, 1, 2), BatchNorm{Momentum: 0.5})
	g := b.Build(out)
	copy(g.Params()[0].Value.Data, []float32{1, 1})
	copy(g.Params()[1].Value.Data, []float32{0, 0})
	ws := g.NewWorkspace(2)
	// Channel 0: 1,3 | 5,7 (mean 4, unbiased variance 20/3);
	// channel 1: 0,0 | 2,2 (mean 1, unbiased variance 4/3).
	copy(ws.Input("x").Data, []float32{1, 3, 0, 0, 5, 7, 2, 2})
	ws.Forward(true)
	want := []float64{0.5 * 4, 0.5 * 1, 0.5 + 0.5*20/3, 0.5 + 0.5*4.0/3}
	got := []float32{op.RunMean.Data[0], op.RunMean.Data[1], op.RunVar.Data[0], op.RunVar.Data[1]}
	for i := range want {
		if math.Abs(float64(got[i])-want[i]) > 1e-6 {
			t.Fatalf("running statistics %v, want %v", got, want)
		}
	}
	s0, s1 := 1/math.Sqrt(5+1e-5), 1/math.Sqrt(1+1e-5)
	for i, w := range []float64{-3 * s0, -1 * s0, -s1, -s1, 1 * s0, 3 * s0, s1, s1} {
		if v := ws.Out(0).Data[i]; math.Abs(float64(v)-w) > 1e-6 {
			t.Fatalf("output[%d] = %g, want %g", i, v, w)
		}
	}
}

// A large mean must not cancel a small variance (the sums are shifted).
func TestBatchNormLargeMean(t *testing.T) {
	b := NewBuilder()
	out, _ := batchNorm(b, "bn", b.Input("x", 1), BatchNorm{})
	g := b.Build(out)
	g.Params()[0].Value.Data[0] = 1
	ws := g.NewWorkspace(4)
	copy(ws.Input("x").Data, []float32{10000, 10001, 10002, 10003})
	ws.Forward(true)
	// Mean 10001.5, biased variance 1.25.
	s := 1 / math.Sqrt(1.25+1e-5)
	for i, w := range []float64{-1.5 * s, -0.5 * s, 0.5 * s, 1.5 * s} {
		if v := ws.Out(0).Data[i]; math.Abs(float64(v)-w) > 1e-5 {
			t.Fatalf("output[%d] = %g, want %g", i, v, w)
		}
	}
}

func TestBatchNormOneValuePerChannelPanicsInTraining(t *testing.T) {
	b := NewBuilder()
	out, _ := batchNorm(b, "bn", b.Input("x", 3), BatchNorm{})
	ws := b.Build(out).NewWorkspace(1)
	ws.Forward(false) // evaluation with batch 1 is fine
	defer func() {
		if recover() == nil {
			t.Fatal("training batchnorm on one value per channel did not panic")
		}
	}()
	ws.Forward(true)
}

func TestBatchNormOutShapePanics(t *testing.T) {
	run := func(name string, op BatchNorm, in [][]int) {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatalf("OutShape(%v) did not panic", in)
				}
			}()
			op.OutShape(in)
		})
	}
	stats := func(c int) BatchNorm { return BatchNorm{RunMean: NewTensor(c), RunVar: NewTensor(c)} }
	run("gamma size", stats(3), [][]int{{3, 4, 4}, {2}, {3}})
	run("running stats size", stats(2), [][]int{{3}, {3}, {3}})
	run("no running stats", BatchNorm{}, [][]int{{3}, {3}, {3}})
	run("no beta", stats(3), [][]int{{3}, {3}})
	bad := stats(3)
	bad.Momentum = 2
	run("momentum", bad, [][]int{{3}, {3}, {3}})
}

// DCGAN's batchnorms at batch 64: the generator's bn0 on 6272-vectors and
// the discriminator's bn2 on 128x7x7 images (both 401,408 values).
func BenchmarkBatchNormForwardBackward(b *testing.B) {
	for _, s := range []struct {
		name  string
		shape []int
	}{{"vectors 6272", []int{6272}}, {"images 128x7x7", []int{128, 7, 7}}} {
		b.Run(s.name, func(b *testing.B) {
			bl := NewBuilder()
			out, _ := batchNorm(bl, "bn", bl.Input("x", s.shape...), BatchNorm{})
			ws := bl.Build(out).NewWorkspace(64)
			copy(ws.Input("x").Data, randSlice(rand.New(rand.NewPCG(1, 1)), ws.Input("x").Size()))
			ws.Forward(true) // touch every buffer once
			b.ResetTimer()
			for range b.N {
				ws.Forward(true)
				ws.Backward(BackwardOpts{ParamGrads: true, InputGrads: true})
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(ws.Input("x").Size()), "ns/value")
		})
	}
}
