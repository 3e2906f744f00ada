package dsl

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// SetFilename is the filename of diagnostics about --set overrides that do
// not belong to a variable block (an unknown name); Experiment.Files maps it
// to the overrides as NAME=VALUE lines.
const SetFilename = "--set"

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "default", Required: true},
		{Name: "description"},
	},
}

// Variable types, named after the Go type of their values.
const (
	typeInt    = "int"    // int64
	typeFloat  = "float"  // float64
	typeString = "string" // string
	typeBool   = "bool"   // bool
	typeList   = "list"   // []any
)

func (p *parser) decodeVariableBlock(block *hcl.Block) (*Variable, hcl.Diagnostics) {
	diags := validName(block, 0, "variable")
	v := &Variable{Name: block.Labels[0], DeclRange: block.DefRange}
	content, d := block.Body.Content(variableSchema)
	diags = append(diags, d...)
	if attr, ok := content.Attributes["description"]; ok {
		val, d := attr.Expr.Value(nil)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if val.IsNull() || val.Type() != cty.String {
				diags = append(diags, typeError(attr, "a string", val))
			} else {
				v.Description = val.AsString()
			}
		}
	}
	// A variable whose default is missing or broken is still declared, with
	// no type and an unknown value, so references to it do not cascade.
	attr, ok := content.Attributes["default"]
	if !ok {
		return v, diags // the schema reported the missing default
	}
	def, typ, d := p.variableDefault(attr)
	diags = append(diags, d...)
	if !d.HasErrors() {
		v.Type, v.Default, v.Value = typ, def, def
	}
	return v, diags
}

// variableDefault evaluates a default (no references allowed) and infers
// the variable's type. A number is an int when it is whole and its source
// text has no '.', 'e' or 'E': `default = 1.0` declares a float.
func (p *parser) variableDefault(attr *hcl.Attribute) (any, string, hcl.Diagnostics) {
	val, diags := attr.Expr.Value(nil)
	if diags.HasErrors() {
		return nil, "", diags
	}
	if val.IsNull() {
		return nil, "", append(diags, errorf(attr.Expr.Range(), "Invalid default", "A variable's default must not be null; its type is taken from it."))
	}
	ty := val.Type()
	switch {
	case ty == cty.Number:
		n, typ, err := p.number(val, attr.Expr.Range())
		if err != nil {
			return nil, "", append(diags, errorf(attr.Expr.Range(), "Invalid default", "%s", err))
		}
		return n, typ, diags
	case ty == cty.String:
		return val.AsString(), typeString, diags
	case ty == cty.Bool:
		return val.True(), typeBool, diags
	case ty.IsTupleType() || ty.IsListType():
		elems := val.AsValueSlice()
		exprs, d := hcl.ExprList(attr.Expr)
		out := make([]any, len(elems))
		for i, e := range elems {
			rng := attr.Expr.Range()
			if !d.HasErrors() && len(exprs) == len(elems) {
				rng = exprs[i].Range()
			}
			switch {
			case e.IsNull():
				diags = append(diags, errorf(rng, "Invalid default", "List elements must not be null."))
			case e.Type() == cty.Number:
				n, _, err := p.number(e, rng)
				if err != nil {
					diags = append(diags, errorf(rng, "Invalid default", "%s", err))
				}
				out[i] = n
			case e.Type() == cty.String:
				out[i] = e.AsString()
			case e.Type() == cty.Bool:
				out[i] = e.True()
			default:
				diags = append(diags, errorf(rng, "Unsupported variable type",
					"List defaults hold numbers, strings or bools; element %d is %s.", i, friendlyType(e)))
			}
		}
		return out, typeList, diags
	}
	return nil, "", append(diags, errorf(attr.Expr.Range(), "Unsupported variable type",
		"A default is a number, string, bool or list; got %s.", friendlyType(val)))
}

func (p *parser) number(v cty.Value, rng hcl.Range) (any, string, error) {
	text := rng.SliceBytes(p.src)
	if i, ok := ctyInt(v); ok && !bytes.ContainsAny(text, ".eE") {
		return i, typeInt, nil
	}
	f, ok := ctyFloat(v)
	if !ok {
		return nil, "", fmt.Errorf("the number does not fit a 64-bit float")
	}
	return f, typeFloat, nil
}

// buildSetFile renders overrides as the "--set" pseudo-file, one NAME=VALUE
// line per override sorted by name, and returns each name's range in it.
func (e *Experiment) buildSetFile(overrides map[string]string) map[string]hcl.Range {
	if len(overrides) == 0 {
		return nil
	}
	ranges := make(map[string]hcl.Range, len(overrides))
	var b bytes.Buffer
	for i, name := range sortedKeys(overrides) {
		start := hcl.Pos{Line: i + 1, Column: 1, Byte: b.Len()}
		b.WriteString(name)
		end := hcl.Pos{Line: i + 1, Column: 1 + utf8.RuneCountInString(name), Byte: b.Len()}
		ranges[name] = hcl.Range{Filename: SetFilename, Start: start, End: end}
		b.WriteString("=")
		b.WriteString(strings.ReplaceAll(overrides[name], "\n", `\n`))
		b.WriteString("\n")
	}
	e.setFile = b.Bytes()
	return ranges
}

// applyOverrides sets the values of overridden variables. A bad override
// leaves the default in force, so decoding goes on without cascades.
func applyOverrides(byName map[string]*Variable, names []string, overrides map[string]string, setRanges map[string]hcl.Range) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, name := range sortedKeys(overrides) {
		s := overrides[name]
		v, ok := byName[name]
		if ok && v.Type == "" {
			continue // its declaration is broken and already reported
		}
		if !ok {
			diags = append(diags, errorf(setRanges[name], "Unknown variable",
				"--set %s: no variable named %q is declared.%s", name, name, didYouMean(name, names)))
			continue
		}
		val, err := ParseValue(v.Type, v.Default, s)
		if err != nil {
			diags = append(diags, errorf(v.DeclRange, "Invalid value for variable",
				"--set %s=%s: %s.", name, s, err))
			continue
		}
		v.Value, v.Overridden = val, true
	}
	return diags
}

// ParseValue parses s as a value of a variable of type typ with default def
// (see Variable): the text of a --set override.
func ParseValue(typ string, def any, s string) (any, error) {
	switch typ {
	case typeInt:
		i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number, and the variable is an int (its default is %s)", s, FormatValue(def))
		}
		return i, nil
	case typeFloat:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("%q is not a finite number, and the variable is a float (its default is %s)", s, FormatValue(def))
		}
		return f, nil
	case typeString:
		return s, nil
	case typeBool:
		switch strings.TrimSpace(s) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not true or false, and the variable is a bool", s)
	case typeList:
		return parseList(def.([]any), s)
	}
	return nil, fmt.Errorf("variables of type %q cannot be set", typ)
}

func parseList(def []any, s string) (any, error) {
	src := []byte(s)
	if d := checkExprSource(SetFilename, src); d.HasErrors() {
		return nil, fmt.Errorf("%s: %s", d[0].Summary, d[0].Detail)
	}
	expr, d := hclsyntax.ParseExpression(src, SetFilename, hcl.InitialPos)
	if d.HasErrors() {
		return nil, fmt.Errorf("not an HCL list literal such as [64, 128]: %s", d[0].Detail)
	}
	val, d := expr.Value(nil)
	if d.HasErrors() {
		return nil, fmt.Errorf("not an HCL list literal such as [64, 128]: %s", d[0].Detail)
	}
	if val.IsNull() || !(val.Type().IsTupleType() || val.Type().IsListType()) {
		return nil, fmt.Errorf("the variable is a list (its default is %s); write an HCL list such as [64, 128]", FormatValue(def))
	}
	elems := val.AsValueSlice()
	out := make([]any, len(elems))
	for i, e := range elems {
		g, err := listElem(elemType(def), e)
		if err != nil {
			return nil, fmt.Errorf("element %d: %s", i, err)
		}
		out[i] = g
	}
	return out, nil
}

// elemType is the type every element of a list variable must have, taken
// from its default: "int" if all are whole numbers written as ints, "float"
// if all are numbers, "string", "bool", or "" (anything scalar) for an
// empty or mixed default.
func elemType(def []any) string {
	typ := ""
	for i, e := range def {
		var t string
		switch e.(type) {
		case int64:
			t = typeInt
		case float64:
			t = typeFloat
		case string:
			t = typeString
		case bool:
			t = typeBool
		}
		switch {
		case i == 0:
			typ = t
		case typ == t:
		case (typ == typeInt && t == typeFloat) || (typ == typeFloat && t == typeInt):
			typ = typeFloat
		default:
			return ""
		}
	}
	return typ
}

// listElem converts one element of a list value to elemType typ.
func listElem(typ string, e cty.Value) (any, error) {
	if e.IsNull() {
		return nil, fmt.Errorf("null is not a value")
	}
	switch typ {
	case typeInt:
		if e.Type() == cty.Number {
			if i, ok := ctyInt(e); ok {
				return i, nil
			}
		}
		return nil, fmt.Errorf("must be a whole number")
	case typeFloat:
		if e.Type() == cty.Number {
			if f, ok := ctyFloat(e); ok {
				return f, nil
			}
		}
		return nil, fmt.Errorf("must be a finite number")
	case typeString:
		if e.Type() == cty.String {
			return e.AsString(), nil
		}
		return nil, fmt.Errorf("must be a string")
	case typeBool:
		if e.Type() == cty.Bool {
			return e.True(), nil
		}
		return nil, fmt.Errorf("must be true or false")
	}
	switch ty := e.Type(); {
	case ty == cty.Number:
		if i, ok := ctyInt(e); ok && i >= -(1<<53) && i <= 1<<53 {
			return i, nil
		}
		if f, ok := ctyFloat(e); ok {
			return f, nil
		}
		return nil, fmt.Errorf("does not fit a 64-bit float")
	case ty == cty.String:
		return e.AsString(), nil
	case ty == cty.Bool:
		return e.True(), nil
	}
	return nil, fmt.Errorf("must be a number, string or bool")
}

// FormatValue renders a variable value as the text ParseValue reads back:
// strings as they are at top level, lists as HCL list literals.
func FormatValue(v any) string {
	switch v := v.(type) {
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			if s, ok := e.(string); ok {
				parts[i] = hclQuote(s)
			} else {
				parts[i] = FormatValue(e)
			}
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}

// hclQuote writes s as an HCL quoted string literal, escaping template
// sequences so they stay literal.
func hclQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '"':
			b.WriteString(`\"`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case (r == '$' || r == '%') && strings.HasPrefix(s[i+1:], "{"):
			b.WriteRune(r)
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04x`, r)
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
