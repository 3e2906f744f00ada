# VAE on MNIST (Kingma & Welling 2013), the PyTorch-examples model written in
# exp's language: 784-400-20 encoder with mu/logvar heads, 20-400-784 decoder,
# Bernoulli likelihood, Adam 1e-3, batch 128. Shows: the ELBO objective, the
# reparameterization trick, test -ELBO and the IWAE bound, sample and
# reconstruction grids. Here (2 cores, OpenBLAS): about 3 s an epoch.
experiment "vae_mnist" {
  description = "VAE, 784-400-20, Bernoulli likelihood (Kingma & Welling 2013)"
  seed        = 1
}

variable "latent" { default = 20 }
variable "lr"     { default = 0.001 }

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
  encoder    = model.encoder
  decoder    = model.decoder
  data       = data.train
  likelihood = "bernoulli"   # or "gaussian"
  kl_weight  = 1.0           # beta; 1 is the plain ELBO
}

optimizer "adam" "all" {
  models = [model.encoder, model.decoder]
  lr     = var.lr
}

train {
  epochs       = 10
  batch_size   = 128
  sample_every = "1 epoch"
}

evaluate {
  data    = data.test
  every   = "1 epoch"
  metrics = ["elbo", "iwae_nll", "samples", "reconstructions"]
}
