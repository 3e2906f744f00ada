package dsl

import (
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// refPlaces says where references other than var.NAME are allowed.
var refPlaces = map[string]string{
	"layer": "a layer's input or inputs and a model's output",
	"input": "a layer's input or inputs",
	"model": "an objective's model roles and an optimizer's models",
	"data":  "the data attribute of an objective or evaluate block",
}

// checkRefs allows only var.NAME references in expr, naming undeclared
// variables with a suggestion.
func (p *parser) checkRefs(expr hcl.Expression) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, tr := range expr.Variables() {
		rng := tr.SourceRange()
		root := tr.RootName()
		switch {
		case root == "var" && len(tr) == 1:
			diags = append(diags, errorf(rng, "Invalid reference",
				"var must be followed by a variable name, like var.lr."))
		case root == "var":
			step, ok := tr[1].(hcl.TraverseAttr)
			if !ok {
				diags = append(diags, errorf(rng, "Invalid reference",
					"Variables are read as var.NAME."))
				continue
			}
			if _, declared := p.vars[step.Name]; !declared {
				diags = append(diags, errorf(rng, "Reference to undeclared variable",
					"No variable named %q is declared.%s", step.Name, didYouMean(step.Name, p.varNames)))
			}
		case refPlaces[root] != "":
			diags = append(diags, errorf(rng, "Invalid reference",
				"%s.NAME references belong in %s; here only variables (var.NAME) can be read.", root, refPlaces[root]))
		case len(tr) == 1:
			detail := fmt.Sprintf("%q is not a value. For a string write %q in quotes; for a variable write var.%s.", root, root, root)
			if _, declared := p.vars[root]; declared {
				detail = fmt.Sprintf("Variables are read as var.NAME: write var.%s.", root)
			}
			diags = append(diags, errorf(rng, "Invalid reference", "%s", detail))
		default:
			diags = append(diags, errorf(rng, "Invalid reference",
				"There is nothing called %q to read here; only variables (var.NAME) can be read.", root))
		}
	}
	return diags
}

// eval evaluates an attribute that may read variables; the value is known
// and not null when no error is returned.
func (p *parser) eval(attr *hcl.Attribute) (cty.Value, hcl.Diagnostics) {
	diags := p.checkRefs(attr.Expr)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	v, d := attr.Expr.Value(p.ctx)
	diags = append(diags, d...)
	if d.HasErrors() {
		return cty.NilVal, diags
	}
	if v.IsNull() {
		return cty.NilVal, append(diags, errorf(attr.Expr.Range(), "Invalid value", "%s must not be null.", attr.Name))
	}
	if !v.IsWhollyKnown() {
		// Only a variable with a broken declaration is unknown; that is
		// reported already.
		return cty.NilVal, append(diags, cascade(attr.Expr.Range()))
	}
	return v, diags
}

func typeError(attr *hcl.Attribute, want string, v cty.Value) *hcl.Diagnostic {
	return errorf(attr.Expr.Range(), "Incorrect attribute value type",
		"%s must be %s; got %s.", attr.Name, want, friendlyType(v))
}

func friendlyType(v cty.Value) string {
	ty := v.Type()
	switch {
	case ty == cty.Number:
		return "a number"
	case ty == cty.String:
		return "a string"
	case ty == cty.Bool:
		return "a bool"
	case ty.IsTupleType() || ty.IsListType() || ty.IsSetType():
		return "a list"
	case ty.IsObjectType() || ty.IsMapType():
		return "an object"
	}
	return ty.FriendlyName()
}

// ctyInt converts a known number to int64 when it is whole and in range.
func ctyInt(v cty.Value) (int64, bool) {
	bf := v.AsBigFloat()
	if !bf.IsInt() {
		return 0, false
	}
	i, acc := bf.Int64()
	return i, acc == big.Exact
}

// ctyFloat converts a known number to a finite float64.
func ctyFloat(v cty.Value) (float64, bool) {
	f, _ := v.AsBigFloat().Float64()
	return f, !math.IsInf(f, 0) && !math.IsNaN(f)
}

func (p *parser) intAttr(attr *hcl.Attribute, lo, hi int64) (int, hcl.Diagnostics) {
	v, diags := p.eval(attr)
	if diags.HasErrors() {
		return 0, diags
	}
	if v.Type() != cty.Number {
		return 0, append(diags, typeError(attr, "a whole number", v))
	}
	i, ok := ctyInt(v)
	if !ok {
		if v.AsBigFloat().IsInt() {
			return 0, append(diags, errorf(attr.Expr.Range(), "Value out of range",
				"%s must be between %d and %d.", attr.Name, lo, hi))
		}
		return 0, append(diags, errorf(attr.Expr.Range(), "Incorrect attribute value type",
			"%s must be a whole number; got %s.", attr.Name, v.AsBigFloat().Text('g', 10)))
	}
	if i < lo || i > hi {
		return 0, append(diags, errorf(attr.Expr.Range(), "Value out of range",
			"%s must be between %d and %d; got %d.", attr.Name, lo, hi, i))
	}
	return int(i), diags
}

func (p *parser) floatAttr(attr *hcl.Attribute) (float64, hcl.Diagnostics) {
	v, diags := p.eval(attr)
	if diags.HasErrors() {
		return 0, diags
	}
	if v.Type() != cty.Number {
		return 0, append(diags, typeError(attr, "a number", v))
	}
	f, ok := ctyFloat(v)
	if !ok {
		return 0, append(diags, errorf(attr.Expr.Range(), "Value out of range",
			"%s does not fit a 64-bit float.", attr.Name))
	}
	return f, diags
}

// floatIn decodes a float attribute and checks it against a condition
// described in words ("greater than 0").
func (p *parser) floatIn(attr *hcl.Attribute, ok func(float64) bool, want string) (float64, hcl.Diagnostics) {
	f, diags := p.floatAttr(attr)
	if diags.HasErrors() {
		return 0, diags
	}
	if !ok(f) {
		return 0, append(diags, errorf(attr.Expr.Range(), "Value out of range",
			"%s must be %s; got %g.", attr.Name, want, f))
	}
	return f, diags
}

func (p *parser) stringAttr(attr *hcl.Attribute) (string, hcl.Diagnostics) {
	v, diags := p.eval(attr)
	if diags.HasErrors() {
		return "", diags
	}
	if v.Type() != cty.String {
		return "", append(diags, typeError(attr, "a string", v))
	}
	return v.AsString(), diags
}

// enumAttr decodes a string that must be one of options; the summary of a
// wrong value is "Unsupported <attr>".
func (p *parser) enumAttr(attr *hcl.Attribute, options []string) (string, hcl.Diagnostics) {
	s, diags := p.stringAttr(attr)
	if diags.HasErrors() {
		return "", diags
	}
	for _, o := range options {
		if s == o {
			return s, diags
		}
	}
	return "", append(diags, errorf(attr.Expr.Range(), "Unsupported "+attr.Name,
		"%s must be %s; got %q.%s", attr.Name, quoteList(options), s, didYouMean(s, options)))
}

// listElems evaluates a list attribute and returns its elements with the
// range of each element's expression when the list is written literally.
func (p *parser) listElems(attr *hcl.Attribute) ([]cty.Value, []hcl.Range, hcl.Diagnostics) {
	v, diags := p.eval(attr)
	if diags.HasErrors() {
		return nil, nil, diags
	}
	ty := v.Type()
	if !ty.IsTupleType() && !ty.IsListType() {
		return nil, nil, append(diags, typeError(attr, "a list", v))
	}
	elems := v.AsValueSlice()
	ranges := make([]hcl.Range, len(elems))
	exprs, d := hcl.ExprList(attr.Expr)
	for i := range ranges {
		if d.HasErrors() || len(exprs) != len(elems) {
			ranges[i] = attr.Expr.Range()
		} else {
			ranges[i] = exprs[i].Range()
		}
	}
	return elems, ranges, diags
}

func (p *parser) stringsAttr(attr *hcl.Attribute) ([]string, hcl.Diagnostics) {
	out, _, diags := p.stringsWithRanges(attr)
	return out, diags
}

// stringsWithRanges decodes a list of strings with each element's range.
func (p *parser) stringsWithRanges(attr *hcl.Attribute) ([]string, []hcl.Range, hcl.Diagnostics) {
	elems, ranges, diags := p.listElems(attr)
	if diags.HasErrors() {
		return nil, nil, diags
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		s, ok := stringValue(e)
		if !ok {
			diags = append(diags, errorf(ranges[i], "Incorrect attribute value type",
				"%s must be a list of strings; element %d is %s.", attr.Name, i, friendlyType(e)))
			continue
		}
		out[i] = s
	}
	return out, ranges, diags
}

// Bounds on shapes: each dimension and the product of all of them.
const (
	maxDim       = 1 << 20
	maxShapeSize = 1 << 26
)

// shapeAttr decodes a list of positive dimensions.
func (p *parser) shapeAttr(attr *hcl.Attribute) ([]int, hcl.Diagnostics) {
	elems, ranges, diags := p.listElems(attr)
	if diags.HasErrors() {
		return nil, diags
	}
	if len(elems) == 0 {
		return nil, append(diags, errorf(attr.Expr.Range(), "Invalid shape", "A shape needs at least one dimension."))
	}
	if len(elems) > 8 {
		return nil, append(diags, errorf(attr.Expr.Range(), "Invalid shape", "A shape has at most 8 dimensions; this one has %d.", len(elems)))
	}
	shape := make([]int, 0, len(elems))
	size := int64(1)
	for i, e := range elems {
		if e.IsNull() || e.Type() != cty.Number {
			diags = append(diags, errorf(ranges[i], "Invalid shape", "Dimensions are whole numbers; element %d is %s.", i, friendlyType(e)))
			continue
		}
		n, ok := ctyInt(e)
		if !ok || n < 1 || n > maxDim {
			diags = append(diags, errorf(ranges[i], "Invalid shape",
				"Dimensions are whole numbers from 1 to %d; element %d is %s.", maxDim, i, e.AsBigFloat().Text('g', 10)))
			continue
		}
		size *= n
		if size > maxShapeSize {
			return nil, append(diags, errorf(attr.Expr.Range(), "Invalid shape",
				"A shape holds at most %d elements per example.", maxShapeSize))
		}
		shape = append(shape, int(n))
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return shape, diags
}

// toGo converts an evaluated value into the plain Go values dsl hands out:
// whole numbers up to 2^53 as int64, other numbers as float64, strings,
// bools and []any of those.
func toGo(v cty.Value, rng hcl.Range) (any, hcl.Diagnostics) {
	if v.IsNull() {
		return nil, hcl.Diagnostics{errorf(rng, "Invalid value", "null is not a value here.")}
	}
	ty := v.Type()
	switch {
	case ty == cty.Number:
		if i, ok := ctyInt(v); ok && i >= -(1<<53) && i <= 1<<53 {
			return i, nil
		}
		f, ok := ctyFloat(v)
		if !ok {
			return nil, hcl.Diagnostics{errorf(rng, "Value out of range", "The number does not fit a 64-bit float.")}
		}
		return f, nil
	case ty == cty.String:
		return v.AsString(), nil
	case ty == cty.Bool:
		return v.True(), nil
	case ty.IsTupleType() || ty.IsListType() || ty.IsSetType():
		var diags hcl.Diagnostics
		out := make([]any, 0, v.LengthInt())
		for _, e := range v.AsValueSlice() {
			g, d := toGo(e, rng)
			diags = append(diags, d...)
			out = append(out, g)
		}
		return out, diags
	}
	return nil, hcl.Diagnostics{errorf(rng, "Unsupported value type",
		"Values here are numbers, strings, bools or lists of them; got %s.", friendlyType(v))}
}

// toCty is the inverse of toGo, for the evaluation context.
func toCty(v any) cty.Value {
	switch v := v.(type) {
	case int64:
		return cty.NumberIntVal(v)
	case float64:
		return cty.NumberFloatVal(v)
	case string:
		return cty.StringVal(v)
	case bool:
		return cty.BoolVal(v)
	case []any:
		if len(v) == 0 {
			return cty.EmptyTupleVal
		}
		elems := make([]cty.Value, len(v))
		for i, e := range v {
			elems[i] = toCty(e)
		}
		return cty.TupleVal(elems)
	}
	panic(fmt.Sprintf("dsl: no cty value for %T", v))
}

// refTo decodes an attribute that must be a reference kind.NAME to a
// declared block ("model" or "data").
func (p *parser) refTo(attr *hcl.Attribute, kind string, declared map[string]*hcl.Block) (string, hcl.Range, hcl.Diagnostics) {
	return p.refExpr(attr.Expr, attr.Name, kind, declared)
}

func (p *parser) refExpr(expr hcl.Expression, what, kind string, declared map[string]*hcl.Block) (string, hcl.Range, hcl.Diagnostics) {
	noun := map[string]string{"model": "model", "data": "dataset"}[kind]
	tr, d := hcl.AbsTraversalForExpr(expr)
	if d.HasErrors() {
		detail := fmt.Sprintf("%s must be a reference like %s.NAME.", what, kind)
		if v, vd := expr.Value(nil); !vd.HasErrors() && v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
			detail = fmt.Sprintf("%s takes a reference, not a string: write %s.%s without quotes.", what, kind, v.AsString())
		}
		return "", expr.Range(), hcl.Diagnostics{errorf(expr.Range(), "Invalid reference", "%s", detail)}
	}
	return p.refStep(tr, what, kind, noun, declared)
}

func (p *parser) refStep(tr hcl.Traversal, what, kind, noun string, declared map[string]*hcl.Block) (string, hcl.Range, hcl.Diagnostics) {
	rng := tr.SourceRange()
	step, isAttr := hcl.TraverseAttr{}, false
	if len(tr) == 2 {
		step, isAttr = tr[1].(hcl.TraverseAttr)
	}
	if tr.RootName() != kind || !isAttr {
		return "", rng, hcl.Diagnostics{errorf(rng, "Invalid reference",
			"%s must name a %s, like %s.NAME; %s does not.", what, noun, kind, traversalString(tr))}
	}
	if _, ok := declared[step.Name]; !ok {
		return "", rng, hcl.Diagnostics{errorf(rng, "Reference to undeclared "+noun,
			"No %s named %q is declared.%s", noun, step.Name, didYouMean(step.Name, sortedKeys(declared)))}
	}
	return step.Name, rng, nil
}

// traversalString renders the root and attribute steps of a traversal.
func traversalString(tr hcl.Traversal) string {
	var b strings.Builder
	for _, step := range tr {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteString("." + s.Name)
		default:
			b.WriteString("[...]")
		}
	}
	return b.String()
}

// validName reports a label that cannot be referenced.
func validName(block *hcl.Block, i int, what string) hcl.Diagnostics {
	name := block.Labels[i]
	if hclsyntax.ValidIdentifier(name) {
		return nil
	}
	return hcl.Diagnostics{errorf(block.LabelRanges[i], "Invalid "+what+" name",
		"%q is not a valid name: names start with a letter or underscore and contain only letters, digits, underscores and dashes.", name)}
}

func stringValue(v cty.Value) (string, bool) {
	if v.IsNull() || v.Type() != cty.String {
		return "", false
	}
	return v.AsString(), true
}
