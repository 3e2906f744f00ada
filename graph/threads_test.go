package graph

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"testing"
)

// withThreads runs f with the given thread count, as many Ps (jobs are cut
// into no more parts than can run at once) and GEMM splitting on (the
// pure-Go backend does not split by default: gonum parallelises itself).
func withThreads(n int, f func()) {
	defer SetThreads(Threads())
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(n, runtime.GOMAXPROCS(0))))
	defer func(s bool) { splitGemm = s }(splitGemm)
	splitGemm = true
	SetThreads(n)
	f()
}

type gemmShape struct {
	tA, tB  bool
	m, n, k int
}

var splitShapes = []gemmShape{
	{false, true, 128, 400, 784}, {false, false, 128, 784, 400}, {true, false, 400, 784, 128},
	{false, true, 512, 128, 128}, {true, false, 128, 128, 512}, {false, true, 4, 500, 999},
	{true, true, 100, 37, 301}, {false, false, 17, 33, 4099}, {true, true, 1, 2, 3},
	// DCGAN's convolutions through im2col (8 examples of its batch of 64):
	// forward, weight and column gradients.
	{false, false, 128, 392, 1024}, {false, true, 128, 1024, 392}, {true, false, 1024, 392, 128},
	{false, false, 64, 12544, 16},
	// Large enough for OpenBLAS's own threads (threadedGemm).
	{false, false, 128, 3136, 1024}, {false, true, 128, 1024, 3136}, {true, false, 1024, 3136, 128},
	// Much wider than tall: cut into columns.
	{false, false, 64, 1568, 256}, {false, true, 32, 1024, 300}, {true, true, 20, 333, 77},
}

// runGemm computes C = A·B + C for a shape on fixed random inputs.
func runGemm(s gemmShape) []float32 {
	a, b, c := benchVec(s.m*s.k, 1, 1), benchVec(s.k*s.n, 1, 2), benchVec(s.m*s.n, 1, 3)
	lda, ldb := s.k, s.n
	if s.tA {
		lda = s.m
	}
	if s.tB {
		ldb = s.k
	}
	gemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, b, ldb, 1, c, s.n)
	return c
}

// TestGemmSplitIsExact checks that cutting a GEMM into row or column blocks,
// or giving it to OpenBLAS's threads, changes no bit of the result on the
// linked backend (each element's sum over k runs the same way), so training
// does not depend on --threads; and that the result is right.
func TestGemmSplitIsExact(t *testing.T) {
	for _, s := range splitShapes {
		var one []float32
		withThreads(1, func() { one = runGemm(s) })
		if s.m*s.n*s.k <= 1<<24 {
			want := gemmRef(s)
			for i := range one {
				if math.Abs(float64(one[i])-want[i]) > 1e-4*(1+math.Abs(want[i])) {
					t.Fatalf("%+v: c[%d] = %v, want %v", s, i, one[i], want[i])
				}
			}
		}
		for _, threads := range []int{2, 3, 4} {
			var split []float32
			withThreads(threads, func() { split = runGemm(s) })
			if i := same(one, split); i >= 0 {
				t.Errorf("%+v on %d threads: c[%d] = %v, on one thread %v", s, threads, i, split[i], one[i])
			}
		}
	}
}

func gemmRef(s gemmShape) []float64 {
	a, b, c := benchVec(s.m*s.k, 1, 1), benchVec(s.k*s.n, 1, 2), benchVec(s.m*s.n, 1, 3)
	at := func(i, l int) float64 {
		if s.tA {
			return float64(a[l*s.m+i])
		}
		return float64(a[i*s.k+l])
	}
	bt := func(l, j int) float64 {
		if s.tB {
			return float64(b[j*s.k+l])
		}
		return float64(b[l*s.n+j])
	}
	out := make([]float64, len(c))
	for i := 0; i < s.m; i++ {
		for j := 0; j < s.n; j++ {
			sum := float64(c[i*s.n+j])
			for l := 0; l < s.k; l++ {
				sum += at(i, l) * bt(l, j)
			}
			out[i*s.n+j] = sum
		}
	}
	return out
}

// TestBusyPoolRunsInline: a caller that finds the workers taken runs all
// its parts itself, with the same result; concurrent callers do not mix
// their parts (run with -race).
func TestBusyPoolRunsInline(t *testing.T) {
	s := splitShapes[0]
	var free, busy []float32
	withThreads(2, func() {
		free = runGemm(s)
		pool.mu.Lock()
		busy = runGemm(s)
		pool.mu.Unlock()
		var wg sync.WaitGroup
		results := make([][]float32, 4)
		for g := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 20 {
					results[g] = runGemm(splitShapes[g%2*3])
				}
			}()
		}
		wg.Wait()
		for g, r := range results {
			if i := same(r, runGemm(splitShapes[g%2*3])); i >= 0 {
				t.Errorf("concurrent caller %d: c[%d] differs", g, i)
			}
		}
	})
	if i := same(free, busy); i >= 0 {
		t.Fatalf("c[%d]: %v with workers, %v inline", i, free[i], busy[i])
	}
}

// TestAdamSplit: an update cut over threads gives the same tensors, and a
// squared norm equal up to the order of its float64 sum.
func TestAdamSplit(t *testing.T) {
	n := 3*adamMinPart + 5
	p0, g0, m0 := benchVec(n, 1, 1), benchVec(n, 1e-2, 2), benchVec(n, 1e-3, 3)
	v0 := benchVec(n, 1e-2, 4)
	for i := range v0 {
		v0[i] *= v0[i]
	}
	run := func(threads int) (out []float32, sq float64) {
		p, g := append([]float32(nil), p0...), append([]float32(nil), g0...)
		m, v := append([]float32(nil), m0...), append([]float32(nil), v0...)
		withThreads(threads, func() { sq = AdamUpdateZero(p, g, m, v, 0.9, 0.999, 1e-2, 0.03, 1e-8, 1e-4) })
		return append(append(append(p, g...), m...), v...), sq
	}
	one, sq1 := run(1)
	for _, threads := range []int{2, 3} {
		split, sq := run(threads)
		if i := same(one, split); i >= 0 {
			t.Fatalf("%d threads: (p, g, m, v)[%d] = %v, on one thread %v", threads, i, split[i], one[i])
		}
		if math.Abs(sq-sq1) > 1e-12*sq1 {
			t.Fatalf("%d threads: squared norm %v, on one thread %v", threads, sq, sq1)
		}
	}
}

// TestManyHandOffs posts thousands of small jobs in a row: a lost wake-up
// would hang here.
func TestManyHandOffs(t *testing.T) {
	s := gemmShape{false, false, 64, 64, 300}
	withThreads(2, func() {
		want := runGemm(s)
		for i := range 3000 {
			if j := same(runGemm(s), want); j >= 0 {
				t.Fatal(fmt.Sprintf("hand-off %d: c[%d] differs", i, j))
			}
		}
	})
}

// TestPatchSplit: im2col and col2im cut over examples give the single-pass
// result bit for bit (col2im adds into each pixel in the same order).
func TestPatchSplit(t *testing.T) {
	// The second geometry takes the 4×4 stride-2 kernels, whose planes
	// spill into the next one's place.
	for _, g := range []patches{newPatches(3, 9, 11, 4, 2, 1), newPatches(3, 10, 14, 4, 2, 1)} {
		patchSplit(t, g)
	}
}

func patchSplit(t *testing.T, g patches) {
	batch := 7
	x := benchVec(batch*g.C*g.H*g.W, 1, 1)
	n := batch * g.posPerItem
	dcol := benchVec(g.rows()*n+patchSlack, 1, 2)
	run := func(threads int) (col, dx []float32) {
		col, dx = make([]float32, g.rows()*n), benchVec(len(x), 1, 3)
		withThreads(threads, func() {
			var ts [maxParts]task
			for j := range threads {
				ts[j] = task{kind: taskIm2col, patch: patchArgs{g, batch, j * batch / threads, (j + 1) * batch / threads, x, col}}
			}
			runParts(ts[:threads])
			for j := range threads {
				ts[j] = task{kind: taskCol2im, patch: patchArgs{g, batch, j * batch / threads, (j + 1) * batch / threads, dx, dcol}}
			}
			runParts(ts[:threads])
		})
		return col, dx
	}
	col1, dx1 := run(1)
	wantCol := make([]float32, len(col1))
	im2colRange(g, batch, 0, batch, x, wantCol)
	if i := same(col1, wantCol); i >= 0 {
		t.Fatalf("col[%d] = %v, want %v", i, col1[i], wantCol[i])
	}
	for _, threads := range []int{2, 3} {
		col, dx := run(threads)
		if i := same(col1, col); i >= 0 {
			t.Fatalf("%d threads: col[%d] = %v, on one thread %v", threads, i, col[i], col1[i])
		}
		if i := same(dx1, dx); i >= 0 {
			t.Fatalf("%d threads: dx[%d] = %v, on one thread %v", threads, i, dx[i], dx1[i])
		}
	}
}

// TestGemmBiasSplit: the bias copied into each part's rows gives the bias
// plus the product, as one call does.
func TestGemmBiasSplit(t *testing.T) {
	gemmBiasSplit(t, 128, 400, 784)
	gemmBiasSplit(t, 16, 400, 784) // cut into columns
}

func gemmBiasSplit(t *testing.T, m, n, k int) {
	x, w, bias := benchVec(m*k, 1, 1), benchVec(n*k, 1, 2), benchVec(n, 1, 3)
	run := func(threads int) (y []float32) {
		y = benchVec(m*n, 1, 4) // stale values must be overwritten
		withThreads(threads, func() { gemmBias(false, true, m, n, k, 1, x, k, w, k, bias, y, n) })
		return y
	}
	one := run(1)
	for i := 0; i < m; i += 37 {
		for j := 0; j < n; j += 13 {
			want := float64(bias[j])
			for l := range k {
				want += float64(x[i*k+l]) * float64(w[j*k+l])
			}
			if got := float64(one[i*n+j]); math.Abs(got-want) > 1e-3*(1+math.Abs(want)) {
				t.Fatalf("y[%d,%d] = %v, want %v", i, j, got, want)
			}
		}
	}
	if i := same(one, run(3)); i >= 0 {
		t.Fatalf("y[%d] differs on three threads", i)
	}
}

// TestBatchNormSplit: batchnorm cut over blocks of channels gives the same
// bits as one pass (outputs, running statistics, every gradient), on vectors
// and on images, in training and evaluation.
func TestBatchNormSplit(t *testing.T) {
	for _, shape := range [][]int{{5000}, {64, 14, 14}, {3, 7, 5}} {
		run := func(threads int) [][]float32 {
			var got [][]float32
			withThreads(threads, func() {
				b := NewBuilder()
				out, _ := batchNorm(b, "bn", b.Input("x", shape...), BatchNorm{})
				g := b.Build(out)
				for i, p := range g.Params() {
					copy(p.Value.Data, benchVec(len(p.Value.Data), 1, uint64(10+i)))
				}
				ws := g.NewWorkspace(16)
				copy(ws.Input("x").Data, benchVec(len(ws.Input("x").Data), 3, 4))
				for _, train := range []bool{true, false} {
					ws.Forward(train)
					copy(ws.OutGrad(0).Data, benchVec(len(ws.OutGrad(0).Data), 1, 5))
					ws.Backward(BackwardOpts{ParamGrads: true, InputGrads: true})
					got = append(got, slices.Clone(ws.Out(0).Data), slices.Clone(ws.InputGrad("x").Data))
				}
				for _, p := range append(g.Params(), g.State()...) {
					got = append(got, slices.Clone(p.Value.Data))
					if p.Grad != nil {
						got = append(got, slices.Clone(p.Grad.Data))
					}
				}
			})
			return got
		}
		one := run(1)
		for _, threads := range []int{2, 3} {
			for k, v := range run(threads) {
				if i := same(one[k], v); i >= 0 {
					t.Fatalf("%v, %d threads: array %d differs at %d: %v, on one thread %v", shape, threads, k, i, v[i], one[k][i])
				}
			}
		}
	}
}

// TestElementwiseSplit: a long activation cut into parts gives the same
// bits as one pass, forward and backward.
func TestElementwiseSplit(t *testing.T) {
	n := 3<<18 + 5 // long enough to be cut, with a ragged end
	x, dy := benchVec(n, 1, 1), benchVec(n, 1, 2)
	for fn := eltReLUFwd; fn <= eltTanhBwd; fn++ {
		run := func(threads int) (out []float32) {
			out = benchVec(n, 1, 3) // backward kernels accumulate
			withThreads(threads, func() { elementwise(eltArgs{fn: fn, out: out, x: x, dy: dy, slope: 0.2}) })
			return out
		}
		one := run(1)
		for _, threads := range []int{2, 3} {
			if i := same(one, run(threads)); i >= 0 {
				t.Fatalf("kernel %d on %d threads: element %d differs", fn, threads, i)
			}
		}
	}
}
