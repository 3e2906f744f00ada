package runner

import (
	"testing"
)

// A small VAE for the IWAE bound: 2,000 training digits, 500 test digits.
const iwaeVAE = `
experiment "iwae_vae" { seed = 2 }
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
  layer "dense" "mu"     { units = 8 }
  layer "dense" "logvar" {
    units = 8
    input = layer.h_act
  }
  output = [layer.mu, layer.logvar]
}
model "decoder" {
  input "z" { shape = [8] }
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
  epochs     = 3
  batch_size = 50
}
evaluate {
  data    = data.test
  metrics = ["elbo", "iwae_nll"]
}
`

// The importance-weighted bound of Burda et al. (2015) on one trained model
// and one test set: with k = 1 it is the ELBO (in expectation), and it
// tightens monotonically as k grows, by less at each tenfold step.
func TestIWAEBoundTightensWithK(t *testing.T) {
	tr := srcTrainer(t, iwaeVAE, nil)
	vals := make([]float64, len(tr.obj.metricNames()))
	for s := 0; s < tr.total; s++ {
		tr.obj.step(vals)
	}
	e := tr.obj.(*elbo)
	newEv := func(purpose string) *evalContext {
		return &evalContext{seed: 2, data: tr.evalDS, train: tr.trainDS, dataShape: tr.trainDS.Shape, batch: 250,
			metrics: map[string]bool{"elbo": true}, rng: streamRand(2, purpose)}
	}
	got, err := e.evaluate(newEv("elbo"))
	if err != nil || len(got) != 1 || got[0].Name != "test/neg_elbo" {
		t.Fatalf("evaluate: %v %v", got, err)
	}
	negELBO := got[0].Value
	iwae := map[int]float64{}
	for _, k := range []int{1, 10, 100} {
		ev := newEv("iwae")
		enc, dec := e.enc.Graph.NewWorkspace(ev.batch), e.dec.Graph.NewWorkspace(ev.batch)
		iwae[k] = e.iwae(ev, enc, dec, k)
	}
	t.Logf("test −ELBO %.2f; IWAE k=1 %.2f, k=10 %.2f, k=100 %.2f", negELBO, iwae[1], iwae[10], iwae[100])
	// k = 1 estimates −ELBO with other noise: 500 examples leave a
	// standard error of a few tenths of a nat.
	if d := iwae[1] - negELBO; d > 1 || d < -1 {
		t.Errorf("IWAE with k = 1 is %.2f, −ELBO %.2f: they should agree", iwae[1], negELBO)
	}
	if !(iwae[100] < iwae[10] && iwae[10] < iwae[1]) {
		t.Errorf("the bound does not tighten with k: %v", iwae)
	}
	if iwae[100] > negELBO-1 {
		t.Errorf("IWAE k = 100 %.2f is not clearly below −ELBO %.2f", iwae[100], negELBO)
	}
	// Converging: each tenfold k gains less than the one before.
	if gain1, gain2 := iwae[1]-iwae[10], iwae[10]-iwae[100]; !(gain2 < gain1) {
		t.Errorf("gains %.2f (1→10) then %.2f (10→100): not converging", gain1, gain2)
	}
}
