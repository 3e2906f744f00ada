package dsl

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestExpandGridOrder(t *testing.T) {
	e := mustParse(t, readFile(t, "testdata/valid/dcgan.hcl"), nil)
	if s := e.Sweep; s.Method != "grid" || s.Parallel != 2 || s.Repeat != 1 || len(s.Values) != 2 ||
		s.Values[0].Name != "lr" || s.Values[1].Name != "z_dim" {
		t.Fatalf("sweep %+v", s)
	}
	trials, diags := e.Expand()
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	// Values sorted by name, the last varying fastest.
	want := []map[string]any{
		{"lr": 0.0001, "z_dim": int64(64)},
		{"lr": 0.0001, "z_dim": int64(100)},
		{"lr": 0.0002, "z_dim": int64(64)},
		{"lr": 0.0002, "z_dim": int64(100)},
	}
	if len(trials) != len(want) {
		t.Fatalf("%d trials, want %d", len(trials), len(want))
	}
	for i, tr := range trials {
		if tr.Index != i || tr.Point != i || tr.Repeat != 0 || tr.Seed != 1 || !reflect.DeepEqual(tr.Values, want[i]) {
			t.Errorf("trial %d = %+v, want values %v", i, tr, want[i])
		}
	}
	if o := trials[3].Overrides; o["lr"] != "0.0002" || o["z_dim"] != "100" {
		t.Errorf("overrides %v", o)
	}
}

func TestExpandOverridesReparse(t *testing.T) {
	src := readFile(t, "testdata/valid/dcgan.hcl")
	e := mustParse(t, src, nil)
	trials, _ := e.Expand()
	for _, tr := range trials {
		te := mustParse(t, src, tr.Overrides)
		for name, v := range tr.Values {
			if got := te.Variable(name).Value; !reflect.DeepEqual(got, v) {
				t.Errorf("trial %d: %s = %#v after Parse, want %#v", tr.Index, name, got, v)
			}
		}
		if n := te.Model("generator").Input("z").Shape[0]; int64(n) != tr.Values["z_dim"] {
			t.Errorf("trial %d: z shape %d", tr.Index, n)
		}
	}
}

const randomSweep = `
variable "wd"    { default = 0.0 }
variable "width" { default = 64 }
variable "act"   { default = "relu" }
variable "mom"   { default = 0.5 }

sweep {
  method   = "random"
  trials   = 200
  repeat   = 3
  target   = "test/accuracy"
  goal     = "maximize"
  values = {
    lr    = loguniform(0.0001, 0.1)
    wd    = uniform(0, 0.01)
    width = int_uniform(16, 20)
    act   = ["relu", "tanh"]
    mom   = int_uniform(0, 1)
  }
  early_stop {
    method    = "asha"
    min_steps = 100
    reduction = 4
  }
}
`

func TestExpandRandom(t *testing.T) {
	e := mustParse(t, base+randomSweep, nil)
	s := e.Sweep
	if s.Method != "random" || s.Trials != 200 || s.Repeat != 3 || s.Target != "test/accuracy" || s.Goal != "maximize" {
		t.Fatalf("sweep %+v", s)
	}
	if es := s.EarlyStop; es == nil || es.Metric != "test/accuracy" || es.Goal != "maximize" || es.Method != "asha" || es.MinSteps != 100 || es.Reduction != 4 {
		t.Fatalf("early_stop %+v", s.EarlyStop)
	}
	var names []string
	for _, v := range s.Values {
		names = append(names, v.Name)
	}
	if !reflect.DeepEqual(names, []string{"act", "lr", "mom", "wd", "width"}) {
		t.Fatalf("values not sorted: %v", names)
	}

	trials, diags := e.Expand()
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if len(trials) != 600 {
		t.Fatalf("%d trials, want 600", len(trials))
	}
	widths := map[int64]int{}
	acts := map[string]int{}
	for i, tr := range trials {
		point, r := i/3, i%3
		if tr.Index != i || tr.Point != point || tr.Repeat != r || tr.Seed != 7+int64(r) {
			t.Fatalf("trial %d: index %d point %d repeat %d seed %d", i, tr.Index, tr.Point, tr.Repeat, tr.Seed)
		}
		if r > 0 && !reflect.DeepEqual(tr.Values, trials[i-r].Values) {
			t.Fatalf("trial %d: repeats of one point differ", i)
		}
		lr := tr.Values["lr"].(float64)
		wd := tr.Values["wd"].(float64)
		w := tr.Values["width"].(int64)
		mom := tr.Values["mom"].(float64) // a float variable drawn by int_uniform
		if lr < 0.0001 || lr > 0.1 || wd < 0 || wd >= 0.01 || w < 16 || w > 20 || (mom != 0 && mom != 1) {
			t.Fatalf("trial %d out of range: %v", i, tr.Values)
		}
		widths[w]++
		acts[tr.Values["act"].(string)]++
	}
	// int_uniform is inclusive at both ends; choices are all drawn.
	if len(widths) != 5 || len(acts) != 2 {
		t.Errorf("widths %v acts %v", widths, acts)
	}
	// loguniform spreads evenly over decades: about a third of the points
	// in each of [1e-4,1e-3), [1e-3,1e-2), [1e-2,1e-1).
	var decades [3]int
	for p := 0; p < 200; p++ {
		d := int(math.Floor(math.Log10(trials[3*p].Values["lr"].(float64)))) + 4
		decades[min(max(d, 0), 2)]++
	}
	for _, n := range decades {
		if n < 40 {
			t.Errorf("loguniform decades %v: not spread evenly", decades)
			break
		}
	}

	again, _ := e.Expand()
	if !reflect.DeepEqual(trials, again) {
		t.Error("Expand is not deterministic")
	}
	// Point i depends only on the seed and i, not on trials.
	fewer := mustParse(t, base+strings.Replace(randomSweep, "trials   = 200", "trials   = 5", 1), nil)
	few, _ := fewer.Expand()
	for i := range few {
		if !reflect.DeepEqual(few[i].Values, trials[i].Values) {
			t.Fatalf("trial %d changed with trials = 5", i)
		}
	}
	// Another seed, other points.
	other := mustParse(t, strings.Replace(base, "seed        = 7", "seed        = 8", 1)+randomSweep, nil)
	ot, _ := other.Expand()
	if reflect.DeepEqual(ot[0].Values, trials[0].Values) {
		t.Error("seed does not change the draws")
	}
	// Overrides parse back to the same values.
	for _, tr := range trials[:30] {
		te := mustParse(t, base+randomSweep, tr.Overrides)
		for name, v := range tr.Values {
			if got := te.Variable(name).Value; !reflect.DeepEqual(got, v) {
				t.Errorf("%s: %#v round-tripped to %#v", name, v, got)
			}
		}
	}
}

func TestExpandRepeatOnly(t *testing.T) {
	e := mustParse(t, base+"sweep { repeat = 4 }\n", nil)
	trials, diags := e.Expand()
	if diags.HasErrors() || len(trials) != 4 {
		t.Fatalf("%v %v", trials, diags)
	}
	for r, tr := range trials {
		if tr.Repeat != r || tr.Seed != 7+int64(r) || tr.Point != 0 || len(tr.Overrides) != 0 {
			t.Errorf("trial %+v", tr)
		}
	}
}

func TestExpandWithoutSweep(t *testing.T) {
	e := mustParse(t, base, nil)
	trials, diags := e.Expand()
	if diags.HasErrors() || len(trials) != 1 || trials[0].Seed != 7 || len(trials[0].Overrides) != 0 {
		t.Fatalf("%+v %v", trials, diags)
	}
}

func TestExpandChecksHandBuiltSweeps(t *testing.T) {
	tests := []struct {
		s       Sweep
		summary string
	}{
		{Sweep{Method: "grid", Values: []*SweepValue{{Name: "lr", Type: "float", Dist: "uniform", A: 0, B: 1}}}, "Distribution in grid sweep"},
		{Sweep{Method: "random", Trials: 2, Values: []*SweepValue{{Name: "lr", Type: "float", Dist: "loguniform", A: 0, B: 1}}}, "Invalid distribution"},
		{Sweep{Method: "random", Trials: 2, Values: []*SweepValue{{Name: "n", Type: "int", Dist: "uniform", A: 0, B: 1}}}, "does not fit"},
		{Sweep{Method: "random", Trials: 2, Values: []*SweepValue{{Name: "lr", Type: "float", Dist: "normal", A: 0, B: 1}}}, "Unknown sweep function"},
		{Sweep{Method: "grid", Values: []*SweepValue{{Name: "lr", Type: "float"}}}, "Invalid sweep value"},
		{Sweep{Method: "bayes"}, "Unsupported method"},
		{Sweep{Method: "random", Trials: 5000, Repeat: 3, Values: []*SweepValue{{Name: "lr", Type: "float", Choices: []any{1.0}}}}, "Sweep too large"},
	}
	for _, tt := range tests {
		e := &Experiment{Sweep: &tt.s}
		trials, diags := e.Expand()
		if trials != nil || !diags.HasErrors() || !strings.Contains(diags[0].Summary, tt.summary) {
			t.Errorf("%+v: got %v, want %q", tt.s, diags, tt.summary)
		}
	}
}

func TestSweepChoicesTyped(t *testing.T) {
	src := base + `
variable "shape" { default = [64, 64] }
variable "flag"  { default = false }
sweep {
  values = {
    lr     = [1, 0.5]
    latent = [8, 16.0]
    shape  = [[32], [64, 64, 64]]
    flag   = [true, false]
    "act"  = ["x"]
  }
}
variable "act" { default = "relu" }
`
	e := mustParse(t, src, nil)
	got := map[string][]any{}
	for _, v := range e.Sweep.Values {
		got[v.Name] = v.Choices
	}
	want := map[string][]any{
		"lr":     {1.0, 0.5},            // a float variable takes ints, as floats
		"latent": {int64(8), int64(16)}, // an int variable takes whole numbers
		"shape":  {[]any{int64(32)}, []any{int64(64), int64(64), int64(64)}},
		"flag":   {true, false},
		"act":    {"x"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("choices\n got %#v\nwant %#v", got, want)
	}
	trials, _ := e.Expand()
	if len(trials) != 16 {
		t.Fatalf("%d trials", len(trials))
	}
	if o := trials[len(trials)-1].Overrides; o["shape"] != "[64, 64, 64]" || o["flag"] != "false" || o["act"] != "x" {
		t.Errorf("overrides %v", o)
	}
	if te := mustParse(t, src, trials[len(trials)-1].Overrides); !reflect.DeepEqual(te.Variable("shape").Value, []any{int64(64), int64(64), int64(64)}) {
		t.Errorf("shape override %v", te.Variable("shape").Value)
	}
}
