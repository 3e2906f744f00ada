package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/exp-ml/exp/graph"
)

func convAttrs() []AttrSpec {
	return []AttrSpec{
		{Name: "filters", Kind: Int, Required: true},
		{Name: "kernel", Kind: Int, Required: true},
		{Name: "stride", Kind: Int, Default: 1},
		{Name: "padding", Kind: Int, Default: 0},
		{Name: "bias", Kind: Bool, Default: true},
		initAttr,
	}
}

func checkConv(c Config, in []int) *AttrError {
	if err := positive(c, "filters", "kernel", "stride"); err != nil {
		return err
	}
	if c.int("filters") > maxDim || c.int("kernel") > maxDim || c.int("stride") > maxDim {
		return attrErr("filters", "convolution sizes are absurdly large")
	}
	if c.int("padding") < 0 || c.int("padding") > maxDim {
		return attrErr("padding", "padding must be between 0 and %d, got %d", maxDim, c.int("padding"))
	}
	if err := checkInit(c); err != nil {
		return err
	}
	if len(in) != 3 {
		return &AttrError{Input: 0, Msg: "a convolution reads an image [channels, height, width], but its input has shape " +
			ShapeString(in) + "; add a reshape layer before it"}
	}
	return nil
}

var conv2DType = &Type{
	Name:      "conv2d",
	Doc:       "2-D convolution, weight [filters, channels, kernel, kernel]",
	Attrs:     convAttrs(),
	MinInputs: 1, MaxInputs: 1,
	Infer: func(c Config, in [][]int) ([]int, *AttrError) {
		if err := checkConv(c, in[0]); err != nil {
			return nil, err
		}
		k, s, p := c.int("kernel"), c.int("stride"), c.int("padding")
		h, w := in[0][1], in[0][2]
		if k > h+2*p || k > w+2*p {
			return nil, attrErr("kernel", "kernel %d does not fit the input %dx%d with padding %d", k, h, w, p)
		}
		return []int{c.int("filters"), (h+2*p-k)/s + 1, (w+2*p-k)/s + 1}, nil
	},
	Build: func(b *graph.Builder, name string, c Config, in []*graph.Node, rng *rand.Rand) *graph.Node {
		ch, f, k := in[0].Shape[0], c.int("filters"), c.int("kernel")
		w := b.Param(name+".weight", f, ch, k, k)
		return convLike(b, name, c, in[0], w, f, ch*k*k, f*k*k, rng,
			graph.Conv2D{Stride: c.int("stride"), Padding: c.int("padding")})
	},
}

var deconv2DType = &Type{
	Name:      "deconv2d",
	Doc:       "transposed 2-D convolution, weight [channels, filters, kernel, kernel]",
	Attrs:     convAttrs(),
	MinInputs: 1, MaxInputs: 1,
	Infer: func(c Config, in [][]int) ([]int, *AttrError) {
		if err := checkConv(c, in[0]); err != nil {
			return nil, err
		}
		k, s, p := c.int("kernel"), c.int("stride"), c.int("padding")
		oh, ow := (in[0][1]-1)*s-2*p+k, (in[0][2]-1)*s-2*p+k
		if oh <= 0 || ow <= 0 {
			return nil, attrErr("padding", "padding %d leaves no output (%dx%d)", p, oh, ow)
		}
		if oh > maxDim || ow > maxDim {
			return nil, attrErr("stride", "output %dx%d is absurdly large", oh, ow)
		}
		return []int{c.int("filters"), oh, ow}, nil
	},
	Build: func(b *graph.Builder, name string, c Config, in []*graph.Node, rng *rand.Rand) *graph.Node {
		ch, f, k := in[0].Shape[0], c.int("filters"), c.int("kernel")
		w := b.Param(name+".weight", ch, f, k, k)
		// PyTorch takes fan_in of a transposed convolution from weight dim 1.
		return convLike(b, name, c, in[0], w, f, f*k*k, ch*k*k, rng,
			graph.ConvTranspose2D{Stride: c.int("stride"), Padding: c.int("padding")})
	},
}

func convLike(b *graph.Builder, name string, c Config, x, w *graph.Node, filters, fanIn, fanOut int, rng *rand.Rand, op graph.Op) *graph.Node {
	ins := []*graph.Node{x, w}
	var bias *graph.Tensor
	if c.boolean("bias") {
		bn := b.Param(name+".bias", filters)
		ins = append(ins, bn)
		bias = paramValue(bn)
	}
	mustInit(c).fill(paramValue(w), bias, fanIn, fanOut, rng)
	return b.Apply(name, op, ins...)
}

var batchNormType = &Type{
	Name: "batchnorm",
	Doc:  "batch normalisation per feature (vectors) or per channel (images)",
	Attrs: []AttrSpec{
		{Name: "momentum", Kind: Float, Default: 0.1},
		{Name: "eps", Kind: Float, Default: 1e-5},
	},
	MinInputs: 1, MaxInputs: 1,
	Infer: func(c Config, in [][]int) ([]int, *AttrError) {
		if m := c.float("momentum"); m <= 0 || m > 1 {
			return nil, attrErr("momentum", "momentum must be in (0, 1] (PyTorch's convention: the weight of the new batch), got %v", m)
		}
		if e := c.float("eps"); float32(e) <= 0 || e > 1 {
			return nil, attrErr("eps", "eps must be in (0, 1] and not round to 0 as a float32, got %v", e)
		}
		if len(in[0]) != 1 && len(in[0]) != 3 {
			return nil, &AttrError{Input: 0, Msg: fmt.Sprintf("batchnorm reads a vector or an image, not shape %s", ShapeString(in[0]))}
		}
		return append([]int(nil), in[0]...), nil
	},
	Build: func(b *graph.Builder, name string, c Config, in []*graph.Node, _ *rand.Rand) *graph.Node {
		ch := in[0].Shape[0]
		gamma := b.Param(name+".weight", ch)
		beta := b.Param(name+".bias", ch)
		for i := range paramValue(gamma).Data {
			paramValue(gamma).Data[i] = 1
		}
		mean := b.State(name+".running_mean", ch)
		variance := b.State(name+".running_var", ch)
		for i := range variance.Data {
			variance.Data[i] = 1
		}
		op := graph.BatchNorm{Eps: float32(c.float("eps")), Momentum: float32(c.float("momentum")), RunMean: mean, RunVar: variance}
		return b.Apply(name, op, in[0], gamma, beta)
	},
}

var dropoutType = &Type{
	Name:      "dropout",
	Doc:       "inverted dropout in training, identity in evaluation",
	Attrs:     []AttrSpec{{Name: "rate", Kind: Float, Default: 0.5}},
	MinInputs: 1, MaxInputs: 1,
	Infer: func(c Config, in [][]int) ([]int, *AttrError) {
		if r := c.float("rate"); r < 0 || r >= 1 {
			return nil, attrErr("rate", "rate must be in [0, 1), got %v", r)
		}
		return append([]int(nil), in[0]...), nil
	},
	Build: func(b *graph.Builder, name string, c Config, in []*graph.Node, _ *rand.Rand) *graph.Node {
		return b.Apply(name, graph.Dropout{Rate: float32(c.float("rate"))}, in[0])
	},
}
