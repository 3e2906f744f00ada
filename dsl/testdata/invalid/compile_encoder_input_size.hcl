experiment "t" { seed = 1 }

data "mnist" "train" {}

model "encoder" {
  input "x" { shape = [700] }
  layer "dense" "h"      { units = 64 }
  layer "relu"  "a"      {}
  layer "dense" "mu"     { units = 8 }
  layer "dense" "logvar" {
    units = 8
    input = layer.a
  }
  output = [layer.mu, layer.logvar]
}

model "decoder" {
  input "z" { shape = [8] }
  layer "dense" "h"      { units = 64 }
  layer "relu"  "a"      {}
  layer "dense" "logits" { units = 784 }
}

objective "elbo" {
  encoder = model.encoder # COMPILE-ERROR: Encoder does not fit the data
  decoder = model.decoder
  data    = data.train
}

optimizer "adam" "all" {
  models = [model.encoder, model.decoder]
  lr     = 0.001
}
