package graph

import (
	"fmt"
	"runtime"
	"testing"
)

// BenchmarkGemm times the VAE's, the ring GAN's and DCGAN's GEMM shapes on the
// linked BLAS (build with -tags openblas for OpenBLAS), on one thread and
// split over two, in GFLOP/s of wall time and of process CPU time.
func BenchmarkGemm(b *testing.B) {
	defer SetThreads(Threads())
	for _, s := range []struct {
		name    string
		tA, tB  bool
		m, n, k int
	}{
		{"vae_fwd_128x400x784", false, true, 128, 400, 784},
		{"vae_dx_128x784x400", false, false, 128, 784, 400},
		{"vae_dw_400x784x128", true, false, 400, 784, 128},
		{"ring_fwd_512x128x128", false, true, 512, 128, 128},
		{"ring_dw_128x128x512", true, false, 128, 128, 512},
		{"dcgan_conv_fwd_128x3136x1024", false, false, 128, 3136, 1024},
		{"dcgan_conv_dw_128x1024x3136", false, true, 128, 1024, 3136},
		{"dcgan_conv_dcol_1024x3136x128", true, false, 1024, 3136, 128},
	} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads=%d", s.name, threads), func(b *testing.B) {
				SetThreads(threads)
				a, bm, c := benchVec(s.m*s.k, 1, 1), benchVec(s.k*s.n, 1, 2), make([]float32, s.m*s.n)
				lda, ldb := s.k, s.n
				if s.tA {
					lda = s.m
				}
				if s.tB {
					ldb = s.k
				}
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				t0 := processCPU()
				for b.Loop() {
					gemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
				}
				flop := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N)
				b.ReportMetric(flop/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				b.ReportMetric(flop/(float64(processCPU()-t0)/1e9)/1e9, "GFLOP/cpu-s")
			})
		}
	}
}
