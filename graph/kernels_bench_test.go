package graph

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// Kernel benchmarks at the sizes of the example models, each on the vector
// path ("vec") and on the scalar reference ("scalar"). SetBytes counts the
// float32 traffic of one call, so MB/s compares with memory bandwidth;
// cpu-ns/op is the calling thread's CPU time, steadier than ns/op when other
// work shares the machine.

var benchSink float64

func benchBoth(b *testing.B, bytes int64, f func()) {
	for _, vec := range []bool{true, false} {
		name := "scalar"
		if vec {
			name = "vec"
			if !hasAVX2 {
				continue
			}
		}
		b.Run(name, func(b *testing.B) {
			defer func(v bool) { useVec = v }(useVec)
			useVec = vec
			b.SetBytes(bytes)
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			t0 := threadCPU()
			for b.Loop() {
				f()
			}
			b.ReportMetric(float64(threadCPU()-t0)/float64(b.N), "cpu-ns/op")
		})
	}
}

func benchVec(n int, spread float64, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * spread)
	}
	return x
}

// BenchmarkAdam updates the VAE's 784×400 weight, on one thread and split
// over two.
func BenchmarkAdam(b *testing.B) {
	n := 784 * 400
	p, g, m, v := benchVec(n, 1, 1), benchVec(n, 1e-2, 2), benchVec(n, 1e-3, 3), benchVec(n, 1e-3, 4)
	for i := range v {
		v[i] *= v[i]
	}
	defer SetThreads(Threads())
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			SetThreads(threads)
			benchBoth(b, int64(n)*4*7, func() {
				benchSink += AdamUpdate(p, g, m, v, 0.9, 0.999, 1e-3, 0.5, 1e-8, 0)
			})
		})
	}
}

// BenchmarkBernoulliNLL is the VAE's reconstruction loss with its gradient:
// batch 128 of 784 pixels.
func BenchmarkBernoulliNLL(b *testing.B) {
	n := 128 * 784
	l, grad := benchVec(n, 4, 5), make([]float32, n)
	x := benchVec(n, 1, 6)
	for i := range x {
		x[i] = min(max(x[i], 0), 1)
	}
	benchBoth(b, int64(n)*4*4, func() {
		benchSink += BernoulliNLL(l, x, grad, 1.0/128, nil)
	})
}

// BenchmarkSigmoidCrossEntropy is the ring GAN's discriminator loss, batch 512.
func BenchmarkSigmoidCrossEntropy(b *testing.B) {
	n := 512
	l, grad := benchVec(n, 4, 7), make([]float32, n)
	benchBoth(b, int64(n)*4*3, func() {
		benchSink += SigmoidCrossEntropy(l, 1, grad, 1.0/512)
	})
}

// The activations run over the VAE's hidden layer (128×400) or the ring
// GAN's (512×128).
func BenchmarkReLUForward(b *testing.B) {
	x := benchVec(128*400, 1, 8)
	y := make([]float32, len(x))
	benchBoth(b, int64(len(x))*8, func() { reluForward(y, x) })
}

func BenchmarkReLUBackward(b *testing.B) {
	x, dy := benchVec(128*400, 1, 8), benchVec(128*400, 1, 9)
	dx := make([]float32, len(x))
	benchBoth(b, int64(len(x))*16, func() { reluBackward(dx, x, dy) })
}

func BenchmarkLeakyReLUForward(b *testing.B) {
	x := benchVec(512*128, 1, 8)
	y := make([]float32, len(x))
	benchBoth(b, int64(len(x))*8, func() { leakyForward(y, x, 0.2) })
}

func BenchmarkLeakyReLUBackward(b *testing.B) {
	x, dy := benchVec(512*128, 1, 8), benchVec(512*128, 1, 9)
	dx := make([]float32, len(x))
	benchBoth(b, int64(len(x))*16, func() { leakyBackward(dx, x, dy, 0.2) })
}

// BenchmarkTanhForward is the DCGAN generator's output, 64×784.
func BenchmarkTanhForward(b *testing.B) {
	x := benchVec(64*784, 2, 10)
	y := make([]float32, len(x))
	benchBoth(b, int64(len(x))*8, func() { tanhForward(y, x) })
}

func BenchmarkSigmoidForward(b *testing.B) {
	x := benchVec(64*784, 4, 11)
	y := make([]float32, len(x))
	benchBoth(b, int64(len(x))*8, func() { sigmoidForward(y, x) })
}

func BenchmarkAddTo(b *testing.B) {
	x := benchVec(128*784, 1, 12)
	y := make([]float32, len(x))
	benchBoth(b, int64(len(x))*12, func() { addTo(y, x) })
}
