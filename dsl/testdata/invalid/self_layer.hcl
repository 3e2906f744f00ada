experiment "t" { seed = 1 }

variable "latent" { default = 20 }
variable "lr" { default = 0.001 }

data "mnist" "train" {}

model "m" {
  input "x" { shape = [784] }
  layer "dense" "h" { units = var.latent }
  layer "relu" "a" { input = layer.a } # ERROR: Layer reads itself
  layer "dense" "out" { units = 10 }
}

objective "classifier" {
  model = model.m
  data  = data.train
}

optimizer "adam" "o" {
  models = [model.m]
  lr     = var.lr
}
