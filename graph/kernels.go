package graph

// Elementwise kernels shared by ops, losses and optimizers. Each is a scalar
// loop, the reference, preceded by a vector kernel (kernels_amd64.s, AVX2)
// that covers the longest prefix of whole 8-float blocks and returns where
// the scalar loop takes over. The vector kernels perform the reference's
// float32 operations in the same order, so the results are bitwise the same
// with or without them; kernels_test.go checks each one both ways.
//
// Sums that decide a number (a loss, a gradient norm) accumulate in float64
// in one fixed order on every path: see lanes.

// lanes is the float64 summation order of the reducing kernels: terms come
// in blocks of 8, lane j adds float64(t[j]) + float64(t[j+4]) of each block,
// and sum combines the lanes as (l0 + l2) + (l1 + l3). Terms after the last
// whole block are then added to that sum one by one, in order.
type lanes [4]float64

// add8 adds one block of terms, in float64.
func (a *lanes) add8(t *[8]float64) {
	for j := range 4 {
		a[j] += t[j] + t[j+4]
	}
}

func (a *lanes) sum() float64 { return (a[0] + a[2]) + (a[1] + a[3]) }

// addTo computes dst[i] += src[i].
func addTo(dst, src []float32) {
	src = src[:len(dst)]
	for i := addToVec(dst, src); i < len(dst); i++ {
		dst[i] += src[i]
	}
}

// AddTo computes dst[i] += src[i]; exported for optimizers and objectives.
func AddTo(dst, src []float32) { addTo(dst, src) }

// addConst computes dst[i] = src[i] + v.
func addConst(dst, src []float32, v float32) {
	src = src[:len(dst)]
	for i := addConstVec(dst, src, v); i < len(dst); i++ {
		dst[i] = src[i] + v
	}
}

// add3 computes dst[i] = a[i] + b[i].
func add3(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := add3Vec(dst, a, b); i < len(dst); i++ {
		dst[i] = a[i] + b[i]
	}
}

// Scale computes dst[i] *= s.
func Scale(dst []float32, s float32) {
	for i := scaleVec(dst, s); i < len(dst); i++ {
		dst[i] *= s
	}
}

// reluForward computes y = max(x, 0) (NaN stays NaN, −0 becomes +0).
func reluForward(y, x []float32) {
	x = x[:len(y)]
	for i := reluFwdVec(y, x); i < len(y); i++ {
		y[i] = max(x[i], 0)
	}
}

// reluBackward adds dy where x > 0 into dx (+0 elsewhere).
func reluBackward(dx, x, dy []float32) {
	x, dy = x[:len(dx)], dy[:len(dx)]
	for i := reluBwdVec(dx, x, dy); i < len(dx); i++ {
		var d float32
		if x[i] > 0 {
			d = dy[i]
		}
		dx[i] += d
	}
}

// leakyForward computes y = x for x > 0, slope·x otherwise.
func leakyForward(y, x []float32, slope float32) {
	x = x[:len(y)]
	for i := leakyFwdVec(y, x, slope); i < len(y); i++ {
		if v := x[i]; v > 0 {
			y[i] = v
		} else {
			y[i] = slope * v
		}
	}
}

// leakyBackward adds dy (x > 0) or slope·dy into dx.
func leakyBackward(dx, x, dy []float32, slope float32) {
	x, dy = x[:len(dx)], dy[:len(dx)]
	for i := leakyBwdVec(dx, x, dy, slope); i < len(dx); i++ {
		if x[i] > 0 {
			dx[i] += dy[i]
		} else {
			dx[i] += float32(slope * dy[i])
		}
	}
}

// sigmoidForward computes y = σ(x).
func sigmoidForward(y, x []float32) {
	x = x[:len(y)]
	for i := sigmoidFwdVec(y, x); i < len(y); i++ {
		y[i] = sigmoid32(x[i])
	}
}

// sigmoidBackward adds dy·s·(1 − s) into dx, s = σ(x) being the forward output.
func sigmoidBackward(dx, s, dy []float32) {
	s, dy = s[:len(dx)], dy[:len(dx)]
	for i := sigmoidBwdVec(dx, s, dy); i < len(dx); i++ {
		dx[i] += float32(float32(dy[i]*s[i]) * (1 - s[i]))
	}
}

// tanhForward computes y = tanh(x).
func tanhForward(y, x []float32) {
	x = x[:len(y)]
	for i := tanhFwdVec(y, x); i < len(y); i++ {
		y[i] = tanh32(x[i])
	}
}

// tanhBackward adds dy·(1 − t²) into dx, t = tanh(x) being the forward output.
func tanhBackward(dx, t, dy []float32) {
	t, dy = t[:len(dx)], dy[:len(dx)]
	for i := tanhBwdVec(dx, t, dy); i < len(dx); i++ {
		dx[i] += float32(dy[i] * (1 - float32(t[i]*t[i])))
	}
}

// bernoulliTerm is one element of the Bernoulli negative log-likelihood of
// logit l and target x in [0, 1]: softplus(l) − x·l, written as
// (c − x)·l + log1p(e^−|l|) with c = (l > 0), a sum of two non-negative
// parts; and scale·(σ(l) − x), its scaled gradient.
func bernoulliTerm(l, x, scale float32) (term, grad float32) {
	u, w, r := sigmoidParts(l)
	var c float32
	sig := float32(u * r)
	if l > 0 {
		c, sig = 1, r
	}
	term = float32((c-x)*l) + log1pParts(u, w, r)
	return term, float32(scale * (sig - x))
}

// bernoulliSum returns Σ bernoulliTerm over l, in lanes order, and adds the
// gradient terms into grad when it is not nil. x nil means the constant
// target xc for every element.
func bernoulliSum(l, x []float32, xc float32, grad []float32, scale float32) float64 {
	if x != nil {
		x = x[:len(l)]
	}
	if grad != nil {
		grad = grad[:len(l)]
	}
	var acc lanes
	i := bernoulliVec(l, x, xc, grad, scale, &acc)
	var t [8]float64
	for ; i+8 <= len(l); i += 8 {
		for j := range t {
			t[j] = float64(bernoulliAt(l, x, xc, grad, scale, i+j))
		}
		acc.add8(&t)
	}
	s := acc.sum()
	for ; i < len(l); i++ {
		s += float64(bernoulliAt(l, x, xc, grad, scale, i))
	}
	return s
}

func bernoulliAt(l, x []float32, xc float32, grad []float32, scale float32, i int) float32 {
	if x != nil {
		xc = x[i]
	}
	term, g := bernoulliTerm(l[i], xc, scale)
	if grad != nil {
		grad[i] += g
	}
	return term
}

// A run sum adds a run's terms to a sum: its whole 8-blocks into lanes (in
// lanes order), the rest into a float64 tail, one by one. Sums over many
// runs (a channel over the batch) keep both across runs and finish with
// total; the order depends only on the run lengths.
type runSum struct {
	l    lanes
	tail float64
}

func (r *runSum) total() float64 { return r.l.sum() + r.tail }

// sumRun adds float64(x[i]) to r.
func sumRun(x []float32, r *runSum) {
	i := sumVec(x, &r.l)
	var t [8]float64
	for ; i+8 <= len(x); i += 8 {
		for j := range t {
			t[j] = float64(x[i+j])
		}
		r.l.add8(&t)
	}
	for _, v := range x[i:] {
		r.tail += float64(v)
	}
}

// statsRun adds d = float64(x[i]) − k to s and d·d to ss: a batch norm's
// shifted moments.
func statsRun(x []float32, k float64, s, ss *runSum) {
	i := statsVec(x, k, &s.l, &ss.l)
	var d, d2 [8]float64
	for ; i+8 <= len(x); i += 8 {
		for j := range d {
			d[j] = float64(x[i+j]) - k
			d2[j] = d[j] * d[j]
		}
		s.l.add8(&d)
		ss.l.add8(&d2)
	}
	for _, v := range x[i:] {
		d := float64(v) - k
		s.tail += d
		ss.tail += d * d
	}
}

// gradSumsRun adds dy[i] to s and dy[i]·(x[i] − m)·is (in float32) to sx: a
// batch norm's gradient sums, Σdy and Σdy·x̂.
func gradSumsRun(dy, x []float32, m, is float32, s, sx *runSum) {
	x = x[:len(dy)]
	i := gradSumsVec(dy, x, m, is, &s.l, &sx.l)
	var g, gx [8]float64
	for ; i+8 <= len(dy); i += 8 {
		for j := range g {
			v := dy[i+j]
			g[j], gx[j] = float64(v), float64(v*(x[i+j]-m)*is)
		}
		s.l.add8(&g)
		sx.l.add8(&gx)
	}
	for j, v := range dy[i:] {
		s.tail += float64(v)
		sx.tail += float64(v * (x[i+j] - m) * is)
	}
}

// bnNorm computes a batch norm's output y = (x − m)·s + t.
func bnNorm(y, x []float32, m, s, t float32) {
	x = x[:len(y)]
	for i := bnNormVec(y, x, m, s, t); i < len(y); i++ {
		y[i] = (x[i]-m)*s + t
	}
}

// bnGrad adds a batch norm's input gradient in training,
// gs·(dy − md − (x − m)·mdx), to dx.
func bnGrad(dx, dy, x []float32, m, gs, md, mdx float32) {
	dy, x = dy[:len(dx)], x[:len(dx)]
	for i := bnGradVec(dx, dy, x, m, gs, md, mdx); i < len(dx); i++ {
		dx[i] += gs * (dy[i] - md - (x[i]-m)*mdx)
	}
}

// Batch norm over one value per channel: a block's channels side by side,
// each with its own constants (m, s, t, …) and float64 sums.

// bnNormLanes computes y = (x − m)·s + t.
func bnNormLanes(y, x, m, s, t []float32) {
	x, m, s, t = x[:len(y)], m[:len(y)], s[:len(y)], t[:len(y)]
	for j := bnNormLanesVec(y, x, m, s, t); j < len(y); j++ {
		y[j] = (x[j]-m[j])*s[j] + t[j]
	}
}

// bnGradLanes adds gs·(dy − md − (x − m)·mdx) to dx.
func bnGradLanes(dx, dy, x, m, gs, md, mdx []float32) {
	n := len(dx)
	dy, x, m, gs, md, mdx = dy[:n], x[:n], m[:n], gs[:n], md[:n], mdx[:n]
	for j := bnGradLanesVec(dx, dy, x, m, gs, md, mdx); j < n; j++ {
		dx[j] += gs[j] * (dy[j] - md[j] - (x[j]-m[j])*mdx[j])
	}
}

// statsLanes adds d = float64(x) − k to s and d·d to ss.
func statsLanes(x []float32, k, s, ss []float64) {
	k, s, ss = k[:len(x)], s[:len(x)], ss[:len(x)]
	for j := statsLanesVec(x, k, s, ss); j < len(x); j++ {
		d := float64(x[j]) - k[j]
		s[j] += d
		ss[j] += d * d
	}
}

// gradSumsLanes adds dy to s and dy·(x − m)·is (in float32) to sx.
func gradSumsLanes(dy, x, m, is []float32, s, sx []float64) {
	n := len(dy)
	x, m, is, s, sx = x[:n], m[:n], is[:n], s[:n], sx[:n]
	for j := gradSumsLanesVec(dy, x, m, is, s, sx); j < n; j++ {
		g := dy[j]
		s[j] += float64(g)
		sx[j] += float64(g * (x[j] - m[j]) * is[j])
	}
}
