package dsl

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// base is a minimal valid classifier experiment; tests add blocks to it.
const base = `
experiment "t" {
  description = "test"
  seed        = 7
  tags        = ["a", "b"]
}

variable "latent" { default = 20 }
variable "lr"     { default = 0.001 }

data "mnist" "train" {}

model "m" {
  input "x" { shape = [784] }
  layer "dense" "h"   { units = var.latent * 2 }
  layer "relu"  "a"   {}
  layer "dense" "out" { units = 10 }
}

objective "classifier" {
  model = model.m
  data  = data.train
}

optimizer "adam" "o" {
  models = [model.m]
  lr     = var.lr
}
`

// mustParse parses src and fails the test on any diagnostic, rendered.
func mustParse(t *testing.T, src string, overrides map[string]string) *Experiment {
	t.Helper()
	e, diags := Parse("test.hcl", []byte(src), overrides)
	if len(diags) > 0 {
		var b strings.Builder
		_ = WriteDiagnostics(&b, e.Files(), diags, 0, false)
		t.Fatalf("unexpected diagnostics:\n%s", b.String())
	}
	return e
}

// wantError parses src and requires an error whose summary contains
// summary on line (0: any line).
func wantError(t *testing.T, src string, overrides map[string]string, summary string, line int) hcl.Diagnostics {
	t.Helper()
	_, diags := Parse("test.hcl", []byte(src), overrides)
	for _, d := range diags {
		if d.Severity == hcl.DiagError && strings.Contains(d.Summary, summary) && (line == 0 || d.Subject.Start.Line == line) {
			return diags
		}
	}
	t.Fatalf("no error %q on line %d; got %v", summary, line, diags)
	return nil
}

func TestExperimentBlock(t *testing.T) {
	e := mustParse(t, base, nil)
	if e.Name != "t" || e.Description != "test" || e.Seed != 7 || !reflect.DeepEqual(e.Tags, []string{"a", "b"}) {
		t.Errorf("experiment = %q %q %d %v", e.Name, e.Description, e.Seed, e.Tags)
	}
	if e.DeclRange.Start.Line != 2 {
		t.Errorf("DeclRange line %d, want 2", e.DeclRange.Start.Line)
	}
	// Defaults when train, evaluate and sweep are absent.
	want := &Train{Epochs: 1, BatchSize: 64, LogEvery: Every{100, "step"}, CheckpointEvery: Every{1, "epoch"}}
	got := *e.Train
	got.Ranges, got.DeclRange = nil, hcl.Range{}
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("default train = %+v, want %+v", got, *want)
	}
	if e.Evaluate != nil || e.Sweep != nil {
		t.Errorf("evaluate/sweep should be nil")
	}
}

func TestDataBlocks(t *testing.T) {
	tests := []struct {
		src  string
		want Data
	}{
		{`data "mnist" "d" {}`, Data{Kind: "mnist", Name: "d", Split: "train", Scale: "unit"}},
		{"data \"mnist\" \"d\" {\n split = \"test\"\n scale = \"binarize\"\n limit = 1000\n}",
			Data{Kind: "mnist", Name: "d", Split: "test", Scale: "binarize", Limit: 1000}},
		{`data "gaussian_mixture" "d" {}`,
			Data{Kind: "gaussian_mixture", Name: "d", Layout: "ring", Modes: 8, Radius: 2, Std: 0.02, Samples: 10000}},
		{`data "gaussian_mixture" "d" { layout = "grid" }`,
			Data{Kind: "gaussian_mixture", Name: "d", Layout: "grid", Modes: 25, Radius: 2, Std: 0.02, Samples: 10000}},
		{"data \"gaussian_mixture\" \"d\" {\n layout = \"grid\"\n modes = 49\n radius = 3\n std = 0.05\n samples = 500\n}",
			Data{Kind: "gaussian_mixture", Name: "d", Layout: "grid", Modes: 49, Radius: 3, Std: 0.05, Samples: 500}},
		{"data \"idx\" \"d\" {\n path = \"x.idx\"\n labels = \"y.idx\"\n shape = [1, 28, 28]\n}",
			Data{Kind: "idx", Name: "d", Path: "x.idx", Labels: "y.idx", Shape: []int{1, 28, 28}}},
		{"data \"csv\" \"d\" {\n path = \"t.csv\"\n labels = \"class\"\n}",
			Data{Kind: "csv", Name: "d", Path: "t.csv", Labels: "class"}},
		{"data \"images\" \"d\" {\n path = \"faces/\"\n shape = [3, 32, 32]\n scale = \"tanh\"\n}",
			Data{Kind: "images", Name: "d", Scale: "tanh", Path: "faces/", Shape: []int{3, 32, 32}}},
	}
	for _, tt := range tests {
		e := mustParse(t, base+tt.src+"\n", nil)
		got := *e.DataByName("d")
		got.Ranges, got.DeclRange, got.KindRange, got.NameRange = nil, hcl.Range{}, hcl.Range{}, hcl.Range{}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.src, got, tt.want)
		}
	}
}

func TestModelBlock(t *testing.T) {
	src := base + `
model "g" {
  input "z" { shape = [var.latent] }
  input "y" { shape = [10] }
  layer "concat" "zy" { inputs = [input.z, input.y] }
  layer "dense" "h" {
    units = 128 * 7 * 7
    init  = "normal(0, 0.02)"
    bias  = false
  }
  layer "reshape" "r"  { shape = [128, 7, 7] }
  layer "leaky_relu" "a" { slope = 0.2 }
  layer "dense" "skip" { input = layer.h }
  output = [layer.a, layer.skip]
}
`
	src = strings.Replace(src, "  models = [model.m]", "  models = [model.m]", 1)
	e, diags := Parse("test.hcl", []byte(src), map[string]string{"latent": "16"})
	// model g is not trained by the objective: that is fine for dsl.
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	g := e.Model("g")
	if g == nil || len(g.Inputs) != 2 || len(g.Layers) != 5 {
		t.Fatalf("model g = %+v", g)
	}
	if !reflect.DeepEqual(g.Input("z").Shape, []int{16}) {
		t.Errorf("z shape %v, want [16] (from --set latent=16)", g.Input("z").Shape)
	}
	refs := func(l *Layer) []string {
		var s []string
		for _, r := range l.Inputs {
			s = append(s, r.Kind+"."+r.Name)
		}
		return s
	}
	wantInputs := map[string][]string{
		"zy":   {"input.z", "input.y"},
		"h":    {"layer.zy"},
		"r":    {"layer.h"},
		"a":    {"layer.r"},
		"skip": {"layer.h"},
	}
	for name, want := range wantInputs {
		if got := refs(g.Layer(name)); !reflect.DeepEqual(got, want) {
			t.Errorf("layer %s inputs %v, want %v", name, got, want)
		}
	}
	h := g.Layer("h")
	if n, ok := h.Attr("units").Int(); !ok || n != 6272 {
		t.Errorf("units = %v, %v; want 6272", n, ok)
	}
	if s, ok := h.Attr("init").Str(); !ok || s != "normal(0, 0.02)" {
		t.Errorf("init = %q, %v", s, ok)
	}
	if b, ok := h.Attr("bias").Bool(); !ok || b {
		t.Errorf("bias = %v, %v", b, ok)
	}
	if h.Attr("input") != nil {
		t.Errorf("input must not be an attribute")
	}
	if got := h.AttrNames(); !reflect.DeepEqual(got, []string{"bias", "init", "units"}) {
		t.Errorf("AttrNames = %v", got)
	}
	if s, ok := g.Layer("r").Attr("shape").Ints(); !ok || !reflect.DeepEqual(s, []int{128, 7, 7}) {
		t.Errorf("shape = %v, %v", s, ok)
	}
	if f, ok := g.Layer("a").Attr("slope").Float(); !ok || f != 0.2 {
		t.Errorf("slope = %v, %v", f, ok)
	}
	if _, ok := g.Layer("a").Attr("slope").Int(); ok {
		t.Errorf("0.2 read as an int")
	}
	if rng := h.Attr("units").Range; rng.Start.Line != 35 || rng.Start.Column != 13 {
		t.Errorf("units range %v, want line 35 col 13", rng)
	}
	if len(g.Outputs) != 2 || g.Outputs[0].Name != "a" || g.Outputs[1].Name != "skip" {
		t.Errorf("outputs %v", g.Outputs)
	}
	// Default output: the last layer.
	if m := e.Model("m"); len(m.Outputs) != 1 || m.Outputs[0].Name != "out" {
		t.Errorf("default outputs %v", m.Outputs)
	}
}

func TestAttrAccessorsNilAndTypes(t *testing.T) {
	var missing *Attr
	if _, ok := missing.Int(); ok {
		t.Error("nil Int ok")
	}
	if _, ok := missing.Float(); ok {
		t.Error("nil Float ok")
	}
	if _, ok := missing.Str(); ok {
		t.Error("nil Str ok")
	}
	if _, ok := missing.Bool(); ok {
		t.Error("nil Bool ok")
	}
	if _, ok := missing.Ints(); ok {
		t.Error("nil Ints ok")
	}
	if _, ok := missing.Floats(); ok {
		t.Error("nil Floats ok")
	}
	a := &Attr{Value: []any{int64(1), 2.5}}
	if _, ok := a.Ints(); ok {
		t.Error("[1, 2.5] read as ints")
	}
	if f, ok := a.Floats(); !ok || !reflect.DeepEqual(f, []float64{1, 2.5}) {
		t.Errorf("Floats = %v %v", f, ok)
	}
	if n, ok := (&Attr{Value: 3.0}).Int(); !ok || n != 3 {
		t.Errorf("3.0 as int = %v %v", n, ok)
	}
	if _, ok := (&Attr{Value: "3"}).Int(); ok {
		t.Error(`"3" read as an int`)
	}
}

func TestObjectiveBlocks(t *testing.T) {
	e := mustParse(t, base, nil)
	o := e.Objective
	if o.Kind != "classifier" || o.Model != "m" || o.Data != "train" || !reflect.DeepEqual(o.Models(), []string{"m"}) {
		t.Errorf("classifier objective %+v", o)
	}
	if o.Ranges["model"].Start.Line != 21 {
		t.Errorf("model range %v", o.Ranges["model"])
	}

	vae := mustParse(t, readFile(t, "testdata/valid/vae_mnist.hcl"), nil).Objective
	if vae.Kind != "elbo" || vae.Encoder != "encoder" || vae.Decoder != "decoder" || vae.Likelihood != "bernoulli" || vae.KLWeight != 1 {
		t.Errorf("elbo objective %+v", vae)
	}
	gan := mustParse(t, readFile(t, "testdata/valid/dcgan.hcl"), nil).Objective
	if gan.Kind != "gan" || gan.Generator != "generator" || gan.Discriminator != "discriminator" ||
		gan.Loss != "non_saturating" || gan.Noise != "normal" || gan.DSteps != 1 || gan.Condition != "" {
		t.Errorf("gan objective %+v", gan)
	}
	cgan := mustParse(t, readFile(t, "testdata/valid/cgan_mnist.hcl"), nil).Objective
	if cgan.Condition != "label" {
		t.Errorf("cgan condition %q", cgan.Condition)
	}
	// Defaults of elbo.
	src := strings.Replace(readFile(t, "testdata/valid/vae_mnist.hcl"), `  likelihood = "bernoulli"   # or "gaussian"
  kl_weight  = 1.0           # beta; 1 is the plain ELBO
`, "  likelihood = \"gaussian\"\n  kl_weight = 0\n", 1)
	if o := mustParse(t, src, nil).Objective; o.Likelihood != "gaussian" || o.KLWeight != 0 {
		t.Errorf("elbo likelihood %q kl_weight %v", o.Likelihood, o.KLWeight)
	}
}

func TestOptimizerBlocks(t *testing.T) {
	e := mustParse(t, base, nil)
	o := e.Optimizer("o")
	if o.Kind != "adam" || o.LR != 0.001 || o.Beta1 != 0.9 || o.Beta2 != 0.999 || o.Eps != 1e-8 || o.Momentum != 0 || o.WeightDecay != 0 {
		t.Errorf("adam defaults %+v", o)
	}
	src := strings.Replace(base, `optimizer "adam" "o" {
  models = [model.m]
  lr     = var.lr
}`, `optimizer "sgd" "o" {
  models       = [model.m]
  momentum     = 0.9
  weight_decay = 0.0005
}`, 1)
	o = mustParse(t, src, nil).Optimizer("o")
	if o.Kind != "sgd" || o.LR != 0.01 || o.Momentum != 0.9 || o.WeightDecay != 0.0005 || !reflect.DeepEqual(o.Models, []string{"m"}) {
		t.Errorf("sgd %+v", o)
	}
	// An sgd optimizer has no beta1.
	bad := strings.Replace(src, "  momentum     = 0.9", "  beta1        = 0.9", 1)
	wantError(t, bad, nil, "Unsupported argument", 0)
}

func TestTrainAndEvaluateBlocks(t *testing.T) {
	src := readFile(t, "testdata/valid/vae_mnist.hcl") + `
`
	src = strings.Replace(src, `train {
  epochs       = 10
  batch_size   = 128
  sample_every = "1 epoch"
}`, `train {
  epochs           = 3
  batch_size       = 32
  max_steps        = 500
  log_every        = "10 steps"
  sample_every     = "never"
  checkpoint_every = "2 epochs"
}`, 1)
	e := mustParse(t, src, nil)
	tr := e.Train
	if tr.Epochs != 3 || tr.BatchSize != 32 || tr.MaxSteps != 500 || tr.LogEvery != (Every{10, "step"}) ||
		!tr.SampleEvery.Never() || tr.CheckpointEvery != (Every{2, "epoch"}) {
		t.Errorf("train %+v", tr)
	}
	ev := e.Evaluate
	if ev.Data != "test" || ev.Every != (Every{1, "epoch"}) || ev.IWAESamples != 100 || ev.NumSamples != 10000 ||
		!reflect.DeepEqual(ev.Metrics, []string{"elbo", "iwae_nll", "samples", "reconstructions"}) {
		t.Errorf("evaluate %+v", ev)
	}
}

func TestParseEvery(t *testing.T) {
	tests := []struct {
		in   string
		want Every
		ok   bool
	}{
		{"200 steps", Every{200, "step"}, true},
		{"1 step", Every{1, "step"}, true},
		{"1 epoch", Every{1, "epoch"}, true},
		{" 3 epochs ", Every{3, "epoch"}, true},
		{"5steps", Every{5, "step"}, true},
		{"never", Every{}, true},
		{"0 steps", Every{}, false},
		{"-1 steps", Every{}, false},
		{"1.5 epochs", Every{}, false},
		{"steps", Every{}, false},
		{"10 minutes", Every{}, false},
		{"", Every{}, false},
		{"99999999999999999999 steps", Every{}, false},
	}
	for _, tt := range tests {
		got, err := ParseEvery(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseEvery(%q) = %+v, %v; want %+v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestVariableTypes(t *testing.T) {
	tests := []struct {
		def  string
		typ  string
		want any
	}{
		{"20", "int", int64(20)},
		{"-3", "int", int64(-3)},
		{"1.0", "float", 1.0},
		{"1e3", "float", 1000.0},
		{"0.0002", "float", 0.0002},
		{"2 * 0.5", "float", 1.0},
		{"10 / 4", "float", 2.5},
		{"2 * 3", "int", int64(6)},
		{`"he"`, "string", "he"},
		{"true", "bool", true},
		{"[64, 128]", "list", []any{int64(64), int64(128)}},
		{`["a", 1.5]`, "list", []any{"a", 1.5}},
		{"[]", "list", []any{}},
	}
	for _, tt := range tests {
		src := base + "variable \"v\" { default = " + tt.def + " }\n"
		v := mustParse(t, src, nil).Variable("v")
		if v.Type != tt.typ || !reflect.DeepEqual(v.Default, tt.want) || !reflect.DeepEqual(v.Value, tt.want) {
			t.Errorf("default = %s: got %s %#v, want %s %#v", tt.def, v.Type, v.Default, tt.typ, tt.want)
		}
	}
	wantError(t, base+"variable \"v\" { default = { a = 1 } }\n", nil, "Unsupported variable type", 0)
	wantError(t, base+"variable \"v\" { default = null }\n", nil, "Invalid default", 0)
}

func TestOverrides(t *testing.T) {
	decl := `
variable "i" { default = 3 }
variable "f" { default = 0.5 }
variable "s" { default = "he" }
variable "b" { default = false }
variable "l" { default = [64, 128] }
variable "fl" { default = [0.5, 1] }
variable "sl" { default = ["a"] }
`
	tests := []struct {
		name, value string
		want        any
		err         string // substring of the detail; "" = accepted
	}{
		{"i", "42", int64(42), ""},
		{"i", " -7 ", int64(-7), ""},
		{"i", "1.5", nil, "not a whole number"},
		{"i", "1e3", nil, "not a whole number"},
		{"i", "x", nil, "not a whole number"},
		{"f", "3", 3.0, ""},
		{"f", "1e-5", 1e-5, ""},
		{"f", "NaN", nil, "finite"},
		{"f", "Inf", nil, "finite"},
		{"f", "1e999", nil, "finite"},
		{"s", "xavier", "xavier", ""},
		{"s", `"quoted"`, `"quoted"`, ""},
		{"s", "", "", ""},
		{"b", "true", true, ""},
		{"b", "1", nil, "true or false"},
		{"l", "[32, 64, 96]", []any{int64(32), int64(64), int64(96)}, ""},
		{"l", "[]", []any{}, ""},
		{"l", "[1.5]", nil, "whole number"},
		{"l", "32", nil, "is a list"},
		{"l", "[1,", nil, "list literal"},
		{"l", "[" + strings.Repeat("[", 300) + "]", nil, "Nesting too deep"},
		{"l", "[var.x]", nil, "list literal"},
		{"fl", "[1, 2.5]", []any{1.0, 2.5}, ""},
		{"sl", `["x", "y"]`, []any{"x", "y"}, ""},
		{"sl", `[1]`, nil, "must be a string"},
	}
	for _, tt := range tests {
		e, diags := Parse("test.hcl", []byte(base+decl), map[string]string{tt.name: tt.value})
		if tt.err == "" {
			if len(diags) > 0 {
				t.Errorf("--set %s=%s: %v", tt.name, tt.value, diags)
				continue
			}
			v := e.Variable(tt.name)
			if !reflect.DeepEqual(v.Value, tt.want) || !v.Overridden {
				t.Errorf("--set %s=%s: value %#v, want %#v", tt.name, tt.value, v.Value, tt.want)
			}
			continue
		}
		if len(diags) != 1 || !strings.Contains(diags[0].Detail, tt.err) || diags[0].Summary != "Invalid value for variable" {
			t.Errorf("--set %s=%s: got %v, want one error containing %q", tt.name, tt.value, diags, tt.err)
			continue
		}
		// The error points at the variable block, and the default stays in force.
		if v := e.Variable(tt.name); diags[0].Subject.Start != v.DeclRange.Start || v.Overridden {
			t.Errorf("--set %s=%s: subject %v, variable at %v", tt.name, tt.value, diags[0].Subject, v.DeclRange)
		}
	}
}

func TestOverrideUnknownName(t *testing.T) {
	e, diags := Parse("test.hcl", []byte(base), map[string]string{"latnet": "3", "lr": "0.1", "zzz": "1"})
	if len(diags) != 2 {
		t.Fatalf("want 2 diagnostics, got %v", diags)
	}
	d := diags[0]
	if d.Summary != "Unknown variable" || !strings.Contains(d.Detail, `Did you mean "latent"?`) || d.Subject.Filename != SetFilename {
		t.Errorf("got %s: %s at %v", d.Summary, d.Detail, d.Subject)
	}
	// The --set pseudo-file has one line per override, sorted: latnet, lr, zzz.
	if d.Subject.Start.Line != 1 || diags[1].Subject.Start.Line != 3 {
		t.Errorf("lines %d, %d; want 1, 3", d.Subject.Start.Line, diags[1].Subject.Start.Line)
	}
	var b strings.Builder
	if err := WriteDiagnostics(&b, e.Files(), diags, 0, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "on --set line 1:") || !strings.Contains(b.String(), "   1: latnet=3") {
		t.Errorf("rendered:\n%s", b.String())
	}
	// The valid override still applied.
	if v := e.Variable("lr"); v.Value != 0.1 {
		t.Errorf("lr = %v", v.Value)
	}
}

func TestOverrideFlowsIntoAttributes(t *testing.T) {
	e := mustParse(t, base, map[string]string{"latent": "32", "lr": "0.5"})
	if n, _ := e.Model("m").Layer("h").Attr("units").Int(); n != 64 {
		t.Errorf("units = %d, want 64", n)
	}
	if e.Optimizer("o").LR != 0.5 {
		t.Errorf("lr = %v", e.Optimizer("o").LR)
	}
	if p := e.Params(); !reflect.DeepEqual(p, map[string]any{"latent": int64(32), "lr": 0.5}) {
		t.Errorf("Params = %v", p)
	}
	// An override can make a value invalid; the diagnostic points at the use.
	wantError(t, base, map[string]string{"lr": "0"}, "Value out of range", 27)
}

func TestFormatValueRoundTrip(t *testing.T) {
	values := []struct {
		typ string
		v   any
	}{
		{"int", int64(-12)},
		{"float", 0.0002},
		{"float", 1e-5},
		{"float", 3.0},
		{"float", 1.0 / 3},
		{"string", "normal(0, 0.02)"},
		{"string", ""},
		{"bool", true},
		{"list", []any{int64(1), int64(2)}},
		{"list", []any{"a\"b", "${x}", "%{if}", "tab\there", "é"}},
		{"list", []any{0.1, 2.5e-7}},
	}
	for _, tt := range values {
		s := FormatValue(tt.v)
		got, err := ParseValue(tt.typ, tt.v, s)
		if err != nil || !reflect.DeepEqual(got, tt.v) {
			t.Errorf("%#v -> %q -> %#v, %v", tt.v, s, got, err)
		}
	}
}

func TestWarnings(t *testing.T) {
	src := strings.Replace(base, `  layer "dense" "out" { units = 10 }`, `  layer "dense" "out" { units = 10 }
  layer "dense" "dead" {
    units = 3
    input = layer.a
  }
  output = layer.out`, 1)
	_, diags := Parse("test.hcl", []byte(src), nil)
	if diags.HasErrors() || len(diags) != 1 || diags[0].Severity != hcl.DiagWarning || diags[0].Summary != "Unused layer" {
		t.Fatalf("got %v", diags)
	}
	if diags[0].Subject.Start.Line != 18 {
		t.Errorf("warning on line %d, want 18", diags[0].Subject.Start.Line)
	}
}

func TestDiagnosticsAreSortedAndAccumulated(t *testing.T) {
	src := strings.Replace(base, `  seed        = 7`, `  seed        = "x"`, 1)
	src = strings.Replace(src, `  data  = data.train`, `  data  = data.tran`, 1)
	src = strings.Replace(src, `  lr     = var.lr`, `  lr     = var.rl`, 1)
	_, diags := Parse("test.hcl", []byte(src), nil)
	var lines []int
	for _, d := range diags {
		lines = append(lines, d.Subject.Start.Line)
	}
	if !reflect.DeepEqual(lines, []int{4, 22, 27}) {
		t.Errorf("diagnostic lines %v, want [4 22 27]: %v", lines, diags)
	}
}

func TestResolve(t *testing.T) {
	e := &Experiment{Filename: "experiments/x.hcl"}
	if got := e.Resolve("data/a.idx"); got != "experiments/data/a.idx" {
		t.Errorf("Resolve = %q", got)
	}
	if got := e.Resolve("/abs/a.idx"); got != "/abs/a.idx" {
		t.Errorf("Resolve = %q", got)
	}
}

func TestParseFile(t *testing.T) {
	e, diags := ParseFile("testdata/does-not-exist.hcl", nil)
	if e == nil || len(diags) != 1 || diags[0].Summary != "Failed to read file" {
		t.Errorf("got %v", diags)
	}
}

func TestDidYouMean(t *testing.T) {
	opts := []string{"model", "data", "objective"}
	for given, want := range map[string]string{"modle": "model", "dat": "data", "objectiv": "objective", "zzz": "", "optimizer": ""} {
		if got := suggest(given, opts); got != want {
			t.Errorf("suggest(%q) = %q, want %q", given, got, want)
		}
	}
	if got := DidYouMean("lattent", []string{"latent", "lr"}); got != ` Did you mean "latent"?` {
		t.Errorf("DidYouMean = %q", got)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWriteDiagnosticsFormat(t *testing.T) {
	src := strings.Replace(base, "units = var.latent * 2", "units = var.latnet * 2", 1)
	e, diags := Parse("test.hcl", []byte(src), nil)
	var b strings.Builder
	if err := WriteDiagnostics(&b, e.Files(), diags, 0, false); err != nil {
		t.Fatal(err)
	}
	want := `Error: Reference to undeclared variable

  on test.hcl line 15, in model "m":
  15:   layer "dense" "h"   { units = var.latnet * 2 }

No variable named "latnet" is declared. Did you mean "latent"?

`
	if b.String() != want {
		t.Errorf("rendered:\n%s\nwant:\n%s", b.String(), want)
	}
}
