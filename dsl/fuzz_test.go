package dsl

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary files (and an override of the first variable)
// to Parse. Parse must return, never panic or overflow the stack, put a
// subject on every diagnostic, and on success hand out a structurally sound
// experiment whose sweep expands and whose trial overrides parse.
//
//	go test -run '^$' -fuzz FuzzParse -fuzztime 60s ./dsl
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/valid/*.hcl", "testdata/invalid/*.hcl"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err != nil || len(src) > 16<<10 {
				continue
			}
			f.Add(src, "1")
		}
	}
	f.Add([]byte(`a = "${"${1}"}" + [for x in [1]: x][0]`), "[1, 2]")
	f.Add([]byte("x = <<EOT\n%{if true}${1}%{endif}\nEOT\n"), "true")

	f.Fuzz(func(t *testing.T, src []byte, value string) {
		var overrides map[string]string
		e, _ := Parse("fuzz.hcl", src, nil)
		if len(e.Variables) > 0 {
			overrides = map[string]string{e.Variables[0].Name: value}
		}
		e, diags := Parse("fuzz.hcl", src, overrides)
		if e == nil {
			t.Fatal("nil Experiment")
		}
		for _, d := range diags {
			if d.Subject == nil {
				t.Errorf("no subject: %s: %s", d.Summary, d.Detail)
			}
		}
		if err := WriteDiagnostics(io.Discard, e.Files(), diags, 80, true); err != nil {
			t.Fatalf("WriteDiagnostics: %v", err)
		}
		if diags.HasErrors() {
			return
		}
		checkInvariants(t, e)
		trials, d := e.Expand()
		if d.HasErrors() {
			t.Fatalf("Expand failed on a valid experiment: %v", d)
		}
		if len(trials) == 0 || len(trials) > MaxTrials {
			t.Fatalf("%d trials", len(trials))
		}
		_, d = Parse("fuzz.hcl", src, trials[len(trials)-1].Overrides)
		for _, x := range d {
			if strings.Contains(x.Summary, "variable") {
				t.Fatalf("trial overrides refused: %s: %s", x.Summary, x.Detail)
			}
		}
	})
}

// checkInvariants checks what a successful Parse promises.
func checkInvariants(t *testing.T, e *Experiment) {
	t.Helper()
	if e.Objective == nil || e.Train == nil || len(e.Models) == 0 || len(e.Optimizers) == 0 {
		t.Fatalf("incomplete experiment: %+v", e)
	}
	for _, m := range e.Models {
		if len(m.Layers) == 0 || len(m.Inputs) == 0 || len(m.Outputs) == 0 {
			t.Fatalf("model %s: %d layers %d inputs %d outputs", m.Name, len(m.Layers), len(m.Inputs), len(m.Outputs))
		}
		pos := map[string]int{}
		for i, l := range m.Layers {
			pos[l.Name] = i
		}
		for i, l := range m.Layers {
			if len(l.Inputs) == 0 {
				t.Fatalf("layer %s.%s reads nothing", m.Name, l.Name)
			}
			for _, r := range l.Inputs {
				switch r.Kind {
				case "layer":
					if j, ok := pos[r.Name]; !ok || j >= i {
						t.Fatalf("layer %s.%s reads layer %s at %d", m.Name, l.Name, r.Name, j)
					}
				case "input":
					if m.Input(r.Name) == nil {
						t.Fatalf("layer %s.%s reads missing input %s", m.Name, l.Name, r.Name)
					}
				default:
					t.Fatalf("ref kind %q", r.Kind)
				}
			}
		}
		for _, r := range m.Outputs {
			if _, ok := pos[r.Name]; !ok || r.Kind != "layer" {
				t.Fatalf("model %s outputs %s.%s", m.Name, r.Kind, r.Name)
			}
		}
		for _, in := range m.Inputs {
			if len(in.Shape) == 0 {
				t.Fatalf("input %s.%s has no shape", m.Name, in.Name)
			}
		}
	}
	owners := map[string]int{}
	for _, o := range e.Optimizers {
		if o.LR <= 0 {
			t.Fatalf("optimizer %s lr %v", o.Name, o.LR)
		}
		for _, name := range o.Models {
			owners[name]++
		}
	}
	for _, name := range e.Objective.Models() {
		if e.Model(name) == nil || owners[name] != 1 {
			t.Fatalf("objective model %q: declared %v, %d optimizers", name, e.Model(name) != nil, owners[name])
		}
	}
	if e.Objective.Data == "" || e.DataByName(e.Objective.Data) == nil {
		t.Fatalf("objective data %q", e.Objective.Data)
	}
}

func TestValidFilesInvariants(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.hcl")
	for _, f := range files {
		e, diags := ParseFile(f, nil)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		checkInvariants(t, e)
	}
}
