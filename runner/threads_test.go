package runner

import (
	"math"
	"strings"
	"testing"

	"github.com/exp-ml/exp/graph"
)

// TestThreadCountDoesNotChangeResults trains a few steps of each example on
// one thread and on two: graph cuts GEMMs and optimizer passes into parts
// without changing any sum, so weights and metrics must agree bit for bit.
func TestThreadCountDoesNotChangeResults(t *testing.T) {
	defer graph.SetThreads(graph.Threads())
	paths := []string{"../experiments/vae_mnist.hcl", "../experiments/gan_ring.hcl"}
	if !strings.HasPrefix(graph.BLASBackend(), "gonum") {
		// Convolutions through split GEMMs and im2col; seconds per step on
		// the pure-Go backend, too slow for a unit test there.
		paths = append(paths, "../bench/dcgan.hcl")
	}
	for _, path := range paths {
		var weights [2][]float32
		var metrics [2][]float64
		for i, threads := range []int{1, 2} {
			graph.SetThreads(threads)
			tr := newBenchTrainer(t, path, nil)
			vals := make([]float64, len(tr.obj.metricNames()))
			for range 2 {
				tr.obj.step(vals)
				metrics[i] = append(metrics[i], vals...)
			}
			for _, m := range tr.p.Models {
				for _, p := range m.Graph.Params() {
					weights[i] = append(weights[i], p.Value.Data...)
				}
			}
		}
		for j := range weights[0] {
			if math.Float32bits(weights[0][j]) != math.Float32bits(weights[1][j]) {
				t.Fatalf("%s: weight %d is %v on one thread, %v on two", path, j, weights[0][j], weights[1][j])
			}
		}
		for j := range metrics[0] {
			if math.Float64bits(metrics[0][j]) != math.Float64bits(metrics[1][j]) {
				t.Fatalf("%s: metric value %d is %v on one thread, %v on two", path, j, metrics[0][j], metrics[1][j])
			}
		}
	}
}
