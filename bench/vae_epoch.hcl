# Benchmark: the PyTorch-examples VAE, as bench/torch/vae.py trains it. Only
# the test ELBO is evaluated (once per epoch), as the PyTorch script does.
experiment "bench_vae" {
  description = "VAE 784-400-20, batch 128, Adam 1e-3"
  seed        = 1
}

variable "latent" { default = 20 }

data "mnist" "train" {
  split = "train"
  scale = "unit"
}
data "mnist" "test" {
  split = "test"
  scale = "unit"
}

model "encoder" {
  input "x" { shape = [784] }
  layer "dense" "h"      { units = 400 }
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
  layer "dense" "h"      { units = 400 }
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
  lr     = 0.001
}

train {
  epochs     = 1
  batch_size = 128
}

evaluate {
  data    = data.test
  every   = "1 epoch"
  metrics = ["elbo"]
}
