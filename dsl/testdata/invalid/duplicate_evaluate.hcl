experiment "v" { seed = 1 }

variable "latent" { default = 20 }

data "mnist" "train" {}

model "enc" {
  input "x" { shape = [784] }
  layer "dense" "h" { units = 400 }
  layer "relu" "a" {}
  layer "dense" "mu" { units = var.latent }
  layer "dense" "logvar" {
    units = var.latent
    input = layer.a
  }
  output = [layer.mu, layer.logvar]
}

model "dec" {
  input "z" { shape = [var.latent] }
  layer "dense" "h" { units = 400 }
  layer "relu" "a" {}
  layer "dense" "logits" { units = 784 }
}

objective "elbo" {
  encoder = model.enc
  decoder = model.dec
  data    = data.train
}

optimizer "adam" "all" {
  models = [model.enc, model.dec]
}

evaluate { metrics = ["elbo"] }
evaluate { metrics = ["samples"] } # ERROR: Duplicate evaluate block
