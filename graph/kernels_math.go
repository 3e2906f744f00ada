package graph

import "math"

// Float32 elementary functions for the elementwise kernels. Each is the scalar
// reference of a vector kernel in kernels_amd64.s, which performs the same
// float32 operations in the same order, so both give bitwise the same
// results. Products are wrapped in float32() wherever a sum follows: an
// explicit conversion forbids the compiler to fuse them into an FMA (as it may
// for GOAMD64=v3 or on arm64), which would change the rounding.
//
// The polynomials are Cephes' (S. L. Moshier) single-precision expf, logf and
// tanhf; kernels_test.go states and checks their error against float64 math.

const (
	expLog2e = float32(1.44269504088896341)
	expC1    = float32(0.693359375)    // ln 2 in two parts (Cody–Waite):
	expC2    = float32(-2.12194440e-4) // C1 + C2 ≈ ln 2, n·C1 exact
	expP0    = float32(1.9875691500e-4)
	expP1    = float32(1.3981999507e-3)
	expP2    = float32(8.3334519073e-3)
	expP3    = float32(4.1665795894e-2)
	expP4    = float32(1.6666665459e-1)
	expP5    = float32(5.0000001201e-1)
	// expLo is ln of the smallest normal float32: below it exp32 returns
	// ≈1.2e-38 rather than a subnormal or 0. expHi keeps 2^n finite.
	expLo = float32(-87.3365447505531)
	expHi = float32(88.3762626647949)

	logSqrt2 = float32(1.41421356237309504880)
	logP0    = float32(7.0376836292e-2)
	logP1    = float32(-1.1514610310e-1)
	logP2    = float32(1.1676998740e-1)
	logP3    = float32(-1.2420140846e-1)
	logP4    = float32(1.4249322787e-1)
	logP5    = float32(-1.6668057665e-1)
	logP6    = float32(2.0000714765e-1)
	logP7    = float32(-2.4999993993e-1)
	logP8    = float32(3.3333331174e-1)

	tanhSmall = float32(0.625) // below: odd polynomial; above: via exp32
	tanhP0    = float32(-5.70498872745e-3)
	tanhP1    = float32(2.06390887954e-2)
	tanhP2    = float32(-5.37397155531e-2)
	tanhP3    = float32(1.33314422036e-1)
	tanhP4    = float32(-3.33332819422e-1)
)

// exp32 is e^x in float32, within 2 ulp over [expLo, expHi] (arguments outside
// are clamped; NaN stays NaN).
func exp32(x float32) float32 {
	if x < expLo {
		x = expLo
	}
	if x > expHi {
		x = expHi
	}
	n := float32(math.RoundToEven(float64(x * expLog2e)))
	g := x - float32(n*expC1)
	g = g - float32(n*expC2)
	// P0·g⁵ + … + P5 by Estrin's scheme: a shorter dependency chain than
	// Horner's, which the vector kernel needs to keep its units busy.
	z := g * g
	a0 := float32(expP0*g) + expP1
	a1 := float32(expP2*g) + expP3
	p := float32(a0*z) + a1
	a2 := float32(expP4*g) + expP5
	p = float32(p*z) + a2
	y := float32(p*z) + g
	y = y + 1
	return float32(y * math.Float32frombits(uint32(int32(n)+127)<<23))
}

// logw is ln w for w in [1, 2] (the 1 + e^-|x| of softplus and sigmoid).
func logw(w float32) float32 {
	m, e := w, float32(0)
	if w > logSqrt2 {
		m, e = float32(w*0.5), 1
	}
	f := m - 1
	z := f * f
	z2 := z * z
	// P0·f⁸ + … + P8 by Estrin's scheme, as in exp32.
	a0 := float32(logP0*f) + logP1
	a1 := float32(logP2*f) + logP3
	b0 := float32(a0*z) + a1
	a2 := float32(logP4*f) + logP5
	a3 := float32(logP6*f) + logP7
	b1 := float32(a2*z) + a3
	c := float32(b0*z2) + b1
	y := float32(c*f) + logP8
	y = float32(float32(y*f) * z)
	y = y + float32(e*expC2)
	y = y - float32(0.5*z)
	r := f + y
	return r + float32(e*expC1)
}

// sigmoidParts computes, for one logit l, u = e^−|l|, w = 1 + u and r = 1/w:
// σ(l) is r for l > 0 and u·r otherwise; softplus(−|l|) = log1p(u) is
// logw(w) + (u − (w−1))·r, the second term restoring what rounding 1 + u lost.
func sigmoidParts(l float32) (u, w, r float32) {
	u = exp32(math.Float32frombits(math.Float32bits(l) | 1<<31))
	w = 1 + u
	r = 1 / w
	return u, w, r
}

// sigmoid32 is 1/(1+e^-x), stable for large |x|.
func sigmoid32(x float32) float32 {
	u, _, r := sigmoidParts(x)
	if x > 0 {
		return r
	}
	return float32(u * r)
}

// log1pParts is log1p(u) from sigmoidParts.
func log1pParts(u, w, r float32) float32 {
	return logw(w) + float32((u-(w-1))*r)
}

// tanh32 is the hyperbolic tangent, within 2 ulp. It works on |x| and puts
// the sign back last, so that tanh(−0) = −0.
func tanh32(x float32) float32 {
	a := math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
	var t float32
	if a > tanhSmall {
		s := exp32(a * -2)
		t = (1 - s) / (1 + s)
	} else {
		z := a * a
		p := tanhP0
		p = float32(p*z) + tanhP1
		p = float32(p*z) + tanhP2
		p = float32(p*z) + tanhP3
		p = float32(p*z) + tanhP4
		p = float32(p * z)
		t = float32(p*a) + a
	}
	return math.Float32frombits(math.Float32bits(t) | math.Float32bits(x)&(1<<31))
}
