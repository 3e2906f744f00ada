//go:build openblas

package graph

import "github.com/exp-ml/exp/graph/openblas"

// The openblas build uses Debian's libopenblas for every GEMM (package
// graph/openblas installs it as gonum's blas32 implementation).
func init() { backend = "openblas (cgo, gonum/netlib)" }

func setThreads(n int) { openblas.SetThreads(n) }
func threads() int     { return openblas.Threads() }
