package graph

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestGradDropout(t *testing.T) {
	drop := func(rate float32, shape ...int) func(b *Builder) *Node {
		return func(b *Builder) *Node { return b.Apply("d", Dropout{Rate: rate}, b.Input("x", shape...)) }
	}
	checkGrads(t, []gradCase{
		{name: "vectors train", batch: 3, train: true, build: drop(0.4, 7)},
		{name: "images train batch 1", batch: 1, train: true, build: drop(0.5, 2, 3, 5)},
		{name: "eval", batch: 2, build: drop(0.5, 5)},
		{name: "rate 0 train", batch: 2, train: true, build: drop(0, 5)},
		{name: "dense dropout dense", batch: 3, train: true, build: func(b *Builder) *Node {
			h := b.Apply("d", Dropout{Rate: 0.3}, b.Apply("t", Tanh{}, dense(b, "l1", b.Input("x", 4), 4, 9)))
			return dense(b, "l2", h, 9, 2)
		}},
	})
}

func dropoutWorkspace(rate float32, n, batch int) *Workspace {
	b := NewBuilder()
	ws := b.Build(b.Apply("d", Dropout{Rate: rate}, b.Input("x", n))).NewWorkspace(batch)
	for i := range ws.Input("x").Data {
		ws.Input("x").Data[i] = 1 + float32(i%7)
	}
	return ws
}

// Each value is zeroed with probability Rate or scaled by 1/(1−Rate), and
// the same stream gives the same mask.
func TestDropoutMask(t *testing.T) {
	const rate, n = 0.3, 20000
	ws := dropoutWorkspace(rate, n, 1)
	x := ws.Input("x").Data
	ws.SetRand(rand.New(rand.NewPCG(1, 2)))
	ws.Forward(true)
	first := append([]float32(nil), ws.Out(0).Data...)
	dropped := 0
	for i, y := range first {
		switch {
		case y == 0:
			dropped++
		case math.Abs(float64(y)-float64(x[i])/(1-rate)) > 1e-6*float64(x[i]):
			t.Fatalf("kept value [%d] = %g, want %g", i, y, x[i]/(1-rate))
		}
	}
	// A binomial count: 5 standard deviations is about ±324 of 6000.
	if sd := math.Sqrt(n * rate * (1 - rate)); math.Abs(float64(dropped)-n*rate) > 5*sd {
		t.Fatalf("dropped %d of %d, want about %g", dropped, n, n*rate)
	}

	ws.SetRand(rand.New(rand.NewPCG(1, 2)))
	ws.Forward(true)
	for i, y := range ws.Out(0).Data {
		if y != first[i] {
			t.Fatalf("same stream, different output at [%d]: %g then %g", i, first[i], y)
		}
	}
	ws.SetRand(rand.New(rand.NewPCG(3, 4)))
	ws.Forward(true)
	same := 0
	for i, y := range ws.Out(0).Data {
		if (y == 0) == (first[i] == 0) {
			same++
		}
	}
	if same == n {
		t.Fatal("another stream gave the same mask")
	}

	// The gradient flows through kept values only, with the same scale.
	copy(ws.OutGrad(0).Data, x)
	ws.Backward(BackwardOpts{InputGrads: true})
	for i, g := range ws.InputGrad("x").Data {
		if want := ws.Out(0).Data[i]; g != want {
			t.Fatalf("input grad [%d] = %g, want %g (the output, as dy = x)", i, g, want)
		}
	}
}

func TestDropoutEvalIsIdentity(t *testing.T) {
	ws := dropoutWorkspace(0.5, 50, 2)
	ws.Forward(false) // no random stream needed
	for i, y := range ws.Out(0).Data {
		if y != ws.Input("x").Data[i] {
			t.Fatalf("eval output [%d] = %g, want %g", i, y, ws.Input("x").Data[i])
		}
	}
}

func TestDropoutPanics(t *testing.T) {
	t.Run("training without a stream", func(t *testing.T) {
		ws := dropoutWorkspace(0.5, 4, 2)
		defer func() {
			if recover() == nil {
				t.Fatal("no panic")
			}
		}()
		ws.Forward(true)
	})
	for _, rate := range []float32{-0.1, 1, float32(math.NaN())} {
		func() {
			defer func() {
				if recover() == nil {
					t.Fatalf("rate %g: no panic", rate)
				}
			}()
			Dropout{Rate: rate}.OutShape([][]int{{4}})
		}()
	}
}
