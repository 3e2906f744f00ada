package dsl

import (
	"github.com/hashicorp/hcl/v2"
)

// OptimizerKinds are the optimizer kinds.
var OptimizerKinds = []string{"adam", "sgd"}

// Schedules are the learning-rate schedules: the rate times 1, times
// 1 − s/S (linear decay to 0) or times (1 + cos πs/S)/2, at step s of S.
var Schedules = []string{"constant", "linear", "cosine"}

var optimizerSchemas = map[string]*hcl.BodySchema{
	"adam": {Attributes: []hcl.AttributeSchema{
		{Name: "models", Required: true},
		{Name: "lr"},
		{Name: "beta1"},
		{Name: "beta2"},
		{Name: "eps"},
		{Name: "weight_decay"},
		{Name: "schedule"},
	}},
	"sgd": {Attributes: []hcl.AttributeSchema{
		{Name: "models", Required: true},
		{Name: "lr"},
		{Name: "momentum"},
		{Name: "weight_decay"},
		{Name: "schedule"},
	}},
}

func (p *parser) decodeOptimizerBlock(block *hcl.Block) (*Optimizer, hcl.Diagnostics) {
	o := &Optimizer{
		Kind:      block.Labels[0],
		Name:      block.Labels[1],
		Ranges:    map[string]hcl.Range{},
		DeclRange: block.DefRange,
	}
	diags := validName(block, 1, "optimizer")
	schema, ok := optimizerSchemas[o.Kind]
	if !ok {
		return nil, append(diags, errorf(block.LabelRanges[0], "Unsupported optimizer kind",
			"%q is not an optimizer; the optimizers are %s.%s", o.Kind, quoteAll(OptimizerKinds), didYouMean(o.Kind, OptimizerKinds)))
	}
	content, cd := block.Body.Content(schema)
	diags = append(diags, cd...)
	attrs := content.Attributes
	for name, a := range attrs {
		o.Ranges[name] = a.Expr.Range()
	}

	switch o.Kind {
	case "adam":
		o.LR, o.Beta1, o.Beta2, o.Eps = 0.001, 0.9, 0.999, 1e-8
	case "sgd":
		o.LR = 0.01
	}

	if a, ok := attrs["models"]; ok {
		models, ranges, d := p.decodeModelList(a)
		diags = append(diags, d...)
		o.Models = models
		for i, name := range models {
			o.Ranges["model."+name] = ranges[i]
		}
	}
	var dd hcl.Diagnostics
	unitInterval := func(f float64) bool { return f >= 0 && f < 1 }
	if a, ok := attrs["lr"]; ok {
		o.LR, dd = p.floatIn(a, positive, "greater than 0")
		diags = append(diags, dd...)
	}
	if a, ok := attrs["beta1"]; ok {
		o.Beta1, dd = p.floatIn(a, unitInterval, "in [0, 1)")
		diags = append(diags, dd...)
	}
	if a, ok := attrs["beta2"]; ok {
		o.Beta2, dd = p.floatIn(a, unitInterval, "in [0, 1)")
		diags = append(diags, dd...)
	}
	if a, ok := attrs["eps"]; ok {
		o.Eps, dd = p.floatIn(a, positive, "greater than 0")
		diags = append(diags, dd...)
	}
	if a, ok := attrs["momentum"]; ok {
		o.Momentum, dd = p.floatIn(a, unitInterval, "in [0, 1)")
		diags = append(diags, dd...)
	}
	if a, ok := attrs["weight_decay"]; ok {
		o.WeightDecay, dd = p.floatIn(a, nonNegative, "at least 0")
		diags = append(diags, dd...)
	}
	o.Schedule = "constant"
	if a, ok := attrs["schedule"]; ok {
		o.Schedule, dd = p.enumAttr(a, Schedules)
		diags = append(diags, dd...)
	}
	return o, diags
}

// decodeModelList decodes models = [model.A, model.B].
func (p *parser) decodeModelList(attr *hcl.Attribute) ([]string, []hcl.Range, hcl.Diagnostics) {
	exprs, d := hcl.ExprList(attr.Expr)
	if d.HasErrors() {
		detail := "models must be a list of model references, like [model.generator]."
		if tr, td := hcl.AbsTraversalForExpr(attr.Expr); !td.HasErrors() {
			detail = "models must be a list, even for one model: write [" + traversalString(tr) + "]."
		}
		return nil, nil, hcl.Diagnostics{errorf(attr.Expr.Range(), "Invalid models", "%s", detail)}
	}
	if len(exprs) == 0 {
		return nil, nil, hcl.Diagnostics{errorf(attr.Expr.Range(), "Invalid models", "An optimizer must update at least one model.")}
	}
	var diags hcl.Diagnostics
	var names []string
	var ranges []hcl.Range
	seen := map[string]bool{}
	for _, e := range exprs {
		name, rng, d := p.refExpr(e, "each element of models", "model", p.models)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		if seen[name] {
			diags = append(diags, errorf(rng, "Duplicate reference", "model.%s appears twice in models.", name))
			continue
		}
		seen[name] = true
		names = append(names, name)
		ranges = append(ranges, rng)
	}
	return names, ranges, diags
}

// checkOptimizerCoverage: every model the objective trains is updated by
// exactly one optimizer, and optimizers update nothing else.
func checkOptimizerCoverage(obj *Objective, opts []*Optimizer) hcl.Diagnostics {
	var diags hcl.Diagnostics
	trained := map[string]bool{}
	for _, m := range obj.Models() {
		trained[m] = true
	}
	owner := map[string]*Optimizer{}
	for _, o := range opts {
		for _, name := range o.Models {
			rng := o.Ranges["model."+name]
			switch prev := owner[name]; {
			case !trained[name]:
				diags = append(diags, errorf(rng, "Model not trained by the objective",
					"Optimizer %q updates model.%s, but the %s objective does not use that model.", o.Name, name, obj.Kind))
			case prev != nil:
				diags = append(diags, errorf(rng, "Model updated by two optimizers",
					"model.%s is already updated by optimizer %q (line %d); each model has exactly one optimizer.", name, prev.Name, prev.DeclRange.Start.Line))
			default:
				owner[name] = o
			}
		}
	}
	models := obj.Models()
	for i, role := range modelRoles[obj.Kind] {
		if owner[models[i]] == nil {
			diags = append(diags, errorf(obj.Ranges[role], "Model not optimized",
				"No optimizer lists model.%s in its models, so its weights would never change.", models[i]))
		}
	}
	return diags
}
