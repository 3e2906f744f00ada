package graph

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// backend names the BLAS implementation in use; blas_openblas.go replaces it.
var backend = "gonum (pure Go)"

// BLASBackend reports which BLAS the binary uses, for provenance.
func BLASBackend() string { return backend }

// gemm computes C = alpha·op(A)·op(B) + beta·C on row-major slices, where
// op(A) is m×k and op(B) is k×n.
func gemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	ta, tb := blas.NoTrans, blas.NoTrans
	if tA {
		ta = blas.Trans
	}
	if tB {
		tb = blas.Trans
	}
	blas32.Implementation().Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SetThreads sets the BLAS thread count where the backend has one (the
// pure-Go backend follows GOMAXPROCS).
func SetThreads(n int) { setThreads(n) }

// Threads reports the BLAS thread count.
func Threads() int { return threads() }
