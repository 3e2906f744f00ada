package graph

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"sync/atomic"
)

// backend names the BLAS implementation in use; blas_openblas.go replaces it.
var backend = "gonum (pure Go)"

// BLASBackend reports which BLAS the binary uses and whether graph's own
// kernels run vectorised (their sums differ from the scalar references'),
// for provenance.
func BLASBackend() string {
	switch {
	case hasFMA:
		return backend + ", AVX2/FMA kernels"
	case hasAVX2:
		return backend + ", AVX2 kernels"
	}
	return backend + ", scalar kernels"
}

// gemmArgs is one Sgemm call: C = alpha·op(A)·op(B) + beta·C on row-major
// slices, op(A) being m×k and op(B) k×n.
type gemmArgs struct {
	tA, tB        bool
	m, n, k       int
	alpha, beta   float32
	a, b, c       []float32
	lda, ldb, ldc int
	// bias, when not nil, is first copied into every row of C (beta is 1):
	// each part fills its own rows, which it then finds in its cache.
	bias []float32
}

func (g *gemmArgs) run() {
	if g.bias != nil {
		for r := 0; r < g.m; r++ {
			copy(g.c[r*g.ldc:r*g.ldc+g.n], g.bias)
		}
	}
	if serialTile > 0 {
		g.runTiles()
		return
	}
	g.sgemm()
}

// runTiles computes C tile by tile, each small enough that the backend
// computes it on the calling goroutine (gonum starts goroutines, and
// allocates, for larger products); the pool provides the parallelism.
func (g *gemmArgs) runTiles() {
	tr, tc := serialTile, 3*serialTile // 1×3 blocks of 64: gonum stays serial
	for r0 := 0; r0 < g.m; r0 += tr {
		for c0 := 0; c0 < g.n; c0 += tc {
			t := *g
			t.m, t.n = min(tr, g.m-r0), min(tc, g.n-c0)
			t.a = g.a[rowOffset(g.tA, r0, g.lda):]
			t.b = g.b[colOffset(g.tB, c0, g.ldb):]
			t.c = g.c[r0*g.ldc+c0:]
			t.sgemm()
		}
	}
}

func (g *gemmArgs) sgemm() {
	ta, tb := blas.NoTrans, blas.NoTrans
	if g.tA {
		ta = blas.Trans
	}
	if g.tB {
		tb = blas.Trans
	}
	if kChunk == 0 || g.k <= kChunk {
		blas32.Implementation().Sgemm(ta, tb, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc)
		return
	}
	// C accumulates one chunk of the sum over k per call (see kChunk).
	beta := g.beta
	for k0 := 0; k0 < g.k; k0 += kChunk {
		kc := min(kChunk, g.k-k0)
		blas32.Implementation().Sgemm(ta, tb, g.m, g.n, kc, g.alpha, g.a[colOffset(g.tA, k0, g.lda):], g.lda,
			g.b[rowOffset(g.tB, k0, g.ldb):], g.ldb, beta, g.c, g.ldc)
		beta = 1
	}
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
	gemmParts(gemmArgs{tA, tB, m, n, k, alpha, beta, a, b, c, lda, ldb, ldc, nil})
}

// gemmBias computes C = alpha·op(A)·op(B) + bias, bias repeated on every row.
func gemmBias(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, bias, c []float32, ldc int) {
	gemmParts(gemmArgs{tA, tB, m, n, k, alpha, 1, a, b, c, lda, ldb, ldc, bias[:n]})
}

// gemmFlop counts the floating-point operations (2·m·n·k per product) of
// every GEMM since the process started, a direct convolution's product
// counting as the GEMM it replaces: the work a step's wall time is measured
// against.
var gemmFlop atomic.Uint64

// GemmFlop returns the GEMM operations done so far in this process.
func GemmFlop() uint64 { return gemmFlop.Load() }

func gemmParts(whole gemmArgs) {
	tA, tB, m, n, k := whole.tA, whole.tB, whole.m, whole.n, whole.k
	a, b, c, lda, ldb, ldc := whole.a, whole.b, whole.c, whole.lda, whole.ldb, whole.ldc
	if m == 0 || n == 0 {
		return
	}
	flop := 2 * uint64(m) * uint64(n) * uint64(k)
	gemmFlop.Add(flop)
	if flop >= threadedGemmFlop && Threads() > 1 && pool.passes.Load() == 0 && threadedGemm(whole) {
		return
	}
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
	// in the whole product. Each part packs all of op(B) if C is cut into
	// rows, all of op(A) if into columns: a C much wider than tall (a
	// convolution's output or weight gradient) is cut into columns, which
	// measured 3-5% faster there (BenchmarkGemm).
	rows := m >= np*gemmAlign && (4*m >= n || n < np*gemmAlign)
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
		lo, hi := tileBounds(span, np, j)
		g := whole
		if rows {
			g.m = hi - lo
			g.a = a[rowOffset(tA, lo, lda):]
			g.c = c[lo*ldc:]
		} else {
			g.n = hi - lo
			g.b = b[colOffset(tB, lo, ldb):]
			g.c = c[lo:]
			if g.bias != nil {
				g.bias = g.bias[lo:hi]
			}
		}
		ts[j] = task{kind: taskGemm, gemm: g}
	}
	runParts(ts[:np])
}

// tileBounds is part j of np over span rows (or columns): whole tiles of
// gemmAlign, the last part taking the ragged end as well.
func tileBounds(span, np, j int) (lo, hi int) {
	tiles := span / gemmAlign
	lo, hi = j*tiles/np*gemmAlign, (j+1)*tiles/np*gemmAlign
	if j == np-1 {
		hi = span
	}
	return lo, hi
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
func Threads() int { return int(pool.threads.Load()) }
