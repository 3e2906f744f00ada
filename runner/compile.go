package runner

import (
	"fmt"
	"math/rand/v2"
	"sort"

	"github.com/hashicorp/hcl/v2"

	"github.com/exp-ml/exp/dsl"
	"github.com/exp-ml/exp/graph"
	"github.com/exp-ml/exp/layers"
)

// Model is one compiled layer graph.
type Model struct {
	Name   string
	Spec   *dsl.Model
	Graph  *graph.Graph
	Layers []LayerInfo
	// InputShapes and OutputShapes are per example, in declaration order.
	InputShapes  map[string][]int
	OutputShapes [][]int
}

// LayerInfo is one row of a model summary.
type LayerInfo struct {
	Name, Type string
	Shape      []int
	Params     int
	// Bytes estimates the layer's memory per example of a batch (values and
	// gradients of its activations).
	Bytes int64
}

// Program is a compiled experiment, ready to train.
type Program struct {
	Exp    *dsl.Experiment
	Models []*Model
	// DataShapes gives each data block's per-example shape and class count.
	DataShapes map[string]DataShape
}

// DataShape is what Compile needs to know of a dataset before loading it.
type DataShape struct {
	Shape      []int
	NumClasses int
	N          int // examples
}

// Model finds a compiled model by name.
func (p *Program) Model(name string) *Model {
	for _, m := range p.Models {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// CompileOptions bound what Compile accepts.
type CompileOptions struct {
	// MaxMem refuses experiments whose estimated training memory exceeds it
	// (bytes; 0 = no limit).
	MaxMem int64
}

// Compile checks every layer's attributes and shapes, the shapes the
// objective joins across models and datasets, and the estimated memory, then
// builds the graphs with their initial weights drawn from the run seed.
// Every problem is a diagnostic at the block or attribute responsible.
func Compile(e *dsl.Experiment, opts CompileOptions) (*Program, hcl.Diagnostics) {
	p := &Program{Exp: e, DataShapes: map[string]DataShape{}}
	var diags hcl.Diagnostics
	for _, d := range e.Data {
		s, err := dataShape(e, d)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read dataset",
				Detail: err.Error(), Subject: d.DeclRange.Ptr()})
			continue
		}
		p.DataShapes[d.Name] = s
	}
	for _, m := range e.Models {
		cm, ds := inferModel(m)
		diags = append(diags, ds...)
		if cm != nil {
			p.Models = append(p.Models, cm)
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	diags = append(diags, checkObjective(p)...)
	diags = append(diags, checkBatch(p)...)
	if diags.HasErrors() {
		return nil, diags
	}
	diags = append(diags, checkMemory(p, opts.MaxMem)...)
	if diags.HasErrors() {
		return nil, diags
	}
	for _, m := range p.Models {
		m.Graph = buildModel(m.Spec, graph.NewBuilder(), streamRand(e.Seed, "init/"+m.Name))
	}
	return p, diags
}

// inferModel type-checks a model's layers and infers every shape without
// allocating anything.
func inferModel(m *dsl.Model) (*Model, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	cm := &Model{Name: m.Name, Spec: m, InputShapes: map[string][]int{}}
	shapes := map[string][]int{} // "input.x" / "layer.h" → shape
	for _, in := range m.Inputs {
		shapes["input."+in.Name] = in.Shape
		cm.InputShapes[in.Name] = in.Shape
	}
	for _, l := range m.Layers {
		t, ok := layers.Lookup(l.Type)
		if !ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown layer type",
				Detail: fmt.Sprintf("There is no layer type %q.%s Layer types: %v.", l.Type,
					dsl.DidYouMean(l.Type, layers.Names()), layers.Names()),
				Subject: l.TypeRange.Ptr()})
			continue
		}
		values := map[string]any{}
		for name, a := range l.Attrs {
			values[name] = a.Value
		}
		cfg, errs := t.Resolve(values)
		for _, err := range errs {
			diags = append(diags, layerDiag(l, err))
		}
		if len(errs) > 0 {
			continue
		}
		var in [][]int
		missing := false
		for _, r := range l.Inputs {
			s, ok := shapes[r.Kind+"."+r.Name]
			if !ok {
				missing = true // reported already, or a layer that failed
				break
			}
			in = append(in, s)
		}
		if missing {
			continue
		}
		if n := len(in); n < t.MinInputs || (t.MaxInputs > 0 && n > t.MaxInputs) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Wrong number of inputs",
				Detail:  fmt.Sprintf("A %s layer reads %s, but %q has %d.", t.Name, inputCount(t), l.Name, n),
				Subject: l.DeclRange.Ptr()})
			continue
		}
		out, err := t.Infer(cfg, in)
		if err != nil {
			diags = append(diags, layerDiag(l, err))
			continue
		}
		shapes["layer."+l.Name] = out
		cm.Layers = append(cm.Layers, LayerInfo{Name: l.Name, Type: l.Type, Shape: out})
	}
	if diags.HasErrors() {
		return nil, diags
	}
	for _, o := range outputRefs(m) {
		cm.OutputShapes = append(cm.OutputShapes, shapes[o.Kind+"."+o.Name])
	}
	// Parameter counts and activation sizes, from a builder that allocates nothing.
	b := graph.NewShapeBuilder()
	buildModel(m, b, nil)
	for i := range cm.Layers {
		cm.Layers[i].Params = b.ParamsUnder(cm.Layers[i].Name + ".")
		cm.Layers[i].Bytes = int64(graph.Numel(cm.Layers[i].Shape)) * 4 * 2
	}
	return cm, diags
}

func inputCount(t *layers.Type) string {
	switch {
	case t.MaxInputs == t.MinInputs:
		return fmt.Sprintf("exactly %d input(s)", t.MinInputs)
	case t.MaxInputs == 0:
		return fmt.Sprintf("at least %d inputs", t.MinInputs)
	}
	return fmt.Sprintf("%d to %d inputs", t.MinInputs, t.MaxInputs)
}

// layerDiag places a layers.AttrError on the attribute, the input reference
// or the layer block it concerns.
func layerDiag(l *dsl.Layer, err *layers.AttrError) *hcl.Diagnostic {
	summary := "Invalid layer attribute"
	if err.Input >= 0 {
		summary = "Shape mismatch"
	}
	subject := l.DeclRange
	if a, ok := l.Attrs[err.Attr]; ok && err.Attr != "" {
		subject = a.Range
	} else if err.Input >= 0 && err.Input < len(l.Inputs) && l.Inputs[err.Input].Range.Filename != "" {
		subject = l.Inputs[err.Input].Range
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary,
		Detail: fmt.Sprintf("Layer %q (%s): %s.", l.Name, l.Type, err.Msg), Subject: subject.Ptr()}
}

// outputRefs are the model's outputs: the declared ones, or its last layer.
func outputRefs(m *dsl.Model) []dsl.Ref {
	if len(m.Outputs) > 0 {
		return m.Outputs
	}
	if len(m.Layers) == 0 {
		return nil
	}
	last := m.Layers[len(m.Layers)-1]
	return []dsl.Ref{{Kind: "layer", Name: last.Name, Range: last.DeclRange}}
}

// buildModel lowers a checked model into b; rng draws the initial weights
// (nil with a shape builder).
func buildModel(m *dsl.Model, b *graph.Builder, rng *rand.Rand) *graph.Graph {
	nodes := map[string]*graph.Node{}
	for _, in := range m.Inputs {
		nodes["input."+in.Name] = b.Input(in.Name, in.Shape...)
	}
	for _, l := range m.Layers {
		t, _ := layers.Lookup(l.Type)
		values := map[string]any{}
		for name, a := range l.Attrs {
			values[name] = a.Value
		}
		cfg, _ := t.Resolve(values)
		var ins []*graph.Node
		for _, ref := range l.Inputs {
			ins = append(ins, nodes[ref.Kind+"."+ref.Name])
		}
		nodes["layer."+l.Name] = t.Build(b, l.Name, cfg, ins, rng)
	}
	var outs []*graph.Node
	for _, o := range outputRefs(m) {
		outs = append(outs, nodes[o.Kind+"."+o.Name])
	}
	return b.Build(outs...)
}

// sortedKeys lists a map's keys in order, for deterministic iteration.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
