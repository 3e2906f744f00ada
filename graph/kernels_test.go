package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Error bounds of the float32 elementary functions against float64 math,
// in units in the last place of the float32 result. Measured maxima over
// the sweeps below: exp32 0.96, log1p 1.17, sigmoid32 2.39, tanh32 1.49.
const (
	exp32ULP     = 2
	sigmoid32ULP = 3
	tanh32ULP    = 3
	log1p32ULP   = 3
)

// ulps is the distance from got to the float64 want in float32 ulps of want.
func ulps(got float32, want float64) float64 {
	w := float32(want)
	if got == w {
		return 0
	}
	ulp := math.Float32frombits(math.Float32bits(abs32(w))+1) - abs32(w)
	return math.Abs(float64(got)-want) / float64(ulp)
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// sweep calls f on n points spread evenly over [lo, hi] and n random ones.
func sweep(lo, hi float64, n int, f func(x float32)) {
	rng := rand.New(rand.NewPCG(7, 7))
	for i := 0; i <= n; i++ {
		f(float32(lo + (hi-lo)*float64(i)/float64(n)))
		f(float32(lo + (hi-lo)*rng.Float64()))
	}
}

type worst struct {
	err float64
	at  float32
}

func (w *worst) see(err float64, x float32) {
	if err > w.err || math.IsNaN(err) {
		w.err, w.at = err, x
	}
}

func TestExp32Accuracy(t *testing.T) {
	var w worst
	sweep(float64(expLo), float64(expHi), 200000, func(x float32) { w.see(ulps(exp32(x), math.Exp(float64(x))), x) })
	if w.err > exp32ULP {
		t.Errorf("exp32: %.2f ulp at %v, bound %d", w.err, w.at, exp32ULP)
	}
	t.Logf("exp32: worst %.2f ulp at %v", w.err, w.at)
	for _, c := range []struct{ x, want float32 }{
		{0, 1}, {-200, exp32(expLo)}, {200, exp32(expHi)}, {float32(math.Inf(-1)), exp32(expLo)},
	} {
		if got := exp32(c.x); got != c.want {
			t.Errorf("exp32(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if lo := exp32(expLo); !(lo > 0 && lo < 1.2e-38) {
		t.Errorf("exp32(expLo) = %v, want the smallest normal magnitude", lo)
	}
	if v := exp32(float32(math.NaN())); v == v {
		t.Errorf("exp32(NaN) = %v", v)
	}
}

func TestLog1pAccuracy(t *testing.T) {
	var w worst
	sweep(-30, 0, 200000, func(x float32) {
		u, wv, r := sigmoidParts(x) // u = e^x for x ≤ 0
		w.see(ulps(log1pParts(u, wv, r), math.Log1p(float64(u))), u)
	})
	if w.err > log1p32ULP {
		t.Errorf("log1p: %.2f ulp at u = %v, bound %d", w.err, w.at, log1p32ULP)
	}
	t.Logf("log1p: worst %.2f ulp at u = %v", w.err, w.at)
}

func TestSigmoid32Accuracy(t *testing.T) {
	var w worst
	sweep(-80, 80, 200000, func(x float32) {
		want := 1 / (1 + math.Exp(-float64(x)))
		w.see(ulps(sigmoid32(x), want), x)
	})
	if w.err > sigmoid32ULP {
		t.Errorf("sigmoid32: %.2f ulp at %v, bound %d", w.err, w.at, sigmoid32ULP)
	}
	t.Logf("sigmoid32: worst %.2f ulp at %v", w.err, w.at)
}

func TestTanh32Accuracy(t *testing.T) {
	var w worst
	sweep(-12, 12, 200000, func(x float32) { w.see(ulps(tanh32(x), math.Tanh(float64(x))), x) })
	sweep(-1e-3, 1e-3, 20000, func(x float32) { w.see(ulps(tanh32(x), math.Tanh(float64(x))), x) })
	if w.err > tanh32ULP {
		t.Errorf("tanh32: %.2f ulp at %v, bound %d", w.err, w.at, tanh32ULP)
	}
	t.Logf("tanh32: worst %.2f ulp at %v", w.err, w.at)
	for _, x := range []float32{0, float32(math.Copysign(0, -1)), 100, -100} {
		if got, want := tanh32(x), float32(math.Tanh(float64(x))); got != want || math.Signbit(float64(got)) != math.Signbit(float64(want)) {
			t.Errorf("tanh32(%v) = %v, want %v", x, got, want)
		}
	}
}

// kernelInput is a vector of n values at a random misalignment, mixing
// ordinary values with the special ones every kernel must carry through.
func kernelInput(rng *rand.Rand, n int, spread float64) []float32 {
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)),
		float32(math.Inf(-1)), 1e-30, -1e-30, 1e30, -1e30, 88, -88, 0.625, -0.625, 1e-8}
	buf := make([]float32, n+rng.IntN(8))
	x := buf[len(buf)-n:]
	for i := range x {
		if rng.IntN(10) == 0 {
			x[i] = special[rng.IntN(len(special))]
		} else {
			x[i] = float32(rng.NormFloat64() * spread)
		}
	}
	return x
}

// kernelLengths cover empty, sub-block, block, unrolled and tail lengths.
var kernelLengths = []int{0, 1, 7, 8, 9, 15, 16, 31, 32, 33, 63, 64, 65, 100, 1000, 4099}

// same reports the first index where a and b differ bitwise (NaNs of any
// payload count as equal), or -1.
func same(a, b []float32) int {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) && !(a[i] != a[i] && b[i] != b[i]) {
			return i
		}
	}
	return -1
}

func sameF64(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (a != a && b != b)
}

// bothPaths runs f with the vector kernels on and then off (the scalar
// reference), on copies of the same inputs, and returns both results.
func bothPaths(t *testing.T, f func() []float32) (vec, ref []float32) {
	t.Helper()
	if !hasAVX2 {
		t.Skip("no AVX2 here: only the scalar reference runs, nothing to compare")
	}
	defer func(v bool) { useVec = v }(useVec)
	useVec = true
	vec = f()
	useVec = false
	ref = f()
	return vec, ref
}

func TestKernelsMatchReference(t *testing.T) {
	type kernel struct {
		name   string
		inputs int
		spread float64
		run    func(out []float32, in [][]float32)
	}
	kernels := []kernel{
		{"addTo", 1, 3, func(o []float32, in [][]float32) { addTo(o, in[0]) }},
		{"addConst", 1, 3, func(o []float32, in [][]float32) { addConst(o, in[0], -0.61) }},
		{"add3", 2, 3, func(o []float32, in [][]float32) { add3(o, in[0], in[1]) }},
		{"Scale", 0, 3, func(o []float32, in [][]float32) { Scale(o, -0.37) }},
		{"reluForward", 1, 3, func(o []float32, in [][]float32) { reluForward(o, in[0]) }},
		{"reluBackward", 2, 3, func(o []float32, in [][]float32) { reluBackward(o, in[0], in[1]) }},
		{"leakyForward", 1, 3, func(o []float32, in [][]float32) { leakyForward(o, in[0], 0.2) }},
		{"leakyBackward", 2, 3, func(o []float32, in [][]float32) { leakyBackward(o, in[0], in[1], 0.2) }},
		{"sigmoidForward", 1, 20, func(o []float32, in [][]float32) { sigmoidForward(o, in[0]) }},
		{"sigmoidBackward", 2, 1, func(o []float32, in [][]float32) { sigmoidBackward(o, in[0], in[1]) }},
		{"tanhForward", 1, 3, func(o []float32, in [][]float32) { tanhForward(o, in[0]) }},
		{"tanhBackward", 2, 1, func(o []float32, in [][]float32) { tanhBackward(o, in[0], in[1]) }},
		{"bnNorm", 1, 3, func(o []float32, in [][]float32) { bnNorm(o, in[0], 0.4, 1.3, -0.2) }},
		{"bnGrad", 2, 3, func(o []float32, in [][]float32) { bnGrad(o, in[0], in[1], 0.4, 1.3, -0.2, 0.7) }},
		{"bnNormLanes", 4, 3, func(o []float32, in [][]float32) { bnNormLanes(o, in[0], in[1], in[2], in[3]) }},
		{"bnGradLanes", 6, 3, func(o []float32, in [][]float32) { bnGradLanes(o, in[0], in[1], in[2], in[3], in[4], in[5]) }},
	}
	for _, k := range kernels {
		for _, n := range kernelLengths {
			t.Run(fmt.Sprintf("%s/%d", k.name, n), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(n), 11))
				out0 := kernelInput(rng, n, k.spread)
				in := make([][]float32, k.inputs)
				for i := range in {
					in[i] = kernelInput(rng, n, k.spread)
				}
				vec, ref := bothPaths(t, func() []float32 {
					out := append([]float32(nil), out0...)
					k.run(out, in)
					return out
				})
				if i := same(vec, ref); i >= 0 {
					t.Fatalf("element %d: vector %v (%#x), reference %v (%#x); inputs %v", i, vec[i],
						math.Float32bits(vec[i]), ref[i], math.Float32bits(ref[i]), column(in, out0, i))
				}
			})
		}
	}
}

func column(in [][]float32, out []float32, i int) []float32 {
	c := []float32{out[i]}
	for _, x := range in {
		c = append(c, x[i])
	}
	return c
}

func TestBernoulliMatchesReference(t *testing.T) {
	for _, n := range kernelLengths {
		rng := rand.New(rand.NewPCG(uint64(n), 12))
		l := kernelInput(rng, n, 8)
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.Float64())
		}
		grad0 := kernelInput(rng, n, 1)
		for _, target := range []float32{-1, 0, 1, 0.3} { // −1: per-element targets x
			var sums [2]float64
			k := 0
			vec, ref := bothPaths(t, func() []float32 {
				g := append([]float32(nil), grad0...)
				if target < 0 {
					sums[k] = bernoulliSum(l, x, 0, g, 0.37)
				} else {
					sums[k] = bernoulliSum(l, nil, target, g, -0.37)
				}
				k++
				return g
			})
			if i := same(vec, ref); i >= 0 {
				t.Fatalf("n %d target %v: grad[%d] vector %v, reference %v (logit %v)", n, target, i, vec[i], ref[i], l[i])
			}
			if !sameF64(sums[0], sums[1]) {
				t.Fatalf("n %d target %v: sum vector %v, reference %v", n, target, sums[0], sums[1])
			}
		}
	}
}

// TestBernoulliAccuracy bounds the float32 terms against float64 softplus:
// a row sum is within bernoulliRtol of the exact one.
func TestBernoulliAccuracy(t *testing.T) {
	const bernoulliRtol = 2e-7
	rng := rand.New(rand.NewPCG(5, 5))
	for _, spread := range []float64{0.1, 3, 30} {
		for _, binary := range []bool{false, true} {
			n := 784
			l, x := make([]float32, n), make([]float32, n)
			grad := make([]float32, n)
			for i := range l {
				l[i] = float32(rng.NormFloat64() * spread)
				x[i] = float32(rng.Float64())
				if binary {
					x[i] = float32(rng.IntN(2))
				}
			}
			got := BernoulliNLL(l, x, grad, 1, nil)
			var want float64
			for i := range l {
				lf := float64(l[i])
				want += math.Max(lf, 0) + math.Log1p(math.Exp(-math.Abs(lf))) - float64(x[i])*lf
				g := 1/(1+math.Exp(-lf)) - float64(x[i])
				if math.Abs(float64(grad[i])-g) > 2e-7*math.Max(1, math.Abs(g)) {
					t.Fatalf("spread %v: grad[%d] = %v, want %v", spread, i, grad[i], g)
				}
			}
			if math.Abs(got-want) > bernoulliRtol*want {
				t.Errorf("spread %v binary %v: got %v, want %v (relative %.2g)", spread, binary, got, want, math.Abs(got-want)/want)
			}
		}
	}
}

func TestAdamMatchesReference(t *testing.T) {
	for _, n := range append(kernelLengths, adamBlock+13, 3*adamBlock) {
		for _, decay := range []float32{0, 1e-2} {
			for _, zero := range []bool{false, true} {
				rng := rand.New(rand.NewPCG(uint64(n), 13))
				p0, g0 := kernelInput(rng, n, 1), kernelInput(rng, n, 1e-2)
				m0, v0 := kernelInput(rng, n, 1e-3), make([]float32, n)
				for i := range v0 {
					v0[i] = float32(rng.Float64() * 1e-4)
				}
				var sq [2]float64
				var state [2][]float32
				k := 0
				vec, ref := bothPaths(t, func() []float32 {
					p, g := append([]float32(nil), p0...), append([]float32(nil), g0...)
					m, v := append([]float32(nil), m0...), append([]float32(nil), v0...)
					step, bc2 := float32(1e-3/0.1), float32(math.Sqrt(0.001))
					if zero {
						sq[k] = AdamUpdateZero(p, g, m, v, 0.9, 0.999, step, bc2, 1e-8, decay)
					} else {
						sq[k] = AdamUpdate(p, g, m, v, 0.9, 0.999, step, bc2, 1e-8, decay)
					}
					state[k] = append(append(append(g, m...), v...), p...)
					k++
					return p
				})
				name := fmt.Sprintf("n %d decay %v zero %v", n, decay, zero)
				if i := same(vec, ref); i >= 0 {
					t.Fatalf("%s: p[%d] vector %v, reference %v", name, i, vec[i], ref[i])
				}
				if i := same(state[0], state[1]); i >= 0 {
					t.Fatalf("%s: state (g, m, v, p)[%d] differs: %v vs %v", name, i, state[0][i], state[1][i])
				}
				if !sameF64(sq[0], sq[1]) {
					t.Fatalf("%s: squared norm vector %v, reference %v", name, sq[0], sq[1])
				}
			}
		}
	}
}

// TestAdamIsPyTorchAdam checks the update against its textbook form, element
// by element, and the zeroing variant against the plain one.
func TestAdamIsPyTorchAdam(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	n := 1003
	p, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range p {
		p[i], g[i], m[i], v[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64()*1e-2), float32(rng.NormFloat64()*1e-3), float32(rng.Float64()*1e-4)
	}
	const beta1, beta2, lr, eps, decay, t0 = 0.9, 0.999, 1e-3, 1e-8, 1e-2, 3
	bc1, bc2 := 1-math.Pow(beta1, t0), 1-math.Pow(beta2, t0)
	want := make([]float64, n)
	var wantSq float64
	for i := range p {
		gi := float64(g[i])
		wantSq += gi * gi
		gi += decay * float64(p[i])
		mi := beta1*float64(m[i]) + (1-beta1)*gi
		vi := beta2*float64(v[i]) + (1-beta2)*gi*gi
		want[i] = float64(p[i]) - lr/bc1*mi/(math.Sqrt(vi)/math.Sqrt(bc2)+eps)
	}
	g2 := append([]float32(nil), g...)
	sq := AdamUpdateZero(p, g2, m, v, beta1, beta2, float32(lr/bc1), float32(math.Sqrt(bc2)), eps, decay)
	for i := range p {
		if math.Abs(float64(p[i])-want[i]) > 1e-6*math.Max(1, math.Abs(want[i])) {
			t.Fatalf("p[%d] = %v, want %v", i, p[i], want[i])
		}
		if g2[i] != 0 {
			t.Fatalf("AdamUpdateZero left g[%d] = %v", i, g2[i])
		}
	}
	if math.Abs(sq-wantSq) > 1e-12*wantSq {
		t.Fatalf("squared norm %v, want %v", sq, wantSq)
	}
}

func TestLanesOrder(t *testing.T) {
	// Terms chosen so that any other order of the float64 sum rounds
	// differently: 1 is lost next to 2^53 unless added to its pair first.
	var t8 [8]float64
	t8[0], t8[4], t8[2], t8[6] = 1<<53, 1, 1, 1
	var a lanes
	a.add8(&t8)
	// lane 0 = 2^53 + 1 → 2^53 (ties to even); lane 2 = 2; (2^53 + 2) + 0 = 2^53 + 2.
	if got := a.sum(); got != 1<<53+2 {
		t.Fatalf("lanes sum %v, want 2^53+2", got)
	}
}

// The run sums (sumRun, statsRun, gradSumsRun) give the same float64 sums
// with and without their vector kernels, over several runs in a row.
func TestRunSumsMatchReference(t *testing.T) {
	for _, n := range kernelLengths {
		rng := rand.New(rand.NewPCG(uint64(n), 13))
		x, dy := kernelInput(rng, n, 3), kernelInput(rng, n, 2)
		var sums [2][6]float64
		k := 0
		bothPaths(t, func() []float32 {
			var s, a, b, g, gx runSum
			for rep := 0; rep < 3; rep++ { // runs in a row keep lanes and tail
				sumRun(x, &s)
				statsRun(x, 0.75, &a, &b)
				gradSumsRun(dy, x, -0.3, 1.7, &g, &gx)
			}
			sums[k] = [6]float64{s.total(), a.total(), b.total(), g.total(), gx.total(), s.tail}
			k++
			return nil
		})
		for i := range sums[0] {
			if !sameF64(sums[0][i], sums[1][i]) {
				t.Fatalf("n %d: sum %d vector %v, reference %v", n, i, sums[0][i], sums[1][i])
			}
		}
		// And they are the sums: within float64 rounding of a plain loop.
		var want float64
		for _, v := range x {
			want += float64(v)
		}
		if got := sums[0][0] / 3; math.Abs(got-want) > 1e-9*(1+math.Abs(want)) {
			t.Fatalf("n %d: sumRun %v, plain sum %v", n, got, want)
		}
	}
}

// The space-1 batch norm sums (statsLanes, gradSumsLanes) give the same
// float64 sums with and without their vector kernels.
func TestLanesSumsMatchReference(t *testing.T) {
	for _, n := range kernelLengths {
		rng := rand.New(rand.NewPCG(uint64(n), 14))
		x, dy, m, is := kernelInput(rng, n, 3), kernelInput(rng, n, 2), kernelInput(rng, n, 1), kernelInput(rng, n, 2)
		k := make([]float64, n)
		for j := range k {
			k[j] = float64(m[j]) * 0.5
		}
		var sums [2][]float64
		i := 0
		bothPaths(t, func() []float32 {
			s, ss, g, gx := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
			for rep := 0; rep < 3; rep++ {
				statsLanes(x, k, s, ss)
				gradSumsLanes(dy, x, m, is, g, gx)
			}
			sums[i] = append(append(append(s, ss...), g...), gx...)
			i++
			return nil
		})
		for j := range sums[0] {
			if !sameF64(sums[0][j], sums[1][j]) {
				t.Fatalf("n %d: sum %d vector %v, reference %v", n, j, sums[0][j], sums[1][j])
			}
		}
	}
}
