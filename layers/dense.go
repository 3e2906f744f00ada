package layers

import (
	"math/rand/v2"

	"github.com/exp-ml/exp/graph"
)

// maxDim bounds any one dimension so that sizes cannot overflow; the
// runner's memory estimate refuses big models long before this.
const maxDim = 1 << 28

var denseType = &Type{
	Name: "dense",
	Doc:  "fully connected: y = x·Wᵀ + b, W of shape [units, in]",
	Attrs: []AttrSpec{
		{Name: "units", Kind: Int, Required: true},
		{Name: "bias", Kind: Bool, Default: true},
		initAttr,
	},
	MinInputs: 1, MaxInputs: 1,
	Infer: func(c Config, in [][]int) ([]int, *AttrError) {
		if err := positive(c, "units"); err != nil {
			return nil, err
		}
		if c.int("units") > maxDim {
			return nil, attrErr("units", "units = %d is absurdly large", c.int("units"))
		}
		if err := checkInit(c); err != nil {
			return nil, err
		}
		if len(in[0]) != 1 {
			return nil, &AttrError{Input: 0, Msg: "dense reads a vector, but its input has shape " +
				ShapeString(in[0]) + "; add a flatten layer before it"}
		}
		return []int{c.int("units")}, nil
	},
	Build: func(b *graph.Builder, name string, c Config, in []*graph.Node, rng *rand.Rand) *graph.Node {
		units, fanIn := c.int("units"), in[0].Shape[0]
		w := b.Param(name+".weight", units, fanIn)
		ins := []*graph.Node{in[0], w}
		var bias *graph.Tensor
		if c.boolean("bias") {
			bn := b.Param(name+".bias", units)
			ins = append(ins, bn)
			bias = paramValue(bn)
		}
		mustInit(c).fill(paramValue(w), bias, fanIn, units, rng)
		return b.Apply(name, graph.Dense{}, ins...)
	},
}

// paramValue returns the tensor behind a parameter node.
func paramValue(n *graph.Node) *graph.Tensor { return n.ParamValue() }
