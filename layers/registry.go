package layers

import (
	"fmt"
	"math/rand/v2"
	"sort"

	"github.com/exp-ml/exp/graph"
)

// Kind is the type of an attribute value.
type Kind int

const (
	Int Kind = iota
	Float
	String
	Bool
	Ints // a list of integers
)

func (k Kind) String() string {
	return [...]string{"a whole number", "a number", "a string", "a bool", "a list of whole numbers"}[k]
}

// AttrSpec declares one attribute of a layer type.
type AttrSpec struct {
	Name     string
	Kind     Kind
	Required bool
	Default  any
}

// AttrError is a problem with one attribute (Attr == "" for the layer as a
// whole, Input >= 0 for one of its inputs).
type AttrError struct {
	Attr  string
	Input int
	Msg   string
}

func (e *AttrError) Error() string { return e.Msg }

func attrErr(attr, format string, args ...any) *AttrError {
	return &AttrError{Attr: attr, Input: -1, Msg: fmt.Sprintf(format, args...)}
}

// Config is a layer's attributes after type checking, with defaults filled:
// Int → int, Float → float64, String → string, Bool → bool, Ints → []int.
type Config map[string]any

func (c Config) int(name string) int       { return c[name].(int) }
func (c Config) float(name string) float64 { return c[name].(float64) }
func (c Config) str(name string) string    { return c[name].(string) }
func (c Config) boolean(name string) bool  { return c[name].(bool) }
func (c Config) ints(name string) []int    { return c[name].([]int) }

// Type is one layer type.
type Type struct {
	Name  string
	Doc   string
	Attrs []AttrSpec
	// MinInputs and MaxInputs bound how many inputs the layer reads (0 = any).
	MinInputs, MaxInputs int
	// Infer gives the per-example output shape.
	Infer func(c Config, in [][]int) ([]int, *AttrError)
	// Build adds the layer's parameters and ops; rng draws the initial values.
	Build func(b *graph.Builder, name string, c Config, in []*graph.Node, rng *rand.Rand) *graph.Node
}

// types is the table of every layer type, by HCL name.
var types = map[string]*Type{
	"dense":      denseType,
	"conv2d":     conv2DType,
	"deconv2d":   deconv2DType,
	"batchnorm":  batchNormType,
	"dropout":    dropoutType,
	"relu":       activation("relu", func(Config) graph.Op { return graph.ReLU{} }),
	"leaky_relu": leakyReLUType,
	"sigmoid":    activation("sigmoid", func(Config) graph.Op { return graph.Sigmoid{} }),
	"tanh":       activation("tanh", func(Config) graph.Op { return graph.Tanh{} }),
	"reshape":    reshapeType,
	"flatten":    flattenType,
	"concat":     concatType,
	"add":        addType,
}

// Lookup finds a layer type by its HCL name.
func Lookup(name string) (*Type, bool) {
	t, ok := types[name]
	return t, ok
}

// Names lists every layer type, sorted.
func Names() []string {
	names := make([]string, 0, len(types))
	for n := range types {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Attr finds an attribute's spec.
func (t *Type) Attr(name string) (AttrSpec, bool) {
	for _, a := range t.Attrs {
		if a.Name == name {
			return a, true
		}
	}
	return AttrSpec{}, false
}

// Resolve type-checks attribute values (int64, float64, string, bool or []any
// of those, as the language decodes them) and fills defaults. Unknown
// attributes, wrong types and missing required ones are errors.
func (t *Type) Resolve(values map[string]any) (Config, []*AttrError) {
	var errs []*AttrError
	c := Config{}
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		spec, ok := t.Attr(n)
		if !ok {
			errs = append(errs, attrErr(n, "layer type %q has no attribute %q", t.Name, n))
			continue
		}
		v, ok := convert(values[n], spec.Kind)
		if !ok {
			errs = append(errs, attrErr(n, "attribute %q must be %s, got %s", n, spec.Kind, describe(values[n])))
			continue
		}
		c[n] = v
	}
	for _, spec := range t.Attrs {
		if _, ok := c[spec.Name]; ok {
			continue
		}
		if _, given := values[spec.Name]; given {
			continue // already reported
		}
		if spec.Required {
			errs = append(errs, attrErr("", "layer type %q needs the attribute %q", t.Name, spec.Name))
			continue
		}
		c[spec.Name] = spec.Default
	}
	return c, errs
}

func convert(v any, k Kind) (any, bool) {
	switch k {
	case Int:
		switch x := v.(type) {
		case int64:
			return int(x), true
		case int:
			return x, true
		case float64:
			if x == float64(int64(x)) && x >= -1<<52 && x <= 1<<52 {
				return int(x), true
			}
		}
	case Float:
		switch x := v.(type) {
		case int64:
			return float64(x), true
		case int:
			return float64(x), true
		case float64:
			return x, true
		}
	case String:
		s, ok := v.(string)
		return s, ok
	case Bool:
		b, ok := v.(bool)
		return b, ok
	case Ints:
		var list []any
		switch x := v.(type) {
		case []any:
			list = x
		case []int:
			return x, true
		default:
			return nil, false
		}
		out := make([]int, len(list))
		for i, e := range list {
			n, ok := convert(e, Int)
			if !ok {
				return nil, false
			}
			out[i] = n.(int)
		}
		return out, true
	}
	return nil, false
}

func describe(v any) string {
	switch v.(type) {
	case int64, int:
		return fmt.Sprintf("the whole number %v", v)
	case float64:
		return fmt.Sprintf("the number %v", v)
	case string:
		return fmt.Sprintf("the string %q", v)
	case bool:
		return fmt.Sprintf("the bool %v", v)
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}

// positive checks that integer attributes are > 0.
func positive(c Config, names ...string) *AttrError {
	for _, n := range names {
		if c.int(n) <= 0 {
			return attrErr(n, "%s must be positive, got %d", n, c.int(n))
		}
	}
	return nil
}

// ShapeString formats a per-example shape as the language writes it.
func ShapeString(s []int) string {
	out := "["
	for i, d := range s {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprint(d)
	}
	return out + "]"
}
