package main

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/exp-ml/exp/dsl"
	"github.com/exp-ml/exp/runner"
)

// defaultMaxMem is most of the machine's memory.
func defaultMaxMem() int64 {
	total := physicalMemory()
	if total <= 0 {
		return 16 << 30
	}
	return total * 8 / 10
}

// compileFile parses and compiles an experiment, printing diagnostics the
// way HCL does. Any error is the user's: status 2, nothing written.
// A seed >= 0 replaces the file's.
func compileFile(env *Env, path string, sets map[string]string, maxMem, seed int64) (*dsl.Experiment, *runner.Program, error) {
	e, diags := dsl.ParseFile(path, sets)
	if diags.HasErrors() {
		return nil, nil, printDiags(env, e, diags)
	}
	if seed >= 0 {
		e.Seed = seed
	}
	p, cdiags := runner.Compile(e, runner.CompileOptions{MaxMem: maxMem})
	diags = append(diags, cdiags...)
	if diags.HasErrors() {
		return nil, nil, printDiags(env, e, diags)
	}
	if len(diags) > 0 {
		printDiags(env, e, diags) // warnings only
	}
	return e, p, nil
}

// printDiags renders diagnostics with their source lines, in the one place
// they are rendered (dsl.WriteDiagnostics).
func printDiags(env *Env, e *dsl.Experiment, diags hcl.Diagnostics) error {
	dsl.WriteDiagnostics(env.Stderr, e.Files(), diags, 100, isTerminal(env.Stderr))
	return &inputError{msg: "invalid experiment", printed: true}
}
