package dsl

import (
	"github.com/hashicorp/hcl/v2"
)

// ObjectiveKinds are the objective kinds.
var ObjectiveKinds = []string{"elbo", "gan", "classifier"}

var objectiveSchemas = map[string]*hcl.BodySchema{
	"elbo": {Attributes: []hcl.AttributeSchema{
		{Name: "encoder", Required: true},
		{Name: "decoder", Required: true},
		{Name: "data", Required: true},
		{Name: "likelihood"},
		{Name: "kl_weight"},
	}},
	"gan": {Attributes: []hcl.AttributeSchema{
		{Name: "generator", Required: true},
		{Name: "discriminator", Required: true},
		{Name: "data", Required: true},
		{Name: "loss"},
		{Name: "noise"},
		{Name: "d_steps"},
		{Name: "condition"},
	}},
	"classifier": {Attributes: []hcl.AttributeSchema{
		{Name: "model", Required: true},
		{Name: "data", Required: true},
	}},
}

// modelRoles are the attributes of each objective kind that name models, in
// the order Objective.Models returns them.
var modelRoles = map[string][]string{
	"elbo":       {"encoder", "decoder"},
	"gan":        {"generator", "discriminator"},
	"classifier": {"model"},
}

var (
	likelihoods = []string{"bernoulli", "gaussian"}
	ganLosses   = []string{"non_saturating", "minimax"}
	noises      = []string{"normal", "uniform"}
	conditions  = []string{"", "label"}
)

func (p *parser) decodeObjectiveBlock(block *hcl.Block) (*Objective, hcl.Diagnostics) {
	o := &Objective{
		Kind:      block.Labels[0],
		Ranges:    map[string]hcl.Range{},
		KindRange: block.LabelRanges[0],
		DeclRange: block.DefRange,
	}
	schema, ok := objectiveSchemas[o.Kind]
	if !ok {
		return nil, hcl.Diagnostics{errorf(block.LabelRanges[0], "Unsupported objective kind",
			"%q is not an objective; the objectives are %s.%s", o.Kind, quoteAll(ObjectiveKinds), didYouMean(o.Kind, ObjectiveKinds))}
	}
	content, diags := block.Body.Content(schema)
	attrs := content.Attributes
	for name, a := range attrs {
		o.Ranges[name] = a.Expr.Range()
	}

	// Defaults.
	switch o.Kind {
	case "elbo":
		o.Likelihood, o.KLWeight = "bernoulli", 1
	case "gan":
		o.Loss, o.Noise, o.DSteps = "non_saturating", "normal", 1
	}

	roles := map[string]*string{
		"encoder": &o.Encoder, "decoder": &o.Decoder,
		"generator": &o.Generator, "discriminator": &o.Discriminator,
		"model": &o.Model,
	}
	used := map[string]string{} // model name -> role
	for _, role := range modelRoles[o.Kind] {
		a, ok := attrs[role]
		if !ok {
			continue
		}
		name, rng, d := p.refTo(a, "model", p.models)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		if prev, twice := used[name]; twice {
			diags = append(diags, errorf(rng, "Same model in two roles",
				"model.%s is already the %s; the %s must be a different model.", name, prev, role))
			continue
		}
		used[name] = role
		*roles[role] = name
	}
	var dd hcl.Diagnostics
	if a, ok := attrs["data"]; ok {
		o.Data, _, dd = p.refTo(a, "data", p.data)
		diags = append(diags, dd...)
	}
	if a, ok := attrs["likelihood"]; ok {
		o.Likelihood, dd = p.enumAttr(a, likelihoods)
		diags = append(diags, dd...)
	}
	if a, ok := attrs["kl_weight"]; ok {
		o.KLWeight, dd = p.floatIn(a, nonNegative, "at least 0")
		diags = append(diags, dd...)
	}
	if a, ok := attrs["loss"]; ok {
		o.Loss, dd = p.enumAttr(a, ganLosses)
		diags = append(diags, dd...)
	}
	if a, ok := attrs["noise"]; ok {
		o.Noise, dd = p.enumAttr(a, noises)
		diags = append(diags, dd...)
	}
	if a, ok := attrs["d_steps"]; ok {
		o.DSteps, dd = p.intAttr(a, 1, 1000)
		diags = append(diags, dd...)
	}
	if a, ok := attrs["condition"]; ok {
		o.Condition, dd = p.enumAttr(a, conditions)
		diags = append(diags, dd...)
		if !dd.HasErrors() && o.Condition == "label" {
			diags = append(diags, p.checkConditionInputs(o, a.Expr.Range())...)
		}
	}
	if a, ok := attrs["data"]; ok && o.Data != "" && (o.Condition == "label" || o.Kind == "classifier") {
		diags = append(diags, p.checkLabeled(o.Data, a.Expr.Range())...)
	}
	return o, diags
}

// checkConditionInputs: condition = "label" feeds the one-hot label into
// each model's input "y".
func (p *parser) checkConditionInputs(o *Objective, rng hcl.Range) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, name := range []string{o.Generator, o.Discriminator} {
		m := p.decoded[name]
		if m == nil {
			continue // not decoded cleanly; its own errors say why
		}
		if m.Input("y") == nil {
			diags = append(diags, errorf(rng, "Missing condition input",
				"condition = \"label\" feeds the one-hot label into each model's input \"y\", but model %q has no input \"y\".", name))
		}
	}
	return diags
}

// checkLabeled reports data without labels where labels are needed.
func (p *parser) checkLabeled(name string, rng hcl.Range) hcl.Diagnostics {
	d := p.dataDecoded[name]
	if d == nil {
		return nil
	}
	labeled := true
	switch d.Kind {
	case "idx", "csv":
		labeled = d.Labels != ""
	case "images":
		labeled = false
	}
	if labeled {
		return nil
	}
	return hcl.Diagnostics{errorf(rng, "Data has no labels",
		"This objective needs labelled data, but %s data %q has none (idx and csv data take labels = ...).", d.Kind, d.Name)}
}
