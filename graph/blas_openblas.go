//go:build openblas

package graph

import "github.com/exp-ml/exp/graph/openblas"

// The openblas build uses Debian's libopenblas for every GEMM (package
// graph/openblas installs it as gonum's blas32 implementation). OpenBLAS runs
// each call on the calling thread, and gemm splits large products over the
// worker pool instead: OpenBLAS's own threads spin on the other core after
// each call, where they slow down the Go work that follows.
func init() {
	backend = "openblas (cgo, gonum/netlib)"
	openblas.SetThreads(1)
}

// splitGemm is a variable only so that tests can compare both ways.
var splitGemm = true

// serialTile 0: OpenBLAS computes a whole part on the calling thread.
const serialTile = 0

// setThreads has nothing to set: OpenBLAS stays on one thread per call.
func setThreads(int) {}
