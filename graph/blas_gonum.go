//go:build !openblas

package graph

// The pure-Go backend has no threads of its own, and needs no cut of k:
// every product is cut over the worker pool, which never splits a sum.
const (
	kChunk           = 0
	threadedGemmFlop = ^uint64(0)
	bigGemmFlop      = threadedGemmFlop
)

func bigGemm(gemmArgs) bool { return false }

func bigSgemm(int, bool, bool, int, int, int, float32, []float32, int, []float32, int, float32, []float32, int) {
	panic("graph: no large-product backend in the pure-Go build")
}
