//go:build amd64 && !noasm

package graph

// Vector kernels for amd64 with AVX2 (kernels_amd64.s). Each xxxVec function
// runs its kernel over the longest prefix of whole 8-float blocks and returns
// its length; the caller's scalar loop does the rest. Without AVX2 they
// return 0 and the scalar loop does everything.

// hasAVX2 reports AVX and AVX2 in the CPU and YMM state enabled by the OS.
var hasAVX2 = detectAVX2()

// hasFMA reports the FMA3 instructions that direct convolution's kernel
// (tile6x16) uses.
var hasFMA = detectFMA()

func detectFMA() bool {
	const fma = 1 << 12 // CPUID.1:ECX
	_, _, c1, _ := cpuid(1, 0)
	return hasAVX2 && c1&fma != 0
}

// useVec selects the vector kernels; tests turn it off to run the scalar
// references on the same inputs.
var useVec = hasAVX2

func detectAVX2() bool {
	const (
		osxsave = 1 << 27 // CPUID.1:ECX
		avx     = 1 << 28 // CPUID.1:ECX
		avx2    = 1 << 5  // CPUID.(7,0):EBX
		ymmXCR0 = 0b110   // XMM and YMM state
	)
	maxID, _, _, _ := cpuid(0, 0)
	if maxID < 7 {
		return false
	}
	_, _, c1, _ := cpuid(1, 0)
	if c1&(osxsave|avx) != osxsave|avx {
		return false
	}
	if xcr0, _ := xgetbv0(); xcr0&ymmXCR0 != ymmXCR0 {
		return false
	}
	_, b7, _, _ := cpuid(7, 0)
	return b7&avx2 != 0
}

func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
func xgetbv0() (eax, edx uint32)

// spinPause marks one turn of a spin-wait loop (threads.go).
func spinPause()

//go:noescape
func tile6x16(k int, a *float32, aoff *int32, aidx *[tileRows]int, b *float32, bstride int, c *float32)

//go:noescape
func copyRowsAVX2(dst, src *float32, rows, w, dstStride, srcStride int)

//go:noescape
func copyShortRowsAVX2(dst, src *float32, rows, w, dstStride, srcStride int)

//go:noescape
func addToAVX2(dst, src *float32, n int)

//go:noescape
func add3AVX2(dst, a, b *float32, n int)

//go:noescape
func scaleAVX2(dst *float32, s float32, n int)

//go:noescape
func reluFwdAVX2(y, x *float32, n int)

//go:noescape
func reluBwdAVX2(dx, x, dy *float32, n int)

//go:noescape
func leakyFwdAVX2(y, x *float32, slope float32, n int)

//go:noescape
func leakyBwdAVX2(dx, x, dy *float32, slope float32, n int)

//go:noescape
func sigmoidFwdAVX2(y, x *float32, n int)

//go:noescape
func sigmoidBwdAVX2(dx, y, dy *float32, n int)

//go:noescape
func tanhFwdAVX2(y, x *float32, n int)

//go:noescape
func tanhBwdAVX2(dx, y, dy *float32, n int)

//go:noescape
func bernoulliAVX2(l, x *float32, xinc int, grad *float32, scale float32, n int, acc *lanes)

//go:noescape
func adamAVX2(p, grad, m, v *float32, n int, k *adamConsts, acc *lanes, flags int)

// blocks is the vector length for n floats, 0 when the scalar loop should
// do all.
func blocks(n int) int {
	if !useVec {
		return 0
	}
	return n &^ 7
}

func addToVec(dst, src []float32) int {
	n := blocks(len(dst))
	if n > 0 {
		addToAVX2(&dst[0], &src[:n][0], n)
	}
	return n
}

func add3Vec(dst, a, b []float32) int {
	n := blocks(len(dst))
	if n > 0 {
		add3AVX2(&dst[0], &a[:n][0], &b[:n][0], n)
	}
	return n
}

func scaleVec(dst []float32, s float32) int {
	n := blocks(len(dst))
	if n > 0 {
		scaleAVX2(&dst[0], s, n)
	}
	return n
}

func reluFwdVec(y, x []float32) int {
	n := blocks(len(y))
	if n > 0 {
		reluFwdAVX2(&y[0], &x[:n][0], n)
	}
	return n
}

func reluBwdVec(dx, x, dy []float32) int {
	n := blocks(len(dx))
	if n > 0 {
		reluBwdAVX2(&dx[0], &x[:n][0], &dy[:n][0], n)
	}
	return n
}

func leakyFwdVec(y, x []float32, slope float32) int {
	n := blocks(len(y))
	if n > 0 {
		leakyFwdAVX2(&y[0], &x[:n][0], slope, n)
	}
	return n
}

func leakyBwdVec(dx, x, dy []float32, slope float32) int {
	n := blocks(len(dx))
	if n > 0 {
		leakyBwdAVX2(&dx[0], &x[:n][0], &dy[:n][0], slope, n)
	}
	return n
}

func sigmoidFwdVec(y, x []float32) int {
	n := blocks(len(y))
	if n > 0 {
		sigmoidFwdAVX2(&y[0], &x[:n][0], n)
	}
	return n
}

func sigmoidBwdVec(dx, y, dy []float32) int {
	n := blocks(len(dx))
	if n > 0 {
		sigmoidBwdAVX2(&dx[0], &y[:n][0], &dy[:n][0], n)
	}
	return n
}

func tanhFwdVec(y, x []float32) int {
	n := blocks(len(y))
	if n > 0 {
		tanhFwdAVX2(&y[0], &x[:n][0], n)
	}
	return n
}

func tanhBwdVec(dx, y, dy []float32) int {
	n := blocks(len(dx))
	if n > 0 {
		tanhBwdAVX2(&dx[0], &y[:n][0], &dy[:n][0], n)
	}
	return n
}

// bernoulliVec runs the Bernoulli/cross-entropy kernel over the whole blocks
// of l into acc. x nil means the constant target xc.
func bernoulliVec(l, x []float32, xc float32, grad []float32, scale float32, acc *lanes) int {
	n := blocks(len(l))
	if n == 0 {
		return 0
	}
	target := [8]float32{xc, xc, xc, xc, xc, xc, xc, xc}
	xp, xinc := &target[0], 0
	if x != nil {
		xp, xinc = &x[:n][0], 32
	}
	var gp *float32
	if grad != nil {
		gp = &grad[:n][0]
	}
	bernoulliAVX2(&l[0], xp, xinc, gp, scale, n, acc)
	return n
}

func adamVec(p, g, m, v []float32, k *adamConsts, zeroGrad bool, acc *lanes) int {
	n := blocks(len(p))
	if n == 0 {
		return 0
	}
	flags := 0
	if k.decay != 0 {
		flags |= 1
	}
	if zeroGrad {
		flags |= 2
	}
	adamAVX2(&p[0], &g[:n][0], &m[:n][0], &v[:n][0], n, k, acc, flags)
	return n
}

//go:noescape
func sumAVX2(x *float32, n int, acc *lanes)

//go:noescape
func statsAVX2(x *float32, n int, k float64, s, ss *lanes)

//go:noescape
func gradSumsAVX2(dy, x *float32, n int, m, is float32, s, sx *lanes)

func sumVec(x []float32, acc *lanes) int {
	n := blocks(len(x))
	if n > 0 {
		sumAVX2(&x[0], n, acc)
	}
	return n
}

func statsVec(x []float32, k float64, s, ss *lanes) int {
	n := blocks(len(x))
	if n > 0 {
		statsAVX2(&x[0], n, k, s, ss)
	}
	return n
}

func gradSumsVec(dy, x []float32, m, is float32, s, sx *lanes) int {
	n := blocks(len(dy))
	if n > 0 {
		gradSumsAVX2(&dy[0], &x[:n][0], n, m, is, s, sx)
	}
	return n
}

//go:noescape
func bnNormAVX2(y, x *float32, n int, m, s, t float32)

//go:noescape
func bnGradAVX2(dx, dy, x *float32, n int, m, gs, md, mdx float32)

func bnNormVec(y, x []float32, m, s, t float32) int {
	n := blocks(len(y))
	if n > 0 {
		bnNormAVX2(&y[0], &x[:n][0], n, m, s, t)
	}
	return n
}

func bnGradVec(dx, dy, x []float32, m, gs, md, mdx float32) int {
	n := blocks(len(dx))
	if n > 0 {
		bnGradAVX2(&dx[0], &dy[:n][0], &x[:n][0], n, m, gs, md, mdx)
	}
	return n
}

//go:noescape
func gatherRowsAVX2(dst, src *float32, idx *int32, nb, w, bstride int, mask *[8]int32)

// runMask[w] selects the first w of 8 lanes.
var runMask = func() (m [9][8]int32) {
	for w := range m {
		for j := range w {
			m[w][j] = -1
		}
	}
	return m
}()

//go:noescape
func col2imGatherAVX2(dst, base *float32, inv *int32, npix, slots int, mask *[8]int32)

//go:noescape
func addConstAVX2(dst, src *float32, v float32, n int)

func addConstVec(dst, src []float32, v float32) int {
	n := blocks(len(dst))
	if n > 0 {
		addConstAVX2(&dst[0], &src[:n][0], v, n)
	}
	return n
}

// gatherRowsVec writes, for each of nb blocks of src (bstride apart), the
// w values src[idx[j]] (0 where idx[j] < 0) one after another into dst; idx
// is padded with −1 to whole 8-blocks, and its entries are below span. The
// caller checks useVec.
func gatherRowsVec(dst, src []float32, idx []int32, nb, w, bstride, span int) {
	_, _, _ = dst[nb*w-1], idx[(w+7)&^7-1], src[(nb-1)*bstride+span-1]
	gatherRowsAVX2(&dst[0], &src[0], &idx[0], nb, w, bstride, &runMask[w-((w+7)&^7-8)])
}

// col2imGatherVec adds into each pixel of plane the column entries inv
// lists for it (fillInverse), in slot order; inv's entries are below span.
// The caller checks useVec.
func col2imGatherVec(plane, col []float32, inv []int32, slots, span int) {
	npix := len(plane)
	_, _ = inv[slots*((npix+7)&^7)-1], col[span-1]
	col2imGatherAVX2(&plane[0], &col[0], &inv[0], npix, slots, &runMask[npix%8])
}

// k4s2Consts are the lane constants of the 4×4, stride 2, padding 1
// kernels for one plane width W = 2·OW.
type k4s2Consts struct {
	hi       [8]int32  // lanes of a row past its first 8 (W − 8)
	piece    [8]int32  // lanes of a piece (OW)
	shr, shl [8]int32  // lane permutations: right and left by one
	negPad   [8]uint32 // −0 in the lanes past a piece
}

func newK4S2Consts(ow int) (k k4s2Consts) {
	k.shr, k.shl = [8]int32{7, 0, 1, 2, 3, 4, 5, 6}, [8]int32{1, 2, 3, 4, 5, 6, 7, 7}
	k.hi, k.piece = runMask[2*ow-8], runMask[ow]
	for j := ow; j < 8; j++ {
		k.negPad[j] = 1 << 31
	}
	return k
}

//go:noescape
func im2colK4S2AVX2(col, x *float32, n, oh, ow int, k *k4s2Consts)

//go:noescape
func col2imK4S2AVX2(x, col *float32, n, oh, ow int, k *k4s2Consts)

// k4s2Vec reports whether g is the window the K4S2 kernels take: 4×4,
// stride 2, padding 1, over planes 8 to 14 wide (even) and of even height.
func k4s2Vec(g patches) bool {
	return useVec && g.K == 4 && g.S == 2 && g.P == 1 && g.W%2 == 0 && g.H%2 == 0 &&
		g.W >= 8 && g.W <= 14 && g.H >= 2
}

// im2colK4S2 writes plane's 16 column rows at col (row stride n); it may
// write one float past each row's piece, which the caller overwrites next.
func im2colK4S2(col, plane []float32, n int, g patches, k *k4s2Consts) {
	_, _ = plane[g.H*g.W-1], col[15*n+g.posPerItem]
	im2colK4S2AVX2(&col[0], &plane[0], n, g.OH, g.OW, k)
}

// col2imK4S2 adds plane's column entries, at col (row stride n), into it;
// col holds patchSlack floats past them.
func col2imK4S2(plane, col []float32, n int, g patches, k *k4s2Consts) {
	_, _ = plane[g.H*g.W-1], col[15*n+g.posPerItem+patchSlack-1]
	col2imK4S2AVX2(&plane[0], &col[0], n, g.OH, g.OW, k)
}

// bnGradConsts and bnSumConsts carry a space-1 batch norm's per-channel
// constants to its kernels.
type bnGradConsts struct{ m, gs, md, mdx *float32 }
type bnSumConsts struct{ m, is *float32 }

//go:noescape
func bnNormLanesAVX2(y, x, m, s, t *float32, n int)

//go:noescape
func bnGradLanesAVX2(dx, dy, x *float32, k *bnGradConsts, n int)

//go:noescape
func statsLanesAVX2(x *float32, k, s, ss *float64, n int)

//go:noescape
func gradSumsLanesAVX2(dy, x *float32, k *bnSumConsts, s, sx *float64, n int)

func bnNormLanesVec(y, x, m, s, t []float32) int {
	n := blocks(len(y))
	if n > 0 {
		bnNormLanesAVX2(&y[0], &x[:n][0], &m[:n][0], &s[:n][0], &t[:n][0], n)
	}
	return n
}

func bnGradLanesVec(dx, dy, x, m, gs, md, mdx []float32) int {
	n := blocks(len(dx))
	if n > 0 {
		k := bnGradConsts{&m[:n][0], &gs[:n][0], &md[:n][0], &mdx[:n][0]}
		bnGradLanesAVX2(&dx[0], &dy[:n][0], &x[:n][0], &k, n)
	}
	return n
}

func statsLanesVec(x []float32, k, s, ss []float64) int {
	n := blocks(len(x))
	if n > 0 {
		statsLanesAVX2(&x[0], &k[:n][0], &s[:n][0], &ss[:n][0], n)
	}
	return n
}

func gradSumsLanesVec(dy, x, m, is []float32, s, sx []float64) int {
	n := blocks(len(dy))
	if n > 0 {
		k := bnSumConsts{&m[:n][0], &is[:n][0]}
		gradSumsLanesAVX2(&dy[0], &x[:n][0], &k, &s[:n][0], &sx[:n][0], n)
	}
	return n
}

// copyRowsVec copies rows of w floats from src (rows srcStride apart) to dst
// (dstStride apart) when the vector kernels can (w ≥ 4), and reports
// whether it did.
func copyRowsVec(dst, src []float32, rows, w, dstStride, srcStride int) bool {
	if !useVec || w < 4 || rows < 1 {
		return false
	}
	_ = dst[(rows-1)*dstStride+w-1]
	_ = src[(rows-1)*srcStride+w-1]
	if w < 8 {
		copyShortRowsAVX2(&dst[0], &src[0], rows, w, dstStride, srcStride)
	} else {
		copyRowsAVX2(&dst[0], &src[0], rows, w, dstStride, srcStride)
	}
	return true
}
