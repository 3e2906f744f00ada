package runner

import (
	"math"
	"strings"
	"testing"

	"github.com/exp-ml/exp/runner/data"
)

// A GAN small enough to work out by hand: D(x) = σ(w·x + b) on 2-D points
// and G(z) = c (its weights zero, so every fake is its bias).
const tinyGAN = `
experiment "tiny_gan" { seed = 3 }
variable "loss"    { default = "non_saturating" }
variable "d_steps" { default = 1 }
data "gaussian_mixture" "ring" {
  samples = 64
}
model "generator" {
  input "z" { shape = [2] }
  layer "dense" "out" { units = 2 }
}
model "discriminator" {
  input "x" { shape = [2] }
  layer "dense" "logit" { units = 1 }
}
objective "gan" {
  generator     = model.generator
  discriminator = model.discriminator
  data          = data.ring
  loss          = var.loss
  d_steps       = var.d_steps
}
optimizer "adam" "g" {
  models = [model.generator]
  lr     = 0.1
  beta1  = 0.5
}
optimizer "adam" "d" {
  models = [model.discriminator]
  lr     = 0.1
  beta1  = 0.5
}
train {
  max_steps  = 1
  batch_size = 4
}
`

func softplus64(x float64) float64 { return math.Log1p(math.Exp(x)) }
func sigmoid64(x float64) float64  { return 1 / (1 + math.Exp(-x)) }
func sign(x float64) float64 {
	if x > 0 {
		return 1
	}
	return -1
}

// setTinyGAN gives D the weights w = (1, 0), b = 0.5 and G the output c.
func setTinyGAN(p *Program, c [2]float32) {
	for _, prm := range p.Model("discriminator").Graph.Params() {
		prm.Value.Zero()
		if strings.HasSuffix(prm.Name, "weight") {
			prm.Value.Data[0] = 1
		} else {
			prm.Value.Data[0] = 0.5
		}
	}
	for _, prm := range p.Model("generator").Graph.Params() {
		prm.Value.Zero()
		if strings.HasSuffix(prm.Name, "bias") {
			copy(prm.Value.Data, c[:])
		}
	}
}

func newTinyTrainer(t *testing.T, sets map[string]string) *trainer {
	t.Helper()
	tr := srcTrainer(t, tinyGAN, sets)
	setTinyGAN(tr.p, [2]float32{0.3, -0.2})
	return tr
}

func TestGANLossesHandComputed(t *testing.T) {
	for _, loss := range []string{"non_saturating", "minimax"} {
		t.Run(loss, func(t *testing.T) {
			tr := newTinyTrainer(t, map[string]string{"loss": loss})
			// The real batch the step will draw: a second batcher with the same seed.
			twin := data.NewBatcher(tr.trainDS, 4, streamSeed(tr.seed, "shuffle"), true)
			x := make([]float32, 8)
			twin.Next(x, nil)

			vals := make([]float64, 5)
			tr.obj.step(vals)

			// D step: real logits x₁ + 0.5, fake logit 0.3 + 0.5 = 0.8.
			var dLoss, gw1, gw2, gb float64
			for i := 0; i < 4; i++ {
				l := float64(x[2*i]) + 0.5
				dLoss += softplus64(-l) / 4
				gw1 += (sigmoid64(l) - 1) * float64(x[2*i]) / 4
				gw2 += (sigmoid64(l) - 1) * float64(x[2*i+1]) / 4
				gb += (sigmoid64(l) - 1) / 4
			}
			dLoss += softplus64(0.8)
			gw1 += sigmoid64(0.8) * 0.3
			gw2 += sigmoid64(0.8) * -0.2
			gb += sigmoid64(0.8)
			if math.Abs(vals[1]-dLoss) > 1e-5 {
				t.Errorf("d_loss %v, want %v", vals[1], dLoss)
			}
			if want := sigmoid64(0.8); math.Abs(vals[4]-want) > 1e-6 {
				t.Errorf("d_fake %v, want %v", vals[4], want)
			}
			// Adam's first step moves each weight by lr·sign(gradient).
			w1, w2, b := 1-0.1*sign(gw1), -0.1*sign(gw2), 0.5-0.1*sign(gb)
			l := w1*0.3 + w2*-0.2 + b
			want := softplus64(-l) // −log D(G(z))
			if loss == "minimax" {
				want = -softplus64(l) // log(1 − D(G(z)))
			}
			if math.Abs(vals[2]-want) > 1e-4 {
				t.Errorf("g_loss %v, want %v", vals[2], want)
			}
			// The generator's gradient came through D: under both losses G
			// moves its output along D's weights, towards "real".
			gb1 := p0(tr, "generator", "out.bias")
			if wantC := 0.3 + 0.1*sign(w1); math.Abs(float64(gb1[0])-wantC) > 1e-4 {
				t.Errorf("generator bias %v, want %v", gb1[0], wantC)
			}
		})
	}
}

func p0(tr *trainer, model, param string) []float32 {
	for _, prm := range tr.p.Model(model).Graph.Params() {
		if prm.Name == param {
			return prm.Value.Data
		}
	}
	return nil
}

// d_steps = k: k discriminator updates, each on a fresh real batch, then one
// generator update.
func TestGANDiscriminatorStepsPerGeneratorStep(t *testing.T) {
	tr := newTinyTrainer(t, map[string]string{"d_steps": "3"})
	vals := make([]float64, 5)
	tr.obj.step(vals)
	gm := tr.obj.(*gan)
	if gm.dStepsTaken != 3 || gm.optD[0].t != 3 || gm.optG[0].t != 1 {
		t.Fatalf("D steps %d (optimizer %d), G steps %d; want 3, 3, 1", gm.dStepsTaken, gm.optD[0].t, gm.optG[0].t)
	}
	if _, pos := tr.batcher.State(); pos != 3 {
		t.Fatalf("%d real batches drawn, want 3", pos)
	}
	if tr.perEpoch != 64/4/3 {
		t.Fatalf("%d steps per epoch, want %d", tr.perEpoch, 64/4/3)
	}
}
