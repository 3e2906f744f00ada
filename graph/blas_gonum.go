//go:build !openblas

package graph

// The pure-Go backend has no threads of its own, and needs no cut of k:
// every product is cut over the worker pool, which never splits a sum.
const (
	kChunk           = 0
	threadedGemmFlop = ^uint64(0)
)

func threadedGemm(gemmArgs) bool { return false }
