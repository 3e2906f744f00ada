package runner

// Temporary measurement helpers for issue 7 (perf session); removed before commit.

import (
	"context"
	"os"
	"runtime/pprof"
	"strconv"
	"syscall"
	"testing"

	"github.com/exp-ml/exp/graph"
)

func init() {
	if n, err := strconv.Atoi(os.Getenv("EXP_THREADS")); err == nil {
		graph.SetThreads(n)
	}
	if n, err := strconv.Atoi(os.Getenv("EXP_OPENBLAS_THREADS")); err == nil {
		graph.SetThreads(1)
		graph.ZZUseOpenBLASThreads(n)
	}
}

func procCPU() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func benchStepsCPU(b *testing.B, path string) {
	t := newBenchTrainer(b, path, nil)
	vals := make([]float64, len(t.obj.metricNames()))
	t.obj.step(vals)
	t.obj.step(vals)
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("g", "main")))
	defer pprof.SetGoroutineLabels(context.Background())
	b.ResetTimer()
	c0 := procCPU()
	for i := 0; i < b.N; i++ {
		t.obj.step(vals)
	}
	b.ReportMetric(float64(procCPU()-c0)/float64(b.N), "proc-cpu-ns/op")
}

func BenchmarkZZVAE(b *testing.B)   { benchStepsCPU(b, "../experiments/vae_mnist.hcl") }
func BenchmarkZZRing(b *testing.B)  { benchStepsCPU(b, "../experiments/gan_ring.hcl") }
func BenchmarkZZDCGAN(b *testing.B) { benchStepsCPU(b, "/tmp/dcgan_nofid.hcl") }
