package layers

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/exp-ml/exp/graph"
)

func resolve(t *testing.T, name string, attrs map[string]any) (*Type, Config) {
	t.Helper()
	ty, ok := Lookup(name)
	if !ok {
		t.Fatalf("no layer type %q", name)
	}
	c, errs := ty.Resolve(attrs)
	if len(errs) > 0 {
		t.Fatalf("%s: %v", name, errs[0])
	}
	return ty, c
}

// Output shapes by PyTorch's formulas, worked by hand.
func TestInferShapes(t *testing.T) {
	cases := []struct {
		layer string
		attrs map[string]any
		in    [][]int
		want  []int
	}{
		{"dense", map[string]any{"units": int64(400)}, [][]int{{784}}, []int{400}},
		// (28 + 2·1 − 4)/2 + 1 = 14
		{"conv2d", map[string]any{"filters": int64(64), "kernel": int64(4), "stride": int64(2), "padding": int64(1)}, [][]int{{1, 28, 28}}, []int{64, 14, 14}},
		// (5 + 0 − 3)/1 + 1 = 3 and (7 − 3)/1 + 1 = 5
		{"conv2d", map[string]any{"filters": int64(2), "kernel": int64(3)}, [][]int{{3, 5, 7}}, []int{2, 3, 5}},
		// (7 − 1)·2 − 2 + 4 = 14
		{"deconv2d", map[string]any{"filters": int64(64), "kernel": int64(4), "stride": int64(2), "padding": int64(1)}, [][]int{{128, 7, 7}}, []int{64, 14, 14}},
		{"reshape", map[string]any{"shape": []any{int64(128), int64(7), int64(7)}}, [][]int{{6272}}, []int{128, 7, 7}},
		{"flatten", nil, [][]int{{64, 7, 7}}, []int{3136}},
		{"concat", nil, [][]int{{100}, {10}}, []int{110}},
		{"batchnorm", nil, [][]int{{64, 14, 14}}, []int{64, 14, 14}},
	}
	for _, c := range cases {
		ty, cfg := resolve(t, c.layer, c.attrs)
		got, err := ty.Infer(cfg, c.in)
		if err != nil || !graph.SameShape(got, c.want) {
			t.Errorf("%s %v on %v: %v %v, want %v", c.layer, c.attrs, c.in, got, err, c.want)
		}
	}
}

func TestResolveRefusesWrongTypesAndUnknownAttributes(t *testing.T) {
	ty, _ := Lookup("dense")
	if _, errs := ty.Resolve(map[string]any{"units": "ten"}); len(errs) != 1 || errs[0].Attr != "units" {
		t.Errorf("string units: %v", errs)
	}
	if _, errs := ty.Resolve(map[string]any{"units": int64(3), "unitz": int64(3)}); len(errs) != 1 || errs[0].Attr != "unitz" {
		t.Errorf("unknown attribute: %v", errs)
	}
	if _, errs := ty.Resolve(map[string]any{}); len(errs) != 1 {
		t.Errorf("missing units: %v", errs)
	}
	if _, errs := ty.Resolve(map[string]any{"units": 2.5}); len(errs) != 1 {
		t.Errorf("fractional units: %v", errs)
	}
}

// The initialisation rules, checked by their statistics on a large layer.
func TestInitRules(t *testing.T) {
	const in, out = 400, 300
	for _, c := range []struct {
		init      string
		bound, sd float64 // expected |w| bound (uniform) or standard deviation (normal)
		zeroBias  bool
	}{
		{"default", 1 / math.Sqrt(in), 0, false},
		{"xavier", math.Sqrt(6.0 / (in + out)), 0, true},
		{"he", 0, math.Sqrt(2.0 / in), true},
		{"normal(0, 0.02)", 0, 0.02, true},
	} {
		ty, cfg := resolve(t, "dense", map[string]any{"units": int64(out), "init": c.init})
		b := graph.NewBuilder()
		x := b.Input("x", in)
		n := ty.Build(b, "d", cfg, []*graph.Node{x}, rand.New(rand.NewPCG(1, 2)))
		g := b.Build(n)
		w, bias := g.Params()[0].Value.Data, g.Params()[1].Value.Data
		var maxAbs, sq float64
		for _, v := range w {
			maxAbs = max(maxAbs, math.Abs(float64(v)))
			sq += float64(v) * float64(v)
		}
		sd := math.Sqrt(sq / float64(len(w)))
		if c.bound > 0 && (maxAbs > c.bound || maxAbs < 0.99*c.bound) {
			t.Errorf("%s: max |w| %v, want just under %v", c.init, maxAbs, c.bound)
		}
		if c.sd > 0 && math.Abs(sd-c.sd) > 0.02*c.sd {
			t.Errorf("%s: std %v, want %v", c.init, sd, c.sd)
		}
		allZero := true
		for _, v := range bias {
			allZero = allZero && v == 0
		}
		if allZero != c.zeroBias {
			t.Errorf("%s: bias all zero = %v, want %v", c.init, allZero, c.zeroBias)
		}
	}
}

func TestParseInitRefusesNonsense(t *testing.T) {
	for _, s := range []string{"normal(0)", "normal(0, -1)", "normal(NaN, 1)", "glorot", "normal(0, Inf)"} {
		if _, err := ParseInit(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}
