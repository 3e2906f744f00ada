//go:build openblas

package graph

import (
	"math"
	"sync"

	"github.com/exp-ml/exp/graph/onednn"
	"github.com/exp-ml/exp/graph/openblas"
)

// The openblas build uses Debian's libopenblas (package graph/openblas
// installs it as gonum's blas32 implementation) and, where libdnnl.so.2 is
// present, oneDNN's sgemm (package graph/onednn) for products of
// bigGemmFlop and up, on its own threads. Without oneDNN, products of at
// least threadedGemmFlop run on OpenBLAS's own threads (threadedGemm);
// smaller ones on the calling thread, cut over the worker pool by gemm,
// which scaled better on them. Between calls OpenBLAS stays at one thread,
// and its threads sleep instead of spinning (package openblas), where they
// took a core from the Go work that follows a product.
func init() {
	backend = "openblas (cgo, gonum/netlib)"
	openblas.SetThreads(1)
	if onednn.Available() {
		if bigOneDNN = probeOneDNN(); bigOneDNN {
			backend = "openblas (cgo, gonum/netlib); onednn sgemm for products of 64 MFLOP and up (libdnnl.so.2)"
		}
	}
}

// bigOneDNN is set when oneDNN takes the products of threadedGemmFlop and
// up, on any thread count (one included), so that which library sums a
// product depends on its size alone.
var bigOneDNN bool

// bigGemm computes a product of at least threadedGemmFlop on a backend's
// own threads, reporting false when it leaves it to the pool: oneDNN's
// where present (15-30% faster than OpenBLAS's on DCGAN's and the VAE's
// shapes, BenchmarkGemm), else OpenBLAS's (threadedGemm). Within a
// workspace half (runHalves) it takes one thread.
func bigGemm(g gemmArgs) bool {
	if !bigOneDNN {
		return 2*uint64(g.m)*uint64(g.n)*uint64(g.k) >= threadedGemmFlop &&
			Threads() > 1 && pool.passes.Load() == 0 && threadedGemm(g)
	}
	g.threads = 1
	if pool.passes.Load() == 0 {
		g.threads = Threads()
	}
	if g.threads > 1 {
		quietPool.Store(true)
		defer quietPool.Store(false)
	}
	g.run()
	return true
}

func bigSgemm(threads int, tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	onednn.Sgemm(threads, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// probeOneDNN checks that oneDNN sums products the same on one thread and
// on two, bit for bit, on shapes where a library might split the sum over
// k between threads (few rows and columns, long k) as well as on
// convolution-like ones; exp uses it only if so.
func probeOneDNN() bool {
	for _, s := range []struct{ m, n, k int }{
		{128, 3136, kChunk}, {128, 1024, kChunk - 7}, {1024, 3136, 128}, {64, 6272, 100},
		{16, 16, kChunk}, {1, 4096, kChunk}, {4096, 1, kChunk}, {512, 128, 128},
	} {
		a, b := make([]float32, s.m*s.k), make([]float32, s.k*s.n)
		for i := range a {
			a[i] = float32(i%97)/97 - 0.43
		}
		for i := range b {
			b[i] = float32(i%89)/89 - 0.57
		}
		var c [2][]float32
		for t := range c {
			c[t] = make([]float32, s.m*s.n)
			onednn.Sgemm(t+1, false, false, s.m, s.n, s.k, 1, a, s.k, b, s.n, 0, c[t], s.n)
		}
		for i := range c[0] {
			if math.Float32bits(c[0][i]) != math.Float32bits(c[1][i]) {
				return false
			}
		}
	}
	return true
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

// bigGemmFlop is the least work oneDNN takes (bigGemm), when present: from
// 4 MFLOP its products beat OpenBLAS's (on two threads, or on one within a
// workspace half). Step times against OpenBLAS alone, alternating builds:
// DCGAN 0.91x, ring 0.90x, MNIST cGAN 0.82x, MNIST MLP GAN 0.79x; the
// VAE's 1.06x slower.
var bigGemmFlop uint64 = 4 << 20

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
