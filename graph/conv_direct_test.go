package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The vector tile kernel computes what its scalar reference computes (up to
// the rounding of fused multiply-adds), for reductions that end on either
// step of its two-step loop, offsets of both signs and rows in any order.
func TestTileKernelMatchesReference(t *testing.T) {
	if !hasFMA {
		t.Skip("no AVX2 and FMA on this CPU or in this build")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	a := randSlice(rng, 3000)
	for _, k := range []int{1, 2, 3, 8, 17, 512} {
		b := randSlice(rng, k*40)
		aoff := make([]int32, k)
		for i := range aoff {
			aoff[i] = int32(rng.IntN(2000)) - 500
		}
		aidx := [tileRows]int{900, 600, 1200, 600, 777, 501}
		var got, want [tileRows * tileCols]float32
		tile6x16(k, &a[0], &aoff[0], &aidx, &b[0], 40, &got[0])
		tileKernelRef(k, a, aoff, &aidx, b, 40, &want)
		for i := range want {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*float64(k) {
				t.Fatalf("k=%d [%d]: kernel %v, reference %v", k, i, got[i], want[i])
			}
		}
	}
}

// copyRowsVec copies exactly the rows asked for, whatever their width.
func TestCopyRowsVec(t *testing.T) {
	if !useVec {
		t.Skip("no vector kernels")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, w := range []int{4, 5, 7, 8, 9, 14, 16, 23} {
		const rows, ds, ss = 5, 31, 27
		src := randSlice(rng, rows*ss)
		got, want := randSlice(rng, rows*ds), make([]float32, rows*ds)
		copy(want, got)
		for r := range rows {
			copy(want[r*ds:][:w], src[r*ss:][:w])
		}
		if !copyRowsVec(got, src, rows, w, ds, ss) {
			t.Fatalf("w=%d: the vector copy declined", w)
		}
		if i := same(got, want); i >= 0 {
			t.Fatalf("w=%d: [%d] = %v, want %v", w, i, got[i], want[i])
		}
	}
}

// Direct products give the same bits on any thread count: a ragged batch
// (13 examples: two blocks of six and one of one; 46 and 54 tap groups in
// chunks of 16) through a convolution and a transposed one, forward and
// backward, on 1, 2 and 3 threads.
func TestDirectConvSameOnAnyThreadCount(t *testing.T) {
	if !directConv {
		t.Skip("direct convolution is off in this build")
	}
	defer SetThreads(Threads())
	run := func(threads int) [][]float32 {
		SetThreads(threads)
		b := NewBuilder()
		h := conv(b, "c", b.Input("x", 20, 9, 8), 20, 24, 4, 2, 1, true)
		h = b.Apply("t", Tanh{}, h)
		g := b.Build(deconv(b, "d", h, 24, 17, 4, 2, 1, true))
		rng := rand.New(rand.NewPCG(8, 9))
		for _, p := range g.Params() {
			copy(p.Value.Data, randSlice(rng, p.Value.Size()))
		}
		ws := g.NewWorkspace(13)
		copy(ws.Input("x").Data, randSlice(rng, ws.Input("x").Size()))
		ws.Forward(true)
		copy(ws.OutGrad(0).Data, randSlice(rng, ws.OutGrad(0).Size()))
		ws.Backward(BackwardOpts{ParamGrads: true, InputGrads: true})
		out := [][]float32{ws.Out(0).Data, ws.InputGrad("x").Data}
		for _, p := range g.Params() {
			out = append(out, p.Grad.Data)
		}
		return out
	}
	want := run(1)
	for _, th := range []int{2, 3} {
		for k, got := range run(th) {
			if i := same(got, want[k]); i >= 0 {
				t.Fatalf("%d threads, result %d [%d]: %v, one thread %v", th, k, i, got[i], want[k][i])
			}
		}
	}
}

// BenchmarkDirectConv times each direct product alone on DCGAN's costly
// layers at batch 64 (c2: 64×14×14 → 128×7×7; up1 seen as the convolution
// it transposes: 64×14×14 images, 128 filters).
func BenchmarkDirectConv(b *testing.B) {
	const batch = 64
	g := newPatches(64, 14, 14, 4, 2, 1)
	f := 128
	x := benchVec(batch*g.C*g.H*g.W, 1, 1)
	w := benchVec(f*g.rows(), 0.1, 2)
	y := make([]float32, batch*f*g.posPerItem)
	dy := benchVec(len(y), 1, 3)
	dx := make([]float32, len(x))
	dw := make([]float32, len(w))
	temp := make([]float32, max(directForwardTemp(g, f, batch), directInputGradTemp(g, f, batch), directWeightGradTemp(g, f, batch)))
	flop := 2 * float64(batch*f*g.rows()*g.posPerItem)
	for _, th := range []int{1, 2} {
		for _, p := range []struct {
			name string
			run  func()
		}{
			{"forward", func() { directForward(g, f, batch, x, w, nil, y, false, temp) }},
			{"input-grad", func() { directInputGrad(g, f, batch, dy, w, nil, dx, true, temp) }},
			{"weight-grad", func() { directWeightGrad(g, f, batch, x, dy, dw, temp) }},
		} {
			b.Run(fmt.Sprintf("%s/threads=%d", p.name, th), func(b *testing.B) {
				SetThreads(th)
				defer SetThreads(2)
				for b.Loop() {
					p.run()
				}
				b.ReportMetric(flop*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// A batch whose padded images the int32 offsets cannot span goes through
// column matrices (the direct kernel would read out of bounds).
func TestDirectNeedsInt32Offsets(t *testing.T) {
	if !directConv {
		t.Skip("direct convolution is off in this build")
	}
	g := newPatches(64, 14, 14, 4, 2, 1)
	if !useDirect(g, 128, 64) {
		t.Fatal("DCGAN's c2 at batch 64 should run direct")
	}
	huge := (1<<31)/g.imagePad().item() + 1
	if useDirect(g, 128, huge) {
		t.Fatalf("batch %d (%d floats of padded images) runs direct", huge, huge*g.imagePad().item())
	}
}
