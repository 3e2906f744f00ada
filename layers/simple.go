package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/exp-ml/exp/graph"
)

// Layers without parameters: activations and shape changes.

func activation(name string, op func(Config) graph.Op) *Type {
	return &Type{
		Name:      name,
		Doc:       name + " activation",
		MinInputs: 1, MaxInputs: 1,
		Infer: func(_ Config, in [][]int) ([]int, *AttrError) { return append([]int(nil), in[0]...), nil },
		Build: func(b *graph.Builder, n string, c Config, in []*graph.Node, _ *rand.Rand) *graph.Node {
			return b.Apply(n, op(c), in[0])
		},
	}
}

var leakyReLUType = func() *Type {
	t := activation("leaky_relu", func(c Config) graph.Op { return graph.LeakyReLU{Slope: float32(c.float("slope"))} })
	t.Attrs = []AttrSpec{{Name: "slope", Kind: Float, Default: 0.01}}
	return t
}()

var reshapeType = &Type{
	Name:      "reshape",
	Doc:       "views the input with another shape of the same size (no copy)",
	Attrs:     []AttrSpec{{Name: "shape", Kind: Ints, Required: true}},
	MinInputs: 1, MaxInputs: 1,
	Infer: func(c Config, in [][]int) ([]int, *AttrError) {
		to := c.ints("shape")
		if len(to) == 0 {
			return nil, attrErr("shape", "shape must not be empty")
		}
		n := 1
		for _, d := range to {
			if d <= 0 || d > maxDim {
				return nil, attrErr("shape", "shape %s has a dimension that is not a positive size", ShapeString(to))
			}
			n *= d
			if n > maxDim {
				return nil, attrErr("shape", "shape %s is absurdly large", ShapeString(to))
			}
		}
		if n != graph.Numel(in[0]) {
			return nil, attrErr("shape", "cannot reshape %s (%d values) to %s (%d values)",
				ShapeString(in[0]), graph.Numel(in[0]), ShapeString(to), n)
		}
		return append([]int(nil), to...), nil
	},
	Build: func(b *graph.Builder, name string, c Config, in []*graph.Node, _ *rand.Rand) *graph.Node {
		return b.Apply(name, graph.Reshape{To: c.ints("shape")}, in[0])
	},
}

var flattenType = &Type{
	Name:      "flatten",
	Doc:       "views the input as a vector (no copy)",
	MinInputs: 1, MaxInputs: 1,
	Infer: func(_ Config, in [][]int) ([]int, *AttrError) { return []int{graph.Numel(in[0])}, nil },
	Build: func(b *graph.Builder, name string, _ Config, in []*graph.Node, _ *rand.Rand) *graph.Node {
		return b.Apply(name, graph.Reshape{To: []int{graph.Numel(in[0].Shape)}}, in[0])
	},
}

var concatType = &Type{
	Name:      "concat",
	Doc:       "joins inputs along features (vectors) or channels (images)",
	MinInputs: 2,
	Infer: func(_ Config, in [][]int) ([]int, *AttrError) {
		out := append([]int(nil), in[0]...)
		for i, s := range in[1:] {
			if len(s) != len(out) || !graph.SameShape(s[1:], out[1:]) {
				return nil, &AttrError{Input: i + 1, Msg: fmt.Sprintf(
					"concat joins along the first axis, so the other axes must agree: %s and %s", ShapeString(in[0]), ShapeString(s))}
			}
			out[0] += s[0]
		}
		return out, nil
	},
	Build: func(b *graph.Builder, name string, _ Config, in []*graph.Node, _ *rand.Rand) *graph.Node {
		return b.Apply(name, graph.Concat{}, in...)
	},
}

var addType = &Type{
	Name:      "add",
	Doc:       "elementwise sum of two inputs of one shape (residual connections)",
	MinInputs: 2, MaxInputs: 2,
	Infer: func(_ Config, in [][]int) ([]int, *AttrError) {
		if !graph.SameShape(in[0], in[1]) {
			return nil, &AttrError{Input: 1, Msg: fmt.Sprintf("add needs inputs of one shape, got %s and %s", ShapeString(in[0]), ShapeString(in[1]))}
		}
		return append([]int(nil), in[0]...), nil
	},
	Build: func(b *graph.Builder, name string, _ Config, in []*graph.Node, _ *rand.Rand) *graph.Node {
		return b.Apply(name, graph.Add{}, in...)
	},
}
