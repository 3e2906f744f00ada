package runner

import (
	"os"
	"strings"
	"testing"

	"github.com/exp-ml/exp/graph"
)

// newBenchTrainer compiles an experiment file and prepares its trainer
// without a store, to measure or inspect single steps.
func newBenchTrainer(tb testing.TB, path string, sets map[string]string) *trainer {
	tb.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return srcTrainer(tb, string(src), sets)
}

func benchSteps(b *testing.B, path string, sets map[string]string) {
	t := newBenchTrainer(b, path, sets)
	vals := make([]float64, len(t.obj.metricNames()))
	t.obj.step(vals) // warm up
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t.obj.step(vals)
	}
}

func BenchmarkVAEStep(b *testing.B)   { benchSteps(b, "../experiments/vae_mnist.hcl", nil) }
func BenchmarkDCGANStep(b *testing.B) { benchSteps(b, "../experiments/dcgan.hcl", nil) }
func BenchmarkRingStep(b *testing.B)  { benchSteps(b, "../experiments/gan_ring.hcl", nil) }

// A compiled step allocates nothing in steady state (issue 7).
func TestStepsDoNotAllocate(t *testing.T) {
	paths := []string{"../experiments/vae_mnist.hcl", "../experiments/gan_ring.hcl", "../experiments/cgan_mnist.hcl"}
	if !strings.HasPrefix(graph.BLASBackend(), "gonum") {
		// Convolutions, batch norm and OpenBLAS's threads; seconds per
		// step on the pure-Go backend.
		paths = append(paths, "../bench/dcgan.hcl")
	}
	for _, path := range paths {
		tr := newBenchTrainer(t, path, nil)
		vals := make([]float64, len(tr.obj.metricNames()))
		tr.obj.step(vals)
		if n := testing.AllocsPerRun(3, func() { tr.obj.step(vals) }); n != 0 {
			t.Errorf("%s: %v allocations per step", path, n)
		}
	}
}
