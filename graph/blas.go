package graph

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// backend names the BLAS implementation in use; blas_openblas.go replaces it.
var backend = "gonum (pure Go)"

// BLASBackend reports which BLAS the binary uses, for provenance.
func BLASBackend() string { return backend }

// gemmArgs is one Sgemm call: C = alpha·op(A)·op(B) + beta·C on row-major
// slices, op(A) being m×k and op(B) k×n.
type gemmArgs struct {
	tA, tB        bool
	m, n, k       int
	alpha, beta   float32
	a, b, c       []float32
	lda, ldb, ldc int
}

func (g *gemmArgs) run() {
	ta, tb := blas.NoTrans, blas.NoTrans
	if g.tA {
		ta = blas.Trans
	}
	if g.tB {
		tb = blas.Trans
	}
	blas32.Implementation().Sgemm(ta, tb, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc)
}

const (
	// gemmMinFlops is the least work worth a part of its own (about 20 µs).
	gemmMinFlops = 2 << 20
	// gemmAlign keeps part edges on multiples of the BLAS micro-kernel's
	// tile, so that no part gets a ragged edge the whole would not have.
	gemmAlign = 16
)

// gemm computes C = alpha·op(A)·op(B) + beta·C. Where the backend runs each
// call on one thread (splitGemm), a large product is cut into row blocks of
// C (column blocks when C has few rows), one per thread.
func gemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	whole := gemmArgs{tA, tB, m, n, k, alpha, beta, a, b, c, lda, ldb, ldc}
	np := 1
	if splitGemm {
		np = parts(2*m*n*k, gemmMinFlops)
	}
	if np == 1 {
		whole.run()
		return
	}
	// Parts are whole tiles of gemmAlign rows (columns); the last one also
	// takes the ragged end, so that no part is degenerate (a one-column GEMM
	// takes another path through the BLAS) and every element is summed as
	// in the whole product.
	rows := m >= np*gemmAlign
	span := m
	if !rows {
		span = n
	}
	tiles := span / gemmAlign
	np = min(np, tiles)
	if np <= 1 {
		whole.run()
		return
	}
	var ts [maxParts]task
	for j := range np {
		lo, hi := j*tiles/np*gemmAlign, (j+1)*tiles/np*gemmAlign
		if j == np-1 {
			hi = span
		}
		g := whole
		if rows {
			g.m = hi - lo
			g.a = a[rowOffset(tA, lo, lda):]
			g.c = c[lo*ldc:]
		} else {
			g.n = hi - lo
			g.b = b[colOffset(tB, lo, ldb):]
			g.c = c[lo:]
		}
		ts[j] = task{kind: taskGemm, gemm: g}
	}
	runParts(ts[:np])
}

// rowOffset is where row r of op(A) starts in A.
func rowOffset(t bool, r, ld int) int {
	if t {
		return r
	}
	return r * ld
}

// colOffset is where column j of op(B) starts in B.
func colOffset(t bool, j, ld int) int {
	if t {
		return j * ld
	}
	return j
}

// SetThreads sets how many threads exp computes with: the parts a large
// GEMM or optimizer pass is cut into and, for the pure-Go backend, GOMAXPROCS.
func SetThreads(n int) {
	setPoolThreads(n)
	setThreads(n)
}

// Threads reports the thread count.
func Threads() int { return pool.threads }
