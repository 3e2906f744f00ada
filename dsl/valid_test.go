package dsl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every file under testdata/valid parses and decodes with no diagnostic at
// all, warnings included.
func TestValidFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/valid/*.hcl")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("found %d valid files, want at least 3", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			e, diags := ParseFile(f, nil)
			if len(diags) > 0 {
				var b strings.Builder
				_ = WriteDiagnostics(&b, e.Files(), diags, 0, false)
				t.Fatalf("unexpected diagnostics:\n%s", b.String())
			}
			src, _ := os.ReadFile(f)
			if string(e.Source) != string(src) || e.Filename != f {
				t.Errorf("Source/Filename not kept")
			}
		})
	}
}
