package runner

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/exp-ml/exp/dsl"
)

// FuzzCompile drives the whole front end — parse, decode, shape inference,
// the objective's cross-model checks, the memory estimate and the graph
// build — with arbitrary files. It must never panic; every problem is a
// diagnostic with a place.
//
//	go test -run '^$' -fuzz FuzzCompile -fuzztime 60s ./runner
func FuzzCompile(f *testing.F) {
	for _, pattern := range []string{"../experiments/*.hcl", "../dsl/testdata/valid/*.hcl", "../dsl/testdata/invalid/compile_*.hcl"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			if src, err := os.ReadFile(file); err == nil {
				f.Add(src)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		e, diags := dsl.Parse("fuzz.hcl", src, nil)
		if diags.HasErrors() {
			return
		}
		// A small memory limit keeps fuzzed giants from being built.
		p, diags := Compile(e, CompileOptions{MaxMem: 64 << 20})
		for _, d := range diags {
			if d.Subject == nil {
				t.Errorf("diagnostic without a place: %s: %s", d.Summary, d.Detail)
			}
		}
		if !diags.HasErrors() && p == nil {
			t.Fatal("no program and no error")
		}
	})
}
