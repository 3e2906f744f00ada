//go:build openblas

package graph

import (
	"math"
	"sync"

	"github.com/exp-ml/exp/graph/openblas"
)

// The openblas build uses Debian's libopenblas for every GEMM (package
// graph/openblas installs it as gonum's blas32 implementation). Products of
// at least threadedGemmFlop run on OpenBLAS's own threads (threadedGemm);
// smaller ones on the calling thread, cut over the worker pool by gemm,
// which scaled better on them. Between calls OpenBLAS stays at one thread,
// and its threads sleep instead of spinning (package openblas), where they
// took a core from the Go work that follows a product.
func init() {
	backend = "openblas (cgo, gonum/netlib)"
	openblas.SetThreads(1)
}

// splitGemm is a variable only so that tests can compare both ways.
var splitGemm = true

// serialTile 0: OpenBLAS computes a whole part on the calling thread.
const serialTile = 0

// setThreads has nothing to set: threadedGemm gives OpenBLAS Threads()
// threads for each large product.
func setThreads(int) {}

// kChunk bounds the k of one OpenBLAS call: a longer sum over k is cut
// into calls of kChunk, C accumulating. OpenBLAS sums a product in blocks
// of k, and its threaded driver cuts k into blocks differently from its
// serial one beyond some length (here, on Zen 4 with the Cooperlake
// kernels, from k = 321 on): at most one block per call makes every
// element's sum the same on any number of threads, its own or the pool's.
const kChunk = 320

// threadedGemmFlop is the least work OpenBLAS gets to spread over its own
// threads; smaller products are cut over the worker pool.
const threadedGemmFlop = 64 << 20

var threaded struct {
	sync.Mutex // keeps two products from changing the thread count under each other
	probe      sync.Once
	ok         bool
}

// threadedGemm runs a large product on OpenBLAS's own threads, which share
// one packed copy of each operand where the pool's parts pack their own:
// 5-20% faster on DCGAN's and the VAE's products (BenchmarkGemm). The count
// goes back to one after the call, for the products the pool cuts. It
// reports false, and the pool takes the product, where a probe found that
// OpenBLAS's threads sum differently (a core whose block is under kChunk).
func threadedGemm(g gemmArgs) bool {
	threaded.probe.Do(func() { threaded.ok = probeThreaded() })
	if !threaded.ok {
		return false
	}
	if g.beta == 0 && g.bias == nil && g.ldc == g.n {
		// OpenBLAS would clear C on one thread before its threads start:
		// on a column matrix that took 14% of the product's time.
		elementwise(eltArgs{fn: eltZero, out: g.c[:g.m*g.n]})
		g.beta = 1
	}
	threaded.Lock()
	defer threaded.Unlock()
	quietPool.Store(true)
	openblas.SetThreads(Threads())
	g.run()
	openblas.SetThreads(1)
	quietPool.Store(false)
	return true
}

// probeThreaded compares products with sums over k of several lengths
// (chunks full and ragged), computed on OpenBLAS's threads and on the
// calling one, bit for bit: a few milliseconds, once.
func probeThreaded() bool {
	const m, n = 128, 512
	for _, k := range []int{kChunk, kChunk - 7, kChunk/2 + 9, 2*kChunk + kChunk*3/4 + 3} {
		a, b := make([]float32, m*k), make([]float32, k*n)
		for i := range a {
			a[i] = float32(i%97)/97 - 0.43
		}
		for i := range b {
			b[i] = float32(i%89)/89 - 0.57
		}
		c1, c2 := make([]float32, m*n), make([]float32, m*n)
		g := gemmArgs{m: m, n: n, k: k, alpha: 1, a: a, b: b, lda: k, ldb: n, ldc: n}
		g.c = c1
		g.run()
		openblas.SetThreads(max(2, Threads()))
		g.c = c2
		g.run()
		openblas.SetThreads(1)
		for i := range c1 {
			if math.Float32bits(c1[i]) != math.Float32bits(c2[i]) {
				return false
			}
		}
	}
	return true
}
