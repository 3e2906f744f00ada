package main

import (
	"fmt"
	"math"
	"sort"

	"github.com/exp-ml/exp/runner"
	"github.com/exp-ml/exp/tracking"
)

// RunJSON is a run as DESIGN.md §4 prints it.
type RunJSON struct {
	ID         string         `json:"id"`
	Experiment string         `json:"experiment"`
	Status     string         `json:"status"`
	Error      string         `json:"error"`
	Seed       int64          `json:"seed"`
	Params     map[string]any `json:"params"`
	Metrics    map[string]any `json:"metrics"` // null where a value is NaN or infinite
	Artifacts  []ArtifactJSON `json:"artifacts"`
	// Compute is the training loop this command ran (exp run, exp resume):
	// a throughput figure of this process, not part of the stored run.
	Compute *ComputeJSON `json:"compute,omitempty"`
}

// ComputeJSON is a training loop's size and speed: GEMM GFLOP per second of
// loop wall time is the whole-step throughput bench/ compares with the BLAS.
type ComputeJSON struct {
	Steps         int     `json:"steps"`
	Seconds       float64 `json:"seconds"`
	GemmGFLOP     float64 `json:"gemm_gflop"`
	GemmGFLOPPerS float64 `json:"gemm_gflop_per_second"`
}

func computeJSON(c *runner.Compute) *ComputeJSON {
	if c == nil || c.Seconds <= 0 {
		return nil
	}
	return &ComputeJSON{Steps: c.Steps, Seconds: c.Seconds, GemmGFLOP: c.GemmFlop / 1e9, GemmGFLOPPerS: c.GemmFlop / 1e9 / c.Seconds}
}

// ArtifactJSON is one artifact of a run.
type ArtifactJSON struct {
	Kind   string `json:"kind"`
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

func runJSON(r *tracking.Run) RunJSON {
	out := RunJSON{ID: r.ID, Experiment: r.Experiment, Status: r.Status, Error: r.Error, Seed: r.Seed,
		Params: r.Params, Metrics: map[string]any{}, Artifacts: []ArtifactJSON{}}
	if out.Params == nil {
		out.Params = map[string]any{}
	}
	for k, v := range r.Final {
		out.Metrics[k] = jsonNumber(v)
	}
	for _, a := range r.Artifacts {
		out.Artifacts = append(out.Artifacts, ArtifactJSON{Kind: a.Kind, Path: a.Path, SHA256: a.SHA256})
	}
	return out
}

// jsonNumber keeps NaN and ±Inf out of JSON, which has no spelling for
// them: they become null.
func jsonNumber(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

func printRunLine(env *Env, r *tracking.Run) {
	names := make([]string, 0, len(r.Final))
	for k := range r.Final {
		names = append(names, k)
	}
	sort.Strings(names)
	fmt.Fprintf(env.Stdout, "run %s (%s): %s\n", r.ID, r.Experiment, r.Status)
	for _, k := range names {
		fmt.Fprintf(env.Stdout, "  %-18s %.6g\n", k, r.Final[k])
	}
	if r.RunDir != "" {
		fmt.Fprintf(env.Stdout, "  artifacts in %s\n", r.RunDir)
	}
}
