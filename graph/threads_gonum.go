//go:build !openblas

package graph

import "runtime"

// gonum's Sgemm runs products of fewer than four 64×64 blocks of C on the
// calling goroutine and larger ones on goroutines it starts per call, which
// allocates. gemm therefore cuts C into tiles of 64×192 (serialTile) and
// splits the tiles over the pool, as for OpenBLAS: a step allocates nothing
// on this backend either, and a tile's sums over k run as in the whole.
var splitGemm = true

const serialTile = 64

func setThreads(n int) { runtime.GOMAXPROCS(n) }
