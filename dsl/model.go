package dsl

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

var modelSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "output"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "input", LabelNames: []string{"name"}},
		{Type: "layer", LabelNames: []string{"type", "name"}},
	},
}

var inputSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "shape", Required: true},
	},
}

// modelScope is what references inside one model can name.
type modelScope struct {
	model      string
	inputs     map[string]*hcl.Block
	inputNames []string       // sorted
	layers     map[string]int // name -> position among the model's layers
	blocks     []*hcl.Block   // layer blocks, in order
	layerNames []string       // sorted
}

func (p *parser) decodeModelBlock(block *hcl.Block) (*Model, hcl.Diagnostics) {
	m := &Model{Name: block.Labels[0], DeclRange: block.DefRange}
	diags := validName(block, 0, "model")
	content, d := block.Body.Content(modelSchema)
	diags = append(diags, d...)

	sc := &modelScope{model: m.Name, inputs: map[string]*hcl.Block{}, layers: map[string]int{}}
	for _, b := range content.Blocks {
		switch b.Type {
		case "input":
			diags = append(diags, validName(b, 0, "input")...)
			if prev, dup := sc.inputs[b.Labels[0]]; dup {
				diags = append(diags, duplicate(b, 0, "input", prev.DefRange))
				continue
			}
			sc.inputs[b.Labels[0]] = b
			in, d := p.decodeInputBlock(b)
			diags = append(diags, d...)
			m.Inputs = append(m.Inputs, in)
		case "layer":
			diags = append(diags, validName(b, 1, "layer")...)
			if b.Labels[0] == "" {
				diags = append(diags, errorf(b.LabelRanges[0], "Invalid layer type", "The layer type must not be empty."))
			}
			if prev, dup := sc.layers[b.Labels[1]]; dup {
				diags = append(diags, duplicate(b, 1, "layer", sc.blocks[prev].DefRange))
				continue
			}
			sc.layers[b.Labels[1]] = len(sc.blocks)
			sc.blocks = append(sc.blocks, b)
		}
	}
	sc.inputNames = sortedKeys(sc.inputs)
	sc.layerNames = sortedKeys(sc.layers)

	if len(sc.inputs) == 0 {
		diags = append(diags, errorf(block.DefRange, "Model has no input",
			"Model %q needs at least one input \"NAME\" { shape = [...] } block.", m.Name))
	}
	if len(sc.blocks) == 0 {
		diags = append(diags, errorf(block.DefRange, "Model has no layers",
			"Model %q needs at least one layer \"TYPE\" \"NAME\" { ... } block.", m.Name))
	}
	for i, b := range sc.blocks {
		l, d := p.decodeLayerBlock(b, i, sc)
		diags = append(diags, d...)
		m.Layers = append(m.Layers, l)
	}

	if attr, ok := content.Attributes["output"]; ok {
		outs, d := p.decodeOutputs(attr, sc)
		diags = append(diags, d...)
		m.Outputs = outs
	} else if n := len(m.Layers); n > 0 {
		last := m.Layers[n-1]
		m.Outputs = []Ref{{Kind: "layer", Name: last.Name, Range: last.NameRange}}
	}

	if !diags.HasErrors() {
		diags = append(diags, unused(m)...)
	}
	return m, diags
}

func (p *parser) decodeInputBlock(block *hcl.Block) (*Input, hcl.Diagnostics) {
	in := &Input{Name: block.Labels[0], DeclRange: block.DefRange}
	content, diags := block.Body.Content(inputSchema)
	if attr, ok := content.Attributes["shape"]; ok {
		shape, d := p.shapeAttr(attr)
		diags = append(diags, d...)
		in.Shape = shape
	}
	return in, diags
}

func (p *parser) decodeLayerBlock(block *hcl.Block, i int, sc *modelScope) (*Layer, hcl.Diagnostics) {
	l := &Layer{
		Type:      block.Labels[0],
		Name:      block.Labels[1],
		Attrs:     map[string]*Attr{},
		DeclRange: block.DefRange,
		TypeRange: block.LabelRanges[0],
		NameRange: block.LabelRanges[1],
	}
	attrs, diags := block.Body.JustAttributes()
	one, many := attrs["input"], attrs["inputs"]
	switch {
	case one != nil && many != nil:
		diags = append(diags, errorf(many.NameRange, "Conflicting input attributes",
			"A layer reads either one input (input = layer.NAME) or several (inputs = [...]), not both."))
	case one != nil:
		ref, d := p.modelRef(one.Expr, "input", i, sc)
		diags = append(diags, d...)
		if !d.HasErrors() {
			l.Inputs = []Ref{ref}
		}
	case many != nil:
		refs, d := p.modelRefs(many, i, sc)
		diags = append(diags, d...)
		l.Inputs = refs
	case i > 0:
		prev := sc.blocks[i-1]
		l.Inputs = []Ref{{Kind: "layer", Name: prev.Labels[1], Range: block.DefRange}}
	case len(sc.inputs) == 1:
		l.Inputs = []Ref{{Kind: "input", Name: sc.inputNames[0], Range: block.DefRange}}
	case len(sc.inputs) > 1:
		diags = append(diags, errorf(block.DefRange, "Ambiguous layer input",
			"Model %q has %d inputs (%s), so its first layer must say which it reads: input = input.NAME, or inputs = [...] for a concat.",
			sc.model, len(sc.inputs), quoteAll(sc.inputNames)))
	}

	for _, name := range sortedKeys(attrs) {
		if name == "input" || name == "inputs" {
			continue
		}
		attr := attrs[name]
		v, d := p.eval(attr)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		g, d := toGo(v, attr.Expr.Range())
		diags = append(diags, d...)
		if !d.HasErrors() {
			l.Attrs[name] = &Attr{Name: name, Value: g, Range: attr.Expr.Range()}
		}
	}
	return l, diags
}

func (p *parser) modelRefs(attr *hcl.Attribute, i int, sc *modelScope) ([]Ref, hcl.Diagnostics) {
	exprs, d := hcl.ExprList(attr.Expr)
	if d.HasErrors() {
		return nil, hcl.Diagnostics{errorf(attr.Expr.Range(), "Invalid reference",
			"%s must be a list of references, like [input.z, layer.h].", attr.Name)}
	}
	if len(exprs) == 0 {
		return nil, hcl.Diagnostics{errorf(attr.Expr.Range(), "Invalid reference",
			"%s must name at least one input or layer.", attr.Name)}
	}
	var diags hcl.Diagnostics
	refs := make([]Ref, 0, len(exprs))
	seen := map[string]bool{}
	for _, e := range exprs {
		ref, d := p.modelRef(e, attr.Name, i, sc)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		key := ref.Kind + "." + ref.Name
		if seen[key] {
			diags = append(diags, errorf(ref.Range, "Duplicate reference", "%s appears twice in %s.", key, attr.Name))
			continue
		}
		seen[key] = true
		refs = append(refs, ref)
	}
	return refs, diags
}

// modelRef resolves layer.NAME or input.NAME inside a model, for the layer
// at position i: a layer reference must name an earlier layer.
func (p *parser) modelRef(expr hcl.Expression, what string, i int, sc *modelScope) (Ref, hcl.Diagnostics) {
	tr, d := hcl.AbsTraversalForExpr(expr)
	if d.HasErrors() {
		detail := fmt.Sprintf("%s must be a reference like layer.NAME or input.NAME.", what)
		if v, vd := expr.Value(nil); !vd.HasErrors() && v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
			detail = fmt.Sprintf("%s takes a reference, not a string: write layer.%s or input.%s without quotes.", what, v.AsString(), v.AsString())
		}
		return Ref{}, hcl.Diagnostics{errorf(expr.Range(), "Invalid reference", "%s", detail)}
	}
	rng := tr.SourceRange()
	root := tr.RootName()
	step, isAttr := hcl.TraverseAttr{}, false
	if len(tr) == 2 {
		step, isAttr = tr[1].(hcl.TraverseAttr)
	}
	if (root != "layer" && root != "input") || !isAttr {
		detail := fmt.Sprintf("%s must be layer.NAME (an earlier layer of model %q) or input.NAME (one of its inputs); %s is neither.", what, sc.model, traversalString(tr))
		if len(tr) == 1 {
			if _, ok := sc.layers[root]; ok {
				detail += fmt.Sprintf(" Did you mean layer.%s?", root)
			} else if _, ok := sc.inputs[root]; ok {
				detail += fmt.Sprintf(" Did you mean input.%s?", root)
			}
		}
		return Ref{}, hcl.Diagnostics{errorf(rng, "Invalid reference", "%s", detail)}
	}
	ref := Ref{Kind: root, Name: step.Name, Range: rng}
	if root == "input" {
		if _, ok := sc.inputs[step.Name]; !ok {
			return Ref{}, hcl.Diagnostics{errorf(rng, "Reference to undeclared input",
				"Model %q has no input named %q.%s", sc.model, step.Name, didYouMean(step.Name, sc.inputNames))}
		}
		return ref, nil
	}
	j, ok := sc.layers[step.Name]
	switch {
	case !ok:
		return Ref{}, hcl.Diagnostics{errorf(rng, "Reference to undeclared layer",
			"Model %q has no layer named %q.%s", sc.model, step.Name, didYouMean(step.Name, sc.layerNames))}
	case j == i:
		return Ref{}, hcl.Diagnostics{errorf(rng, "Layer reads itself",
			"Layer %q cannot be its own input; that would be a cycle.", step.Name)}
	case j > i:
		return Ref{}, hcl.Diagnostics{errorf(rng, "Forward layer reference",
			"layer.%s is declared after this layer (line %d). A layer may only read inputs and layers declared before it, which keeps the graph acyclic; move it up if that is what you meant.",
			step.Name, sc.blocks[j].DefRange.Start.Line)}
	}
	return ref, nil
}

func (p *parser) decodeOutputs(attr *hcl.Attribute, sc *modelScope) ([]Ref, hcl.Diagnostics) {
	var refs []Ref
	var diags hcl.Diagnostics
	if _, d := hcl.ExprList(attr.Expr); !d.HasErrors() {
		refs, diags = p.modelRefs(attr, len(sc.blocks), sc)
	} else {
		ref, d := p.modelRef(attr.Expr, attr.Name, len(sc.blocks), sc)
		diags = d
		if !d.HasErrors() {
			refs = []Ref{ref}
		}
	}
	out := refs[:0]
	for _, r := range refs {
		if r.Kind != "layer" {
			diags = append(diags, errorf(r.Range, "Invalid output",
				"A model's outputs are layers; input.%s is an input.", r.Name))
			continue
		}
		out = append(out, r)
	}
	return out, diags
}

// unused warns about layers and inputs nothing reads.
func unused(m *Model) hcl.Diagnostics {
	read := map[string]bool{}
	for _, l := range m.Layers {
		for _, r := range l.Inputs {
			read[r.Kind+"."+r.Name] = true
		}
	}
	for _, r := range m.Outputs {
		read["layer."+r.Name] = true
	}
	var diags hcl.Diagnostics
	for _, in := range m.Inputs {
		if !read["input."+in.Name] {
			diags = append(diags, warningf(in.DeclRange, "Unused input",
				"No layer of model %q reads input %q.", m.Name, in.Name))
		}
	}
	for _, l := range m.Layers {
		if !read["layer."+l.Name] {
			diags = append(diags, warningf(l.DeclRange, "Unused layer",
				"Layer %q is neither read by another layer nor an output of model %q, so it computes nothing useful.", l.Name, m.Name))
		}
	}
	return diags
}
