//go:build !openblas

package graph

import "runtime"

// gonum's Sgemm parallelises itself over GOMAXPROCS goroutines.
var splitGemm = false

func setThreads(n int) { runtime.GOMAXPROCS(n) }
