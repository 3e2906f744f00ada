package dsl

import (
	"math"

	"github.com/hashicorp/hcl/v2"
)

// dataSchemas lists the attributes of each data kind.
var dataSchemas = map[string]*hcl.BodySchema{
	"mnist": {Attributes: []hcl.AttributeSchema{
		{Name: "split"}, {Name: "scale"}, {Name: "limit"},
	}},
	"gaussian_mixture": {Attributes: []hcl.AttributeSchema{
		{Name: "layout"}, {Name: "modes"}, {Name: "radius"}, {Name: "std"}, {Name: "samples"},
	}},
	"idx": {Attributes: []hcl.AttributeSchema{
		{Name: "path", Required: true}, {Name: "labels"}, {Name: "shape"}, {Name: "scale"}, {Name: "limit"},
	}},
	"csv": {Attributes: []hcl.AttributeSchema{
		{Name: "path", Required: true}, {Name: "labels"}, {Name: "shape"}, {Name: "limit"},
	}},
	"images": {Attributes: []hcl.AttributeSchema{
		{Name: "path", Required: true}, {Name: "shape"}, {Name: "scale"}, {Name: "limit"},
	}},
}

// DataKinds are the data kinds, in the order documented.
var DataKinds = []string{"mnist", "gaussian_mixture", "idx", "csv", "images"}

var (
	splits  = []string{"train", "test"}
	scales  = []string{"unit", "tanh", "binarize", "none"}
	layouts = []string{"ring", "grid"}
)

func (p *parser) decodeDataBlock(block *hcl.Block) (*Data, hcl.Diagnostics) {
	d := &Data{
		Kind:      block.Labels[0],
		Name:      block.Labels[1],
		Ranges:    map[string]hcl.Range{},
		DeclRange: block.DefRange,
		KindRange: block.LabelRanges[0],
		NameRange: block.LabelRanges[1],
	}
	diags := validName(block, 1, "data")
	schema, ok := dataSchemas[d.Kind]
	if !ok {
		return nil, append(diags, errorf(block.LabelRanges[0], "Unsupported data kind",
			"%q is not a data kind; the kinds are %s.%s", d.Kind, quoteAll(DataKinds), didYouMean(d.Kind, DataKinds)))
	}
	content, cd := block.Body.Content(schema)
	diags = append(diags, cd...)
	attrs := content.Attributes
	for name, a := range attrs {
		d.Ranges[name] = a.Expr.Range()
	}

	// Defaults, by kind.
	switch d.Kind {
	case "mnist":
		d.Split, d.Scale = "train", "unit"
	case "gaussian_mixture":
		d.Layout, d.Modes, d.Radius, d.Std, d.Samples = "ring", 8, 2.0, 0.02, 10000
	case "images":
		d.Scale = "unit"
	} // idx and csv: empty means the data package's rule (bytes: unit; other types: none)

	var dd hcl.Diagnostics
	if a, ok := attrs["split"]; ok {
		d.Split, dd = p.enumAttr(a, splits)
		diags = append(diags, dd...)
	}
	if a, ok := attrs["scale"]; ok {
		d.Scale, dd = p.enumAttr(a, scales)
		diags = append(diags, dd...)
	}
	if a, ok := attrs["limit"]; ok {
		d.Limit, dd = p.intAttr(a, 0, 1<<31)
		diags = append(diags, dd...)
	}
	if a, ok := attrs["layout"]; ok {
		d.Layout, dd = p.enumAttr(a, layouts)
		diags = append(diags, dd...)
		if d.Layout == "grid" {
			d.Modes = 25 // a 5x5 grid, as in the mode-collapse literature
		}
	}
	if a, ok := attrs["modes"]; ok {
		d.Modes, dd = p.intAttr(a, 1, 10000)
		diags = append(diags, dd...)
		if !dd.HasErrors() && d.Layout == "grid" {
			if r := int(math.Round(math.Sqrt(float64(d.Modes)))); r*r != d.Modes {
				diags = append(diags, errorf(a.Expr.Range(), "Invalid modes for grid layout",
					"A grid layout places modes on a square grid, so modes must be a perfect square (4, 9, 16, 25, ...); got %d.", d.Modes))
			}
		}
	}
	if a, ok := attrs["radius"]; ok {
		d.Radius, dd = p.floatIn(a, positive, "greater than 0")
		diags = append(diags, dd...)
	}
	if a, ok := attrs["std"]; ok {
		d.Std, dd = p.floatIn(a, positive, "greater than 0")
		diags = append(diags, dd...)
	}
	if a, ok := attrs["samples"]; ok {
		d.Samples, dd = p.intAttr(a, 1, 100_000_000)
		diags = append(diags, dd...)
	}
	if a, ok := attrs["path"]; ok {
		d.Path, dd = p.stringAttr(a)
		diags = append(diags, dd...)
		if !dd.HasErrors() && d.Path == "" {
			diags = append(diags, errorf(a.Expr.Range(), "Invalid path", "path must not be empty."))
		}
	}
	if a, ok := attrs["labels"]; ok {
		d.Labels, dd = p.stringAttr(a)
		diags = append(diags, dd...)
	}
	if a, ok := attrs["shape"]; ok {
		d.Shape, dd = p.shapeAttr(a)
		diags = append(diags, dd...)
	}
	return d, diags
}

func positive(f float64) bool    { return f > 0 }
func nonNegative(f float64) bool { return f >= 0 }
