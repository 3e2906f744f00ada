//go:build openblas

package graph

import "github.com/exp-ml/exp/graph/openblas"

// ZZUseOpenBLASThreads is a temporary measurement hook (issue 7): OpenBLAS's
// own threads instead of split GEMMs. Removed before commit.
func ZZUseOpenBLASThreads(n int) { splitGemm = false; openblas.SetThreads(n) }
