package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exp-ml/exp/dsl"
)

// The files of dsl/testdata/invalid marked "# COMPILE-ERROR: <summary>" are
// valid HCL that the compiler must refuse: a diagnostic with that summary on
// the marked line (dsl's own test checks the others).
func TestCompileErrorCorpus(t *testing.T) {
	files, err := filepath.Glob("../dsl/testdata/invalid/*.hcl")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(src), "# COMPILE-ERROR:") {
			continue
		}
		checked++
		t.Run(filepath.Base(path), func(t *testing.T) {
			want := map[int]string{}
			for i, line := range strings.Split(string(src), "\n") {
				if _, m, ok := strings.Cut(line, "# COMPILE-ERROR:"); ok {
					want[i+1] = strings.TrimSpace(m)
				}
			}
			e, diags := dsl.Parse(path, src, nil)
			if diags.HasErrors() {
				t.Fatalf("dsl refused a file meant for the compiler: %s", diags.Error())
			}
			_, diags = Compile(e, CompileOptions{MaxMem: 16 << 30})
			if !diags.HasErrors() {
				t.Fatal("compiled without errors")
			}
			for line, summary := range want {
				found := false
				for _, d := range diags {
					if d.Subject != nil && d.Subject.Start.Line == line && d.Subject.Filename == path && strings.Contains(d.Summary, summary) {
						found = true
					}
				}
				if !found {
					t.Errorf("line %d: no %q diagnostic; got %s", line, summary, diags.Error())
				}
			}
		})
	}
	if checked < 20 {
		t.Fatalf("only %d compile-error files", checked)
	}
}
