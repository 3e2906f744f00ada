package graph

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// testdata/torch_ops.json holds PyTorch's outputs and gradients for the
// conv, transposed conv and batchnorm ops (testdata/torch_ops.py made it):
// weights laid out for torch must give torch's numbers here.

// torchTol is relative to the largest magnitude of the compared tensor:
// both sides are float32, summed in different orders.
const torchTol = 2e-5

type torchConv struct {
	Name            string
	Stride, Padding int
	XShape          []int `json:"x_shape"`
	WShape          []int `json:"w_shape"`
	X, W, B, Y, G   []float32
	Grads           map[string][]float32
}

type torchBN struct {
	Name                  string
	Momentum              float32
	XShape                []int `json:"x_shape"`
	Gamma, Beta           []float32
	X1, X2, Y2, G, X3, Y3 []float32
	Grads                 map[string][]float32
	RunningMean           []float32 `json:"running_mean"`
	RunningVar            []float32 `json:"running_var"`
}

type torchFixture struct {
	Conv2D          []torchConv `json:"conv2d"`
	ConvTranspose2D []torchConv `json:"conv_transpose2d"`
	BatchNorm       []torchBN   `json:"batchnorm"`
}

func loadTorch(t *testing.T) torchFixture {
	t.Helper()
	raw, err := os.ReadFile("testdata/torch_ops.json")
	if err != nil {
		t.Fatal(err)
	}
	var f torchFixture
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Conv2D) == 0 || len(f.ConvTranspose2D) == 0 || len(f.BatchNorm) == 0 {
		t.Fatal("torch fixture has an empty section")
	}
	return f
}

// closeTo fails with the worst index when got and want differ by more than
// torchTol times want's largest magnitude.
func closeTo(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, torch has %d", what, len(got), len(want))
	}
	scale := 0.0
	for _, v := range want {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	worst, wi := 0.0, 0
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > worst {
			worst, wi = d, i
		}
	}
	if worst > torchTol*math.Max(scale, 1) {
		t.Fatalf("%s: worst [%d] = %.7g, torch %.7g (max |torch| %.3g)", what, wi, got[wi], want[wi], scale)
	}
}

func runTorchConv(t *testing.T, c torchConv, op Op) {
	b := NewBuilder()
	g := b.Build(b.Apply("op", op, b.Input("x", c.XShape[1:]...), b.Param("w", c.WShape...), b.Param("b", len(c.B))))
	copy(g.Params()[0].Value.Data, c.W)
	copy(g.Params()[1].Value.Data, c.B)
	ws := g.NewWorkspace(c.XShape[0])
	copy(ws.Input("x").Data, c.X)
	ws.Forward(true)
	closeTo(t, "output", ws.Out(0).Data, c.Y)
	copy(ws.OutGrad(0).Data, c.G)
	g.ZeroGrad()
	ws.Backward(BackwardOpts{ParamGrads: true, InputGrads: true})
	closeTo(t, "x grad", ws.InputGrad("x").Data, c.Grads["x"])
	closeTo(t, "weight grad", g.Params()[0].Grad.Data, c.Grads["w"])
	closeTo(t, "bias grad", g.Params()[1].Grad.Data, c.Grads["b"])
}

func TestConvMatchesTorch(t *testing.T) { convPaths(t, testConvMatchesTorch) }

func testConvMatchesTorch(t *testing.T) {
	f := loadTorch(t)
	for _, c := range f.Conv2D {
		t.Run("conv2d "+c.Name, func(t *testing.T) { runTorchConv(t, c, Conv2D{Stride: c.Stride, Padding: c.Padding}) })
	}
	for _, c := range f.ConvTranspose2D {
		t.Run("conv_transpose2d "+c.Name, func(t *testing.T) {
			runTorchConv(t, c, ConvTranspose2D{Stride: c.Stride, Padding: c.Padding})
		})
	}
}

// One training step on X1, one on X2 (output and gradients compared), then
// evaluation on X3 with the running statistics both made.
func TestBatchNormMatchesTorch(t *testing.T) {
	for _, c := range loadTorch(t).BatchNorm {
		t.Run(c.Name, func(t *testing.T) {
			b := NewBuilder()
			out, op := batchNorm(b, "bn", b.Input("x", c.XShape[1:]...), BatchNorm{Momentum: c.Momentum})
			g := b.Build(out)
			copy(g.Params()[0].Value.Data, c.Gamma)
			copy(g.Params()[1].Value.Data, c.Beta)
			ws := g.NewWorkspace(c.XShape[0])
			copy(ws.Input("x").Data, c.X1)
			ws.Forward(true)
			copy(ws.Input("x").Data, c.X2)
			ws.Forward(true)
			closeTo(t, "training output", ws.Out(0).Data, c.Y2)
			copy(ws.OutGrad(0).Data, c.G)
			g.ZeroGrad()
			ws.Backward(BackwardOpts{ParamGrads: true, InputGrads: true})
			closeTo(t, "x grad", ws.InputGrad("x").Data, c.Grads["x"])
			closeTo(t, "gamma grad", g.Params()[0].Grad.Data, c.Grads["gamma"])
			closeTo(t, "beta grad", g.Params()[1].Grad.Data, c.Grads["beta"])
			closeTo(t, "running mean", op.RunMean.Data, c.RunningMean)
			closeTo(t, "running var", op.RunVar.Data, c.RunningVar)
			copy(ws.Input("x").Data, c.X3)
			ws.Forward(false)
			closeTo(t, "eval output", ws.Out(0).Data, c.Y3)
		})
	}
}
