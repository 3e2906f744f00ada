package layers

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/exp-ml/exp/graph"
)

// Init is a weight initialisation rule, parsed from the `init` attribute:
// "default" (PyTorch's: U(±1/√fan_in) for weights and biases), "normal(m, s)"
// (the DCGAN rule; biases zero), "xavier" (Glorot uniform; biases zero),
// "he" (Kaiming normal for ReLU; biases zero).
type Init struct {
	Kind      string
	Mean, Std float64
}

// ParseInit reads an init attribute.
func ParseInit(s string) (Init, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "default", "xavier", "he":
		return Init{Kind: s}, nil
	}
	if rest, ok := strings.CutPrefix(s, "normal("); ok && strings.HasSuffix(rest, ")") {
		parts := strings.Split(strings.TrimSuffix(rest, ")"), ",")
		if len(parts) == 2 {
			m, err1 := strconv.ParseFloat(strings.TrimSpace(parts[0]), 64)
			sd, err2 := strconv.ParseFloat(strings.TrimSpace(parts[1]), 64)
			if err1 == nil && err2 == nil && sd >= 0 && !math.IsInf(m, 0) && !math.IsInf(sd, 0) && !math.IsNaN(m) && !math.IsNaN(sd) {
				return Init{Kind: "normal", Mean: m, Std: sd}, nil
			}
		}
	}
	return Init{}, fmt.Errorf(`init must be "default", "normal(mean, std)" with std >= 0, "xavier" or "he"; got %q`, s)
}

var initAttr = AttrSpec{Name: "init", Kind: String, Default: "default"}

func checkInit(c Config) *AttrError {
	if _, err := ParseInit(c.str("init")); err != nil {
		return attrErr("init", "%v", err)
	}
	return nil
}

// fill initialises a weight and its optional bias for the given fans.
func (in Init) fill(w, bias *graph.Tensor, fanIn, fanOut int, rng *rand.Rand) {
	switch in.Kind {
	case "normal":
		for i := range w.Data {
			w.Data[i] = float32(in.Mean + in.Std*rng.NormFloat64())
		}
	case "xavier":
		uniform(w.Data, math.Sqrt(6/float64(fanIn+fanOut)), rng)
	case "he":
		sd := math.Sqrt(2 / float64(fanIn))
		for i := range w.Data {
			w.Data[i] = float32(sd * rng.NormFloat64())
		}
	default:
		// PyTorch's kaiming_uniform_(a=√5) reduces to U(±1/√fan_in).
		bound := 1 / math.Sqrt(float64(fanIn))
		uniform(w.Data, bound, rng)
		if bias != nil {
			uniform(bias.Data, bound, rng)
		}
		return
	}
	if bias != nil {
		bias.Zero()
	}
}

func uniform(dst []float32, bound float64, rng *rand.Rand) {
	for i := range dst {
		dst[i] = float32((rng.Float64()*2 - 1) * bound)
	}
}

func mustInit(c Config) Init {
	in, err := ParseInit(c.str("init"))
	if err != nil {
		panic("layers: " + err.Error()) // Infer rejected it already
	}
	return in
}
