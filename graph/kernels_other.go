//go:build !amd64 || noasm

package graph

// Builds without the amd64 vector kernels (other architectures, or the
// noasm tag): every xxxVec covers an empty prefix, so the scalar reference
// loops do all the work.

const hasAVX2 = false

var useVec = false

const hasFMA = false

// tile6x16 is never called: tileKernel takes tileKernelRef without useVec.
func tile6x16(k int, a *float32, aoff *int32, aidx *[tileRows]int, b *float32, bstride int, c *float32) {
	panic("graph: tile6x16 without the amd64 kernels")
}

func addToVec(dst, src []float32) int                    { return 0 }
func add3Vec(dst, a, b []float32) int                    { return 0 }
func scaleVec(dst []float32, s float32) int              { return 0 }
func reluFwdVec(y, x []float32) int                      { return 0 }
func reluBwdVec(dx, x, dy []float32) int                 { return 0 }
func leakyFwdVec(y, x []float32, slope float32) int      { return 0 }
func leakyBwdVec(dx, x, dy []float32, slope float32) int { return 0 }
func sigmoidFwdVec(y, x []float32) int                   { return 0 }
func sigmoidBwdVec(dx, y, dy []float32) int              { return 0 }
func tanhFwdVec(y, x []float32) int                      { return 0 }
func tanhBwdVec(dx, y, dy []float32) int                 { return 0 }

func bernoulliVec(l, x []float32, xc float32, grad []float32, scale float32, acc *lanes) int {
	return 0
}

func adamVec(p, g, m, v []float32, k *adamConsts, zeroGrad bool, acc *lanes) int { return 0 }

// spinPause marks one turn of a spin-wait loop; nothing to do here.
func spinPause() {}

func sumVec(x []float32, acc *lanes) int                                      { return 0 }
func statsVec(x []float32, k float64, s, ss *lanes) int                       { return 0 }
func gradSumsVec(dy, x []float32, m, is float32, s, sx *lanes) int            { return 0 }
func bnNormVec(y, x []float32, m, s, t float32) int                           { return 0 }
func bnGradVec(dx, dy, x []float32, m, gs, md, mdx float32) int               { return 0 }
func addConstVec(dst, src []float32, v float32) int                           { return 0 }
func gatherRowsVec(dst, src []float32, idx []int32, nb, w, bstride, span int) {}
func col2imGatherVec(plane, col []float32, inv []int32, slots, span int)      {}

// The K4S2 kernels exist only for amd64.
type k4s2Consts struct{}

func newK4S2Consts(ow int) (k k4s2Consts)                              { return k }
func k4s2Vec(g patches) bool                                           { return false }
func im2colK4S2(col, plane []float32, n int, g patches, k *k4s2Consts) {}
func col2imK4S2(plane, col []float32, n int, g patches, k *k4s2Consts) {}

func bnNormLanesVec(y, x, m, s, t []float32) int                   { return 0 }
func bnGradLanesVec(dx, dy, x, m, gs, md, mdx []float32) int       { return 0 }
func statsLanesVec(x []float32, k, s, ss []float64) int            { return 0 }
func gradSumsLanesVec(dy, x, m, is []float32, s, sx []float64) int { return 0 }

func copyRowsVec(dst, src []float32, rows, w, dstStride, srcStride int) bool { return false }
