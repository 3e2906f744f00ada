//go:build !openblas

package graph

import "runtime"

func setThreads(n int) { runtime.GOMAXPROCS(n) }
func threads() int     { return runtime.GOMAXPROCS(0) }
