package runner

import (
	"math"
	"testing"

	"github.com/exp-ml/exp/runner/data"
)

// A small VAE on 2,000 MNIST digits, for tests.
const smallVAE = `
experiment "small_vae" { seed = 1 }
variable "latent" { default = 8 }
variable "epochs" { default = 6 }
data "mnist" "train" {
  split = "train"
  limit = 2000
}
data "mnist" "test" {
  split = "test"
  limit = 500
}
model "encoder" {
  input "x" { shape = [784] }
  layer "dense" "h"      { units = 64 }
  layer "relu"  "h_act"  {}
  layer "dense" "mu"     { units = var.latent }
  layer "dense" "logvar" {
    units = var.latent
    input = layer.h_act
  }
  output = [layer.mu, layer.logvar]
}
model "decoder" {
  input "z" { shape = [var.latent] }
  layer "dense" "h"      { units = 64 }
  layer "relu"  "h_act"  {}
  layer "dense" "logits" { units = 784 }
}
objective "elbo" {
  encoder = model.encoder
  decoder = model.decoder
  data    = data.train
}
optimizer "adam" "all" {
  models = [model.encoder, model.decoder]
  lr     = 0.003
}
train {
  epochs     = var.epochs
  batch_size = 50
}
evaluate {
  data        = data.test
  metrics     = ["elbo", "iwae_nll", "samples", "reconstructions"]
  iwae_samples = 20
}
`

func TestELBOTrainsAndIWAEBoundsIt(t *testing.T) {
	opts := testOptions(t)
	run := runSrc(t, opts, smallVAE, nil)
	if run.Status != "completed" {
		t.Fatalf("status %s: %s", run.Status, run.Error)
	}
	negELBO := finalMetric(t, run, "test/neg_elbo")
	iwae := finalMetric(t, run, "test/iwae_nll")
	// An untrained model scores about 784·ln 2 ≈ 543 nats; predicting the
	// mean image alone about 206. Six short epochs must beat both clearly.
	if negELBO > 170 {
		t.Errorf("test −ELBO %.1f after 6 epochs, want < 170", negELBO)
	}
	if iwae > negELBO {
		t.Errorf("IWAE bound %.2f above −ELBO %.2f", iwae, negELBO)
	}
	kinds := map[string]bool{}
	for _, a := range run.Artifacts {
		kinds[a.Kind] = true
	}
	for _, k := range []string{"samples", "reconstructions", "checkpoint", "source"} {
		if !kinds[k] {
			t.Errorf("no %s artifact; got %v", k, run.Artifacts)
		}
	}
}

// The ELBO of a hand-built model: with all weights zero, the encoder gives
// mu = 0 and logvar = 0 (KL = 0 exactly) and the decoder gives logits 0, so
// −ELBO = 784·ln 2 per example whatever the image.
func TestELBOHandComputed(t *testing.T) {
	p := compileSrc(t, smallVAE, map[string]string{"latent": "4"})
	for _, m := range p.Models {
		for _, prm := range m.Graph.Params() {
			prm.Value.Zero()
		}
	}
	tr := &trainer{p: p}
	tr.noiseSrc, tr.dropoutSrc = stream(1, "noise"), stream(1, "dropout")
	tr.noise, tr.dropout = streamRand(1, "noise"), streamRand(1, "dropout")
	ds, _, err := loadData(p.Exp)
	if err != nil {
		t.Fatal(err)
	}
	tr.trainDS = ds
	tr.batcher = data.NewBatcher(ds, 10, 1, true)
	tr.optims = []*Optimizer{newOptimizer(p.Exp.Optimizers[0], p)}
	e := newELBO(tr)
	vals := make([]float64, 4)
	e.step(vals)
	want := 784 * math.Ln2
	if math.Abs(vals[1]-want) > 1e-3 || vals[3] != 0 {
		t.Fatalf("−ELBO %v, KL %v; want %v and 0", vals[1], vals[3], want)
	}
	// The step moved the decoder's output bias towards the data mean.
	b := p.Model("decoder").Graph.Params()
	moved := false
	for _, prm := range b {
		for _, v := range prm.Value.Data {
			moved = moved || v != 0
		}
	}
	if !moved {
		t.Fatal("one Adam step changed no decoder weight")
	}
}
